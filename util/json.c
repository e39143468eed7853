// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>
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

void json_add(struct json_object *obj, const char *key,
	      struct json_object *val)
{
	json_object_object_add(obj, key, val);
}

void json_print(FILE *out, struct json_object *obj)
{
	if (json_object_is_type(obj, json_type_array) &&
	    json_object_array_length(obj) == 0) {
		fprintf(out, "[]\n");
		return;
	}
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
}
