/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON helpers.  pmemctl's JSON is type-stable: without --human every
 * size and identifier is a number; with --human every size is a string
 * ("1.00 GiB") and every hex identifier a "0x..." string, whatever its
 * value.  Lists are always arrays.
 */
#ifndef PMEMCTL_UTIL_JSON_H
#define PMEMCTL_UTIL_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_object *json_size(uint64_t v, bool human);
struct json_object *json_hex(uint64_t v, bool human);
struct json_object *json_u64(uint64_t v);
struct json_object *json_uuid(const uint8_t uu[16]);
struct json_object *json_guid(const uint8_t efi_guid[16]);
/*
 * Building a document when memory may run out: json_add() and
 * json_append() take @val over in every case; when @val is NULL (its
 * allocation failed) or incomplete, or the insertion fails, they return
 * -ENOMEM and mark the container incomplete, which propagates up to the
 * root as containers are added.  json_print() prints only complete
 * documents (else -ENOMEM, nothing printed) and allocates nothing.
 */
int json_add(struct json_object *obj, const char *key,
	     struct json_object *val);
int json_append(struct json_object *arr, struct json_object *val);
bool json_incomplete(struct json_object *obj);
int json_print(FILE *out, struct json_object *obj);
/* A scalar as plain text: strings unquoted, numbers in decimal. */
void json_print_text(FILE *out, struct json_object *v);

#endif
