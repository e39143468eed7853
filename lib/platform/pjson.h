/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * A small, strict JSON reader and string writer for platform.json.
 *
 * json-c's tokener (0.16) crashes when one of its allocations fails, and
 * its serializer can drop text silently; a platform description must
 * never be misread or half-written because memory ran short.  This reader
 * makes exactly two allocations per document (nodes and decoded strings),
 * both sized by a first pass, and reports -ENOMEM apart from -EINVAL.
 * Input is RFC 8259 JSON; nesting is limited to PJ_MAX_DEPTH.
 */
#ifndef PMEMCTL_PJSON_H
#define PMEMCTL_PJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PJ_MAX_DEPTH 32

enum pj_type { PJ_NULL, PJ_BOOL, PJ_NUMBER, PJ_STRING, PJ_ARRAY, PJ_OBJECT };

struct pj_node {
	enum pj_type type;
	bool is_u64;		/* a number that is an integer in [0, 2^64) */
	uint64_t u64;
	const char *str;	/* PJ_STRING: decoded, NUL-terminated */
	const char *key;	/* a member of an object: its key */
	unsigned nkids;		/* PJ_ARRAY, PJ_OBJECT */
	unsigned first, next;	/* first child, next sibling; 0 = none */
};

struct pj_doc {
	struct pj_node *nodes;	/* nodes[0] is the root */
	unsigned n;
	char *strs;
};

/*
 * Parse @len bytes.  0 and a document to pj_free(); -EINVAL for text that
 * is not JSON (*@where: the byte offset of the problem); -ENOMEM.
 */
int pj_parse(const char *text, size_t len, struct pj_doc *doc, size_t *where);
void pj_free(struct pj_doc *doc);
/*
 * Read and parse the file at @path, at most @max - 1 bytes; every error
 * logged: -EINVAL for text that is not JSON (or too large), -ENOMEM, or
 * the errno of open(2)/read(2).
 */
struct pmemctl_ctx;
int pj_load_file(struct pmemctl_ctx *ctx, const char *path, size_t max,
		 struct pj_doc *doc);
/* The member @key of object @obj (the last one if repeated), or NULL. */
const struct pj_node *pj_get(const struct pj_doc *doc,
			     const struct pj_node *obj, const char *key);
/* Element @i of array @arr, or NULL. */
const struct pj_node *pj_at(const struct pj_doc *doc,
			    const struct pj_node *arr, unsigned i);
/* @s as a JSON string literal; 0 or -EIO. */
int pj_write_string(FILE *out, const char *s);

#endif /* PMEMCTL_PJSON_H */
