// SPDX-License-Identifier: GPL-2.0-only
/*
 * util/json.c: the allocation-free printer writes exactly what json-c's
 * JSON_C_TO_STRING_PRETTY | NOSLASHESCAPE serializer writes, and a member
 * lost to a failed allocation (a NULL value) makes the whole document
 * incomplete: json_print() then refuses it and prints nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/json.h"

static char *printed(struct json_object *o, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	*rc = json_print(f, o);
	fclose(f);
	return buf;
}

static struct json_object *sample(void)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	struct json_object *inner = json_object_new_object();

	json_add(o, "dev", json_object_new_string("namespace0.0"));
	json_add(o, "escapes", json_object_new_string("a\"b\\c/d\n\t\x01\x7f\xc3\xa9"));
	json_add(o, "big", json_u64(UINT64_MAX));
	json_add(o, "neg", json_object_new_int(-42));
	json_add(o, "zero", json_object_new_int(0));
	json_add(o, "yes", json_object_new_boolean(1));
	json_add(o, "no", json_object_new_boolean(0));
	json_add(o, "empty_array", json_object_new_array());
	json_add(o, "empty_object", json_object_new_object());
	json_add(inner, "x", json_u64(1));
	json_append(arr, inner);
	json_append(arr, json_object_new_string("s"));
	json_append(arr, json_object_new_array());
	json_add(o, "list", arr);
	return o;
}

int main(void)
{
	struct tap t = { 0 };
	struct json_object *o = sample(), *outer, *arr;
	const char *want = json_object_to_json_string_ext(o,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *got, expect[4096];
	int rc = -1;

	snprintf(expect, sizeof(expect), "%s\n", want);
	got = printed(o, &rc);
	tap_ok(&t, rc == 0 && got && !strcmp(got, expect),
	       "the printer writes what json-c's pretty serializer writes");
	if (got && strcmp(got, expect))
		printf("# got:\n%s# want:\n%s", got, expect);
	free(got);
	json_object_put(o);

	arr = json_object_new_array();
	got = printed(arr, &rc);
	tap_ok(&t, rc == 0 && got && !strcmp(got, "[]\n"), "an empty list is []");
	free(got);
	json_object_put(arr);

	/* a value whose allocation failed, two levels down */
	outer = json_object_new_array();
	o = json_object_new_object();
	json_add(o, "dev", json_object_new_string("nmem0"));
	tap_ok(&t, json_add(o, "lost", NULL) == -ENOMEM,
	       "adding a failed allocation reports -ENOMEM");
	json_append(outer, o);
	tap_ok(&t, json_incomplete(outer), "the parent knows it is incomplete");
	got = printed(outer, &rc);
	tap_ok(&t, rc == -ENOMEM && got && !*got,
	       "an incomplete document is not printed at all");
	free(got);
	json_object_put(outer);

	got = printed(NULL, &rc);
	tap_ok(&t, rc == -ENOMEM && got && !*got, "nor is a missing root");
	free(got);
	return tap_done(&t);
}
