#include <stdlib.h>
#include "unit.h"

struct unit_test unit_tests[UNIT_MAX];
int unit_ntests;

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (int i = 0; i < unit_ntests; i++) {
		int f = 0;

		if (argc > 1 && !strstr(unit_tests[i].name, argv[1]))
			continue;
		unit_tests[i].fn(&f);
		printf("%s - %s\n", f ? "not ok" : "ok", unit_tests[i].name);
		if (f)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
