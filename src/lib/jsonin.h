/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading JSON back: a small parser for one line of nettrail's own --json
 * output (or any JSON value), for tools that consume other tools' output
 * (`nettrail merge`). Numbers are doubles; strings are unescaped (\uXXXX
 * below 0x80 only, others become '?').
 */
#ifndef NT_JSONIN_H
#define NT_JSONIN_H

#include <stdbool.h>

enum nt_jv_type { NT_JV_NULL, NT_JV_BOOL, NT_JV_NUM, NT_JV_STR, NT_JV_ARR, NT_JV_OBJ };

struct nt_jv {
	enum nt_jv_type type;
	double num;             /* NUM; BOOL: 0/1 */
	char *str;              /* STR */
	char *key;              /* member name inside an object */
	struct nt_jv *child;    /* ARR/OBJ: first element */
	struct nt_jv *next;     /* next sibling */
};

/* NULL when @s is not one complete JSON value. Free with nt_jv_free. */
struct nt_jv *nt_jv_parse(const char *s);
void nt_jv_free(struct nt_jv *v);
const struct nt_jv *nt_jv_get(const struct nt_jv *obj, const char *key);
/* Member accessors with a default when absent or of another type. */
const char *nt_jv_str(const struct nt_jv *obj, const char *key, const char *dflt);
double nt_jv_num(const struct nt_jv *obj, const char *key, double dflt);
bool nt_jv_bool(const struct nt_jv *obj, const char *key, bool dflt);

#endif
