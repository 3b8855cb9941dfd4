/* JSON escaping and record shape. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "output.h"

TEST(json_escape)
{
	char buf[64];

	nt_json_escape("a\"b\\c\n\t\x01", buf, sizeof(buf));
	CHECK_STR(buf, "\"a\\\"b\\\\c\\n\\t\\u0001\"");
	nt_json_escape("", buf, sizeof(buf));
	CHECK_STR(buf, "\"\"");
	/* truncation keeps a valid string */
	nt_json_escape("abcdefghijkl", buf, 8);
	CHECK(buf[0] == '"' && buf[strlen(buf) - 1] == '"' && strlen(buf) < 8);
}

TEST(json_record_shape)
{
	char path[] = "/tmp/nt-unit-json-XXXXXX", line[512];
	int fd = mkstemp(path), saved = dup(1);
	struct nt_json *j;
	FILE *f;

	fflush(stdout);
	dup2(fd, 1);
	nt_out_init("tool\"x", true);
	j = nt_json_begin("event", 1700000000123456789ULL);
	nt_json_str(j, "s", "v");
	nt_json_arr(j, "a");
	nt_json_u64(j, NULL, 1);
	nt_json_obj(j, NULL);
	nt_json_i64(j, "n", -2);
	nt_json_obj_end(j);
	nt_json_arr_end(j);
	nt_json_f64(j, "f", 1.5);
	nt_json_end(j);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	CHECK(fgets(line, sizeof(line), f) != NULL);
	CHECK_STR(line, "{\"tool\":\"tool\\\"x\",\"type\":\"event\",\"time\":\"2023-11-14T22:13:20.123456Z\","
			"\"s\":\"v\",\"a\":[1,{\"n\":-2}],\"f\":1.500}\n");
	fclose(f);
	unlink(path);
}
