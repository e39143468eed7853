// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/pjson.c, the platform.json reader: strict JSON, escapes decoded,
 * integers told apart from other numbers, the last of repeated keys, and
 * a round trip of awkward image paths through platform adopt and open.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pjson.h"
#include "private.h"
#include "tap.h"

static int parse(const char *text, struct pj_doc *doc)
{
	size_t where;

	return pj_parse(text, strlen(text), doc, &where);
}

static void test_syntax(struct tap *t)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "01", "1.", "-",
		"\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\u0000\"",
		"\"a\nb\"", "tru", "{\"a\" 1}", "[1] 2", "nan",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	};
	unsigned rejected = 0;
	struct pj_doc doc;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = parse(bad[i], &doc);

		rejected += rc == -EINVAL;
		if (rc != -EINVAL)
			printf("# accepted: %s\n", bad[i]);
		if (!rc)
			pj_free(&doc);
	}
	tap_ok(t, rejected == ARRAY_SIZE(bad),
	       "%u of %zu malformed documents rejected", rejected,
	       ARRAY_SIZE(bad));
}

static void test_values(struct tap *t)
{
	const char *text = " {\"n\": 18446744073709551615, \"big\": 18446744073709551616,"
			   " \"neg\": -1, \"frac\": 1.5, \"exp\": 1e3, \"zero\": -0,"
			   " \"s\": \"q\\\"b\\\\s\\/n\\n\\u00e9\\ud83d\\ude00\","
			   " \"a\": [true, false, null, {}], \"k\": 1, \"k\": 2 } ";
	const struct pj_node *root, *v;
	struct pj_doc doc;

	if (!tap_ok(t, parse(text, &doc) == 0, "a valid document parses"))
		return;
	root = &doc.nodes[0];
	v = pj_get(&doc, root, "n");
	tap_ok(t, v && v->is_u64 && v->u64 == UINT64_MAX, "2^64-1 is an integer");
	tap_ok(t, !pj_get(&doc, root, "big")->is_u64 &&
	       !pj_get(&doc, root, "neg")->is_u64 &&
	       !pj_get(&doc, root, "frac")->is_u64 &&
	       !pj_get(&doc, root, "exp")->is_u64,
	       "2^64, negatives, fractions and exponents are not");
	tap_ok(t, pj_get(&doc, root, "zero")->is_u64, "-0 is 0");
	v = pj_get(&doc, root, "s");
	tap_ok(t, v && v->type == PJ_STRING &&
	       !strcmp(v->str, "q\"b\\s/n\n\xc3\xa9\xf0\x9f\x98\x80"),
	       "escapes and surrogate pairs decode to UTF-8");
	v = pj_get(&doc, root, "a");
	tap_ok(t, v && v->nkids == 4 && pj_at(&doc, v, 0)->type == PJ_BOOL &&
	       pj_at(&doc, v, 2)->type == PJ_NULL &&
	       pj_at(&doc, v, 3)->type == PJ_OBJECT && !pj_at(&doc, v, 4),
	       "arrays index their elements");
	tap_ok(t, pj_get(&doc, root, "k")->u64 == 2 &&
	       !pj_get(&doc, root, "missing"),
	       "the last of repeated keys wins");
	pj_free(&doc);
}

/* Image paths with quotes, backslashes, control bytes and UTF-8. */
static void test_round_trip(struct tap *t)
{
	static const char *const names[] = { "q\"b\\s\tc.img", "\xc3\xa9\x01.img" };
	char base[] = "/tmp/pmemctl-pjson-XXXXXX", dir[64], cmd[96];
	char paths[2][128];
	const char *images[2] = { paths[0], paths[1] };
	struct pmemctl_ctx *ctx;
	struct pmemctl_bus *bus;
	struct pmemctl_dimm *d;
	unsigned same = 0;
	int rc = -1;

	if (!mkdtemp(base) || pmemctl_new(&ctx))
		return;
	pmemctl_set_log_priority(ctx, 0);
	for (int i = 0; i < 2; i++) {
		int fd;

		snprintf(paths[i], sizeof(paths[i]), "%s/%s", base, names[i]);
		fd = open(paths[i], O_CREAT | O_WRONLY, 0644);
		if (fd < 0 || ftruncate(fd, 34 << 20))
			goto out;
		close(fd);
	}
	snprintf(dir, sizeof(dir), "%s/p", base);
	rc = pmemctl_platform_adopt(ctx, dir, images, 2, 128 << 10, 0);
	if (!rc)
		rc = pmemctl_bus_open_image(ctx, dir, false, &bus);
	if (!rc) {
		pmemctl_dimm_foreach(bus, d)
			same += !strcmp(pmemctl_dimm_get_image_path(d),
					paths[pmemctl_dimm_get_id(d)]);
		pmemctl_bus_close(bus);
	}
out:
	tap_ok(t, rc == 0 && same == 2,
	       "awkward image paths survive platform.json (%d, %u)", rc, same);
	pmemctl_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", base);
}

int main(void)
{
	struct tap t = { 0 };

	test_syntax(&t);
	test_values(&t);
	test_round_trip(&t);
	return tap_done(&t);
}
