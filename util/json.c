// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <uuid/uuid.h>

#include "util/json.h"
#include "util/size.h"

struct json_object *json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

struct json_object *json_size(uint64_t v, bool human)
{
	char buf[32];

	if (!human)
		return json_object_new_uint64(v);
	return json_object_new_string(format_size(v, buf, sizeof(buf)));
}

struct json_object *json_hex(uint64_t v, bool human)
{
	char buf[32];

	if (!human)
		return json_object_new_uint64(v);
	snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

struct json_object *json_uuid(const uint8_t uu[16])
{
	char buf[40];

	uuid_unparse(uu, buf);
	return json_object_new_string(buf);
}

/* EFI GUIDs store their first three fields little-endian. */
struct json_object *json_guid(const uint8_t g[16])
{
	char buf[40];

	snprintf(buf, sizeof(buf),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
	return json_object_new_string(buf);
}

/*
 * A container that lost a member to a failed allocation carries this
 * marker as its userdata (setting it allocates nothing), and passes it on
 * to every container it is added to: the document's root then knows.
 */
static const char incomplete_marker[] = "incomplete";

static void mark_incomplete(struct json_object *obj)
{
	if (obj)
		json_object_set_userdata(obj, (void *)incomplete_marker, NULL);
}

bool json_incomplete(struct json_object *obj)
{
	return !obj || json_object_get_userdata(obj) == incomplete_marker;
}

/* Both take @val over, whatever happens; -ENOMEM marks the container. */
int json_add(struct json_object *obj, const char *key,
	     struct json_object *val)
{
	if (obj && !json_incomplete(val) &&
	    json_object_object_add(obj, key, val) == 0)
		return 0;
	mark_incomplete(obj);
	json_object_put(val);
	return -ENOMEM;
}

int json_append(struct json_object *arr, struct json_object *val)
{
	if (arr && !json_incomplete(val) &&
	    json_object_array_add(arr, val) == 0)
		return 0;
	mark_incomplete(arr);
	json_object_put(val);
	return -ENOMEM;
}

/*
 * The printer: json-c's JSON_C_TO_STRING_PRETTY | NOSLASHESCAPE layout,
 * written straight to the stream.  json-c's own serializer allocates, and
 * can drop text when that fails; this one allocates nothing.
 */
static void put_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\b':
			fputs("\\b", out);
			break;
		case '\f':
			fputs("\\f", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

static void put_scalar(FILE *out, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		fputs(json_object_get_boolean(v) ? "true" : "false", out);
		break;
	case json_type_int:
		if (json_object_get_int64(v) < 0)
			fprintf(out, "%" PRId64, json_object_get_int64(v));
		else
			fprintf(out, "%" PRIu64, json_object_get_uint64(v));
		break;
	case json_type_double:
		fprintf(out, "%.17g", json_object_get_double(v));
		break;
	case json_type_string:
		put_string(out, json_object_get_string(v),
			   (size_t)json_object_get_string_len(v));
		break;
	default:
		fputs("null", out);
	}
}

static void put_value(FILE *out, struct json_object *v, int level)
{
	bool first = true;

	if (json_object_is_type(v, json_type_object)) {
		fputs("{\n", out);
		json_object_object_foreach(v, key, val) {
			fprintf(out, "%s%*s", first ? "" : ",\n",
				2 * (level + 1), "");
			put_string(out, key, strlen(key));
			fputc(':', out);
			put_value(out, val, level + 1);
			first = false;
		}
		fprintf(out, "%s%*s}", first ? "" : "\n", 2 * level, "");
	} else if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);

		fputs("[\n", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s%*s", i ? ",\n" : "", 2 * (level + 1),
				"");
			put_value(out, json_object_array_get_idx(v, i),
				  level + 1);
		}
		fprintf(out, "%s%*s]", n ? "\n" : "", 2 * level, "");
	} else {
		put_scalar(out, v);
	}
}

int json_print(FILE *out, struct json_object *obj)
{
	if (json_incomplete(obj))
		return -ENOMEM;
	if (json_object_is_type(obj, json_type_array) &&
	    json_object_array_length(obj) == 0)
		fputs("[]", out);
	else
		put_value(out, obj, 0);
	fputc('\n', out);
	return 0;
}

void json_print_text(FILE *out, struct json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		fwrite(json_object_get_string(v), 1,
		       (size_t)json_object_get_string_len(v), out);
	else
		put_scalar(out, v);
}
