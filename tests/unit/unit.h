/* A very small unit-test harness: TEST(name) { CHECK(...); } and the runner
 * prints one line per test and a closing "N passed, N failed". */
#ifndef NT_UNIT_H
#define NT_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(int *failed);
};

#define UNIT_MAX 256
extern struct unit_test unit_tests[UNIT_MAX];
extern int unit_ntests;

#define TEST(tname)                                                          \
	static void tname(int *failed);                                      \
	__attribute__((constructor)) static void register_##tname(void)      \
	{                                                                    \
		unit_tests[unit_ntests].name = #tname;                       \
		unit_tests[unit_ntests++].fn = tname;                        \
	}                                                                    \
	static void tname(int *failed)

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			printf("    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			(*failed)++;                                         \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *_a = (a), *_b = (b);                             \
		if (!_a || !_b || strcmp(_a, _b)) {                          \
			printf("    %s:%d: '%s' != '%s'\n", __FILE__, __LINE__, \
			       _a ? _a : "(null)", _b ? _b : "(null)");      \
			(*failed)++;                                         \
		}                                                            \
	} while (0)

#endif
