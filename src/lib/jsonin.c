// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include "jsonin.h"

struct parser {
	const char *p;
	int depth;
};

static void ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static char *parse_string(struct parser *ps)
{
	const char *p = ps->p + 1;
	size_t cap = 16, n = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (;;) {
		char c = *p++;

		if (!c) {
			free(out);
			return NULL;
		}
		if (c == '"')
			break;
		if (c == '\\') {
			char e = *p++;

			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;

				for (int i = 0; i < 4; i++) {
					char h = *p++;

					v <<= 4;
					if (h >= '0' && h <= '9') v |= h - '0';
					else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
					else if (h >= 'A' && h <= 'F') v |= h - 'A' + 10;
					else { free(out); return NULL; }
				}
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			case 0: free(out); return NULL;
			default: c = e; break;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(out, cap *= 2);

			if (!t) {
				free(out);
				return NULL;
			}
			out = t;
		}
		out[n++] = c;
	}
	out[n] = 0;
	ps->p = p;
	return out;
}

static struct nt_jv *parse_value(struct parser *ps)
{
	struct nt_jv *v;

	ws(ps);
	if (++ps->depth > 64)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	switch (*ps->p) {
	case '{':
	case '[': {
		char close = *ps->p == '{' ? '}' : ']';
		struct nt_jv **tail = &v->child;

		v->type = close == '}' ? NT_JV_OBJ : NT_JV_ARR;
		ps->p++;
		ws(ps);
		if (*ps->p == close) {
			ps->p++;
			break;
		}
		for (;;) {
			char *key = NULL;
			struct nt_jv *m;

			ws(ps);
			if (v->type == NT_JV_OBJ) {
				if (*ps->p != '"' || !(key = parse_string(ps)))
					goto bad;
				ws(ps);
				if (*ps->p++ != ':') {
					free(key);
					goto bad;
				}
			}
			m = parse_value(ps);
			if (!m) {
				free(key);
				goto bad;
			}
			m->key = key;
			*tail = m;
			tail = &m->next;
			ws(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p == close) {
				ps->p++;
				break;
			}
			goto bad;
		}
		break;
	}
	case '"':
		v->type = NT_JV_STR;
		if (!(v->str = parse_string(ps)))
			goto bad;
		break;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(ps->p, "true", 4)) {
			v->type = NT_JV_BOOL, v->num = 1, ps->p += 4;
		} else if (!strncmp(ps->p, "false", 5)) {
			v->type = NT_JV_BOOL, ps->p += 5;
		} else if (!strncmp(ps->p, "null", 4)) {
			v->type = NT_JV_NULL, ps->p += 4;
		} else {
			goto bad;
		}
		break;
	default: {
		char *end;

		v->type = NT_JV_NUM;
		v->num = strtod(ps->p, &end);
		if (end == ps->p)
			goto bad;
		ps->p = end;
	}
	}
	ps->depth--;
	return v;
bad:
	nt_jv_free(v);
	return NULL;
}

struct nt_jv *nt_jv_parse(const char *s)
{
	struct parser ps = { s, 0 };
	struct nt_jv *v = parse_value(&ps);

	if (!v)
		return NULL;
	ws(&ps);
	if (*ps.p) {
		nt_jv_free(v);
		return NULL;
	}
	return v;
}

void nt_jv_free(struct nt_jv *v)
{
	while (v) {
		struct nt_jv *next = v->next;

		nt_jv_free(v->child);
		free(v->str);
		free(v->key);
		free(v);
		v = next;
	}
}

const struct nt_jv *nt_jv_get(const struct nt_jv *obj, const char *key)
{
	if (!obj || obj->type != NT_JV_OBJ)
		return NULL;
	for (const struct nt_jv *m = obj->child; m; m = m->next)
		if (m->key && !strcmp(m->key, key))
			return m;
	return NULL;
}

const char *nt_jv_str(const struct nt_jv *obj, const char *key, const char *dflt)
{
	const struct nt_jv *m = nt_jv_get(obj, key);

	return m && m->type == NT_JV_STR ? m->str : dflt;
}

double nt_jv_num(const struct nt_jv *obj, const char *key, double dflt)
{
	const struct nt_jv *m = nt_jv_get(obj, key);

	return m && m->type == NT_JV_NUM ? m->num : dflt;
}

bool nt_jv_bool(const struct nt_jv *obj, const char *key, bool dflt)
{
	const struct nt_jv *m = nt_jv_get(obj, key);

	return m && m->type == NT_JV_BOOL ? m->num != 0 : dflt;
}
