// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT checker: a corruption matrix on fresh layouts (exact findings,
 * verdict, and the result of --repair), dry runs, the 0/2 -> 0/1 flog
 * rewrite and kernel-written BTTs (the hostile-input loop is
 * test-btt-check-hostile.c).
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "btt-check-img.h"
#include "btt-check-int.h"
#include "tap.h"
#include "fixture.h"


static int verdict(const struct pmemctl_btt_check_result *r)
{
	const struct pmemctl_btt_check_result *last = r->recheck ? r->recheck : r;

	return (r->repaired ? 1 : 0) | (last->total ? 4 : 0);
}

/* "kind,kind" of the listed findings, in order */
static const char *kinds(const struct pmemctl_btt_check_result *r)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; r && i < r->nfindings; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
			i ? "," : "",
			pmemctl_btt_finding_name(r->findings[i].kind));
	return buf;
}

static bool find(const struct pmemctl_btt_check_result *r, enum pmemctl_btt_finding_kind k,
		 const struct pmemctl_btt_finding **out)
{
	for (unsigned i = 0; i < r->nfindings; i++)
		if (r->findings[i].kind == k) {
			*out = &r->findings[i];
			return true;
		}
	return false;
}

typedef void (*corrupt_fn)(struct img *im, uint64_t *size);

struct kase {
	const char *name;
	corrupt_fn corrupt;
	const char *want;		/* kinds, in report order */
	bool repairable;		/* repair: exit 1, clean re-check */
	uint32_t lbasize;
};

static void c_signature(struct img *im, uint64_t *size)
{
	(void)size;
	im->buf[0] ^= 0x20;
}

static void c_primary_sum(struct img *im, uint64_t *size)
{
	(void)size;
	im->buf[2000] ^= 1;
}

static void c_backup_sum(struct img *im, uint64_t *size)
{
	(void)size;
	im->buf[im->a.info2off + 300] ^= 0x80;
}

static void c_both(struct img *im, uint64_t *size)
{
	c_primary_sum(im, size);
	c_backup_sum(im, size);
}

static void c_map_range(struct img *im, uint64_t *size)
{
	(void)size;
	put32(im, map_off(im, 3), NORMAL | (im->a.internal_nlba + 5));
}

static void c_map_dup(struct img *im, uint64_t *size)
{
	(void)size;
	put32(im, map_off(im, 5), NORMAL | 6);
}

static void c_lost(struct img *im, uint64_t *size)
{
	(void)size;
	/* lane 3's free block reference is destroyed */
	put32(im, slot_off(im, 3, 0) + 4, 0x3ffffff0);
}

static void c_seq(struct img *im, uint64_t *size)
{
	(void)size;
	memcpy(im->buf + slot_off(im, 2, 1), im->buf + slot_off(im, 2, 0),
	       16);
}

/* lane 0 wrote lba 4 to its free block, then crashed before the map */
static void c_interrupted(struct img *im, uint64_t *size)
{
	(void)size;
	put_ent(im, 0, 1, 4, 4, im->a.external_nlba, 2);
}

static void c_truncated(struct img *im, uint64_t *size)
{
	*size -= 8192;
	(void)im;
}

static void c_error_flag(struct img *im, uint64_t *size)
{
	(void)size;
	put_le32(&sb_at(im, 0)->flags, BTT_IB_FLAG_ERROR);
	fix_checksum(sb_at(im, 0));
	memcpy(im->buf + im->a.info2off, im->buf, 4096);
}

static void c_nfree(struct img *im, uint64_t *size)
{
	(void)size;
	put_le32(&sb_at(im, 0)->nfree, 255);
	fix_checksum(sb_at(im, 0));
	memcpy(im->buf + im->a.info2off, im->buf, 4096);
}

static void c_padding(struct img *im, uint64_t *size)
{
	(void)size;
	/* a used lane in the 0/1 layout, then junk in slot 3 of lane 9 */
	c_interrupted(im, size);
	put32(im, map_off(im, 4), NORMAL | im->a.external_nlba);
	im->buf[slot_off(im, 9, 3) + 5] = 1;
}

static const struct kase matrix[] = {
	{ "bad signature", c_signature, "info_bad_signature", true, 4096 },
	{ "bad primary checksum", c_primary_sum, "info_bad_checksum", true, 4096 },
	{ "bad backup checksum", c_backup_sum, "info2_bad_checksum", true, 4096 },
	{ "both info blocks bad", c_both, "info_bad_checksum,info2_bad_checksum", false, 4096 },
	{ "map entry out of range", c_map_range, "map_out_of_range,block_unreferenced", false, 4096 },
	{ "duplicate map entry", c_map_dup, "block_duplicate,block_unreferenced", false, 512 },
	{ "lost block", c_lost, "flog_old_out_of_range,block_unreferenced", false, 4096 },
	{ "bad flog sequence", c_seq, "flog_bad_seq", false, 4096 },
	{ "interrupted map write", c_interrupted, "flog_map_mismatch", true, 520 },
	{ "truncated image", c_truncated, "arena_truncated", false, 4096 },
	{ "error flag", c_error_flag, "info_error_flag", false, 4096 },
	{ "nfree", c_nfree, "info_bad_nfree", false, 4096 },
	{ "flog padding", c_padding, "flog_bad_layout", false, 4104 },
};

static void run_case(struct tap *t, const struct kase *k)
{
	struct pmemctl_btt_check_result *r;
	uint64_t size, before;
	struct img im;
	int rc;

	img_init(&im, k->lbasize);
	size = im.size;
	k->corrupt(&im, &size);
	rc = run(&im, size, false, false, false, &r);
	tap_ok(t, rc == 0 && strcmp(kinds(r), k->want) == 0 &&
	       verdict(r) == 4, "%s: finds %s (got %s), exit 4", k->name,
	       k->want, kinds(r));
	for (unsigned i = 0; r && i < r->nfindings; i++)
		printf("#   %s: %s\n",
		       pmemctl_btt_finding_name(r->findings[i].kind),
		       r->findings[i].detail);
	pmemctl_btt_check_free(r);
	before = hash(im.buf, im.size);
	rc = run(&im, size, true, false, false, &r);
	if (k->repairable)
		tap_ok(t, rc == 0 && verdict(r) == 1 && r->recheck &&
		       r->recheck->total == 0 && r->repaired == r->total,
		       "%s: --repair fixes it, re-check clean, exit 1", k->name);
	else
		tap_ok(t, rc == 0 && verdict(r) == 4 && !r->recheck &&
		       hash(im.buf, im.size) == before,
		       "%s: not repairable: bytes unchanged, exit 4", k->name);
	pmemctl_btt_check_free(r);
	img_free(&im);
}

static void test_details(struct tap *t)
{
	const struct pmemctl_btt_finding *f = NULL;
	struct pmemctl_btt_check_result *r;
	struct img im;
	uint64_t size;

	img_init(&im, 4096);
	size = im.size;
	c_map_dup(&im, &size);
	run(&im, size, false, false, false, &r);
	find(r, PMEMCTL_BTT_F_BLOCK_DUPLICATE, &f);
	tap_ok(t, f && f->block == 6 && f->count == 2 &&
	       strstr(f->detail, "map[0x5]") && strstr(f->detail, "map[0x6]"),
	       "duplicate names block 6 and both map entries: %s",
	       f ? f->detail : "");
	tap_ok(t, find(r, PMEMCTL_BTT_F_BLOCK_UNREFERENCED, &f) && f->block == 5 &&
	       f->count == 1, "lost block 5 is named");
	pmemctl_btt_check_free(r);
	img_free(&im);

	img_init(&im, 4096);
	c_interrupted(&im, &size);
	run(&im, size, true, false, false, &r);
	tap_ok(t, find(r, PMEMCTL_BTT_F_FLOG_MAP_MISMATCH, &f) && f->lane == 0 &&
	       f->lba == 4 && f->repaired &&
	       get32(&im, map_off(&im, 4)) == (NORMAL | im.a.external_nlba),
	       "interrupted write: map[4] = 0xC0000000 | new_map, as the kernel's recovery");
	pmemctl_btt_check_free(r);
	img_free(&im);
}

/* A backup info block and a map write to repair; the image's hash. */
static uint64_t two_repairable(struct img *im, uint64_t *size)
{
	img_init(im, 4096);
	*size = im->size;
	c_backup_sum(im, size);
	c_interrupted(im, size);
	return hash(im->buf, im->size);
}

static void test_dry_run(struct tap *t)
{
	struct pmemctl_btt_check_result *r;
	struct img im;
	uint64_t size, before;
	int rc;

	before = two_repairable(&im, &size);
	rc = run(&im, size, true, true, false, &r);
	tap_ok(t, rc == 0 && r->repairable == 2 && r->repaired == 0 &&
	       verdict(r) == 4 && hash(im.buf, im.size) == before,
	       "dry run: 2 repairable, nothing written (read-only media), exit 4");
	pmemctl_btt_check_free(r);
	img_free(&im);
}

static bool stop_now(void *arg)
{
	unsigned *polls = arg;

	return ++*polls >= 1;
}

/* A stop asked for (a signal, in check-btt) ends the check before repairs. */
static void test_stop(struct tap *t)
{
	struct pmemctl_btt_check_opts o = {
		.parent_uuid = parent, .repair = true, .stop = stop_now,
	};
	struct pmemctl_btt_check_result *r = NULL;
	struct pmemctl_media *m;
	unsigned polls = 0;
	uint64_t size, before;
	struct img im;
	int rc;

	before = two_repairable(&im, &size);
	o.stop_arg = &polls;
	pmemctl_media_new_memory(im.ctx, im.buf, size, true, &m);
	rc = pmemctl_btt_check(im.ctx, m, &o, &r);
	pmemctl_media_close(m);
	tap_ok(t, rc == -EINTR && !r && polls == 1 &&
	       hash(im.buf, im.size) == before,
	       "a stop while reading the map: -EINTR, nothing repaired (%d, %u polls)",
	       rc, polls);
	img_free(&im);
}

struct stop_at {
	unsigned polls, at;	/* polls so far; stop at poll @at */
};

static bool stop_at(void *arg)
{
	struct stop_at *s = arg;

	return ++s->polls >= s->at;
}

/*
 * The second pass over the map (who references a block twice) polls as
 * the first does, once a window: a stop asked for during it ends the
 * check too.
 */
static void test_stop_dup_pass(struct tap *t)
{
	struct pmemctl_btt_check_opts o = {
		.parent_uuid = parent, .stop = stop_at,
	};
	struct pmemctl_btt_check_result *r = NULL;
	struct pmemctl_media *m;
	struct stop_at s = { 0, 0 };
	uint64_t size, before;
	struct img im;
	unsigned windows;
	int rc;

	img_init(&im, 520);
	size = im.size;
	c_map_dup(&im, &size);
	before = hash(im.buf, im.size);
	windows = (unsigned)((4ULL * im.a.external_nlba + CHK_MAP_WINDOW - 1) /
			     CHK_MAP_WINDOW);
	s.at = windows + 1;	/* the duplicate pass's first window */
	o.stop_arg = &s;
	pmemctl_media_new_memory(im.ctx, im.buf, size, false, &m);
	rc = pmemctl_btt_check(im.ctx, m, &o, &r);
	pmemctl_media_close(m);
	tap_ok(t, windows > 1 && rc == -EINTR && !r && s.polls == windows + 1 &&
	       hash(im.buf, im.size) == before,
	       "a stop during the duplicate pass: -EINTR (%d, %u polls, %u windows a pass)",
	       rc, s.polls, windows);
	pmemctl_btt_check_free(r);
	img_free(&im);
}

/*
 * An old-kernel (0/2) flog: four lanes in the four sequence situations
 * the rewrite has to walk through, with the map consistent.
 */
static void old_layout(struct img *im)
{
	uint32_t e = im->a.external_nlba;
	struct {
		uint32_t lane, lba, old, new, seq;
		int slot;
	} w[] = {
		{ 0, 4, 4, e + 0, 2, 2 },
		{ 1, 5, 5, e + 1, 2, 2 }, { 1, 6, 6, 5, 3, 0 },
		{ 2, 7, 7, e + 2, 2, 2 }, { 2, 8, 8, 7, 3, 0 },
		{ 2, 9, 9, 8, 1, 2 },
		{ 3, 11, 11, e + 3, 2, 2 }, { 3, 12, 12, 11, 3, 0 },
		{ 3, 13, 13, 12, 1, 2 }, { 3, 14, 14, 13, 2, 0 },
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		put_ent(im, w[i].lane, w[i].slot, w[i].lba, w[i].old,
			w[i].new, w[i].seq);
		put32(im, map_off(im, w[i].lba), NORMAL | w[i].new);
	}
}

static void test_rewrite_log(struct tap *t)
{
	static const uint32_t want_lba[] = { 4, 6, 9, 14 };
	struct pmemctl_btt_check_result *r;
	struct img im;
	bool ok = true;
	int rc;

	img_init(&im, 4096);
	old_layout(&im);
	rc = run(&im, im.size, false, false, false, &r);
	tap_ok(t, rc == 0 && r->total == 0 && r->arenas[0].log_index[1] == 2,
	       "an old 0/2 flog checks clean (%s)", kinds(r));
	pmemctl_btt_check_free(r);
	rc = run(&im, im.size, true, false, true, &r);
	tap_ok(t, rc == 0 && strcmp(kinds(r), "flog_old_layout") == 0 &&
	       verdict(r) == 1 && r->recheck && r->recheck->total == 0,
	       "--rewrite-log converts it, re-check clean (%s)", kinds(r));
	pmemctl_btt_check_free(r);
	for (uint32_t lane = 0; lane < 4; lane++) {
		ok &= get32(&im, slot_off(&im, lane, 0)) == want_lba[lane];
		ok &= get32(&im, slot_off(&im, lane, 0) + 12) == 1;
		ok &= mem_is_zero(im.buf + slot_off(&im, lane, 1), 48);
	}
	tap_ok(t, ok, "every lane: slot 0 = newest entry with seq 1, slots 1-3 zero");
	rc = run(&im, im.size, false, false, false, &r);
	tap_ok(t, rc == 0 && r->total == 0, "and it checks clean afterwards");
	pmemctl_btt_check_free(r);
	img_free(&im);
}

/* Two arenas on a sparse file; arena 1's nextoff wraps back to 0. */
static void test_nextoff_loop(struct tap *t)
{
	char path[] = "/tmp/pmemctl-btt-check-XXXXXX";
	uint64_t size = 512 * GiB + 32 * MiB, a1 = 512 * GiB;
	struct pmemctl_btt_check_opts o = { .parent_uuid = parent };
	struct pmemctl_btt_check_result *r = NULL;
	struct btt_arena_layout *a;
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;
	struct btt_sb sb, orig;
	unsigned n;
	int rc, fd = mkstemp(path);

	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 2);
	if (fd < 0 || ftruncate(fd, (off_t)size) ||
	    pmemctl_media_open_file(ctx, path, 0, size, PMEMCTL_MEDIA_WRITE,
				    &m)) {
		tap_ok(t, false, "sparse 512 GiB + 32 MiB file");
		goto out;
	}
	btt_write_layout(ctx, m, 2, 4096, uu, parent);
	btt_compute_layout(size, 4096, &a, &n);
	pmemctl_media_read(m, a1, &orig, sizeof(orig));
	sb = orig;
	put_le64(&sb.nextoff, -a1);
	fix_checksum(&sb);
	pmemctl_media_write(m, a1, &sb, sizeof(sb));
	pmemctl_media_write(m, a1 + a[1].info2off, &sb, sizeof(sb));
	rc = pmemctl_btt_check(ctx, m, &o, &r);
	tap_ok(t, rc == 0 && strcmp(kinds(r), "arena_bad_nextoff") == 0 &&
	       r->narenas == 2 && verdict(r) == 4,
	       "nextoff loop: %s, walk stops", kinds(r));
	pmemctl_btt_check_free(r);
	/* arena 0 lost entirely: arena 1 is still found and checked */
	pmemctl_media_write(m, a1, &orig, sizeof(orig));
	pmemctl_media_write(m, a1 + a[1].info2off, &orig, sizeof(orig));
	pmemctl_media_write(m, 100, "x", 1);
	pmemctl_media_write(m, a[0].info2off + 100, "x", 1);
	rc = pmemctl_btt_check(ctx, m, &o, &r);
	tap_ok(t, rc == 0 &&
	       strcmp(kinds(r), "info_bad_checksum,info2_bad_checksum") == 0 &&
	       r->narenas == 2 && r->arenas[1].checked,
	       "arena 0 unrecoverable: reported, arena 1 still checked (%s)",
	       kinds(r));
	pmemctl_btt_check_free(r);
	free(a);
	pmemctl_media_close(m);
out:
	if (fd >= 0)
		close(fd);
	unlink(path);
	pmemctl_free(ctx);
}

static void test_not_btt(struct tap *t)
{
	struct pmemctl_btt_check_result *r;
	struct img im;

	img_init(&im, 4096);
	memset(im.buf, 0, 4096);
	memset(im.buf + im.a.info2off, 0, 4096);
	tap_ok(t, run(&im, im.size, false, false, false, &r) == -ENODEV &&
	       !r, "no info block anywhere: -ENODEV (not a BTT)");
	tap_ok(t, run(&im, 4096, false, false, false, &r) == -ENODEV,
	       "a 4 KiB media: -ENODEV");
	img_free(&im);
}

/* ---- kernel fixtures ---------------------------------------------------- */

static void test_fixture(struct tap *t, const char *name)
{
	static const struct {
		const char *fx;
		uint64_t dpa, size;
		const char *parent;
	} ns[] = {
		{ "ns-v1.1", 33554432, 50331648, "70bb0bd6-0000-4000-8000-000000000003" },
		{ "ns-v1.1", 83886080, 33554432, "70bb0bd6-0000-4000-8000-000000000005" },
		{ "ns-v1.2", 0, 50331648, "b86321d4-0000-4000-8000-000000000001" },
		{ "ns-v1.2", 50331648, 33554432, "b86321d4-0000-4000-8000-000000000003" },
	};
	struct pmemctl_ctx *ctx;
	char *path = fixture_extract(name);

	if (!path) {
		printf("ok %d - # SKIP fixture %s not available\n", ++t->n, name);
		return;
	}
	pmemctl_new(&ctx);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		struct pmemctl_btt_check_opts o = { 0 };
		struct pmemctl_btt_check_result *r = NULL;
		struct pmemctl_media *m;
		uint8_t p[16];
		int rc;

		if (strcmp(ns[i].fx, name))
			continue;
		uuid_parse(ns[i].parent, p);
		o.parent_uuid = p;
		if (pmemctl_media_open_file(ctx, path, ns[i].dpa, ns[i].size,
					    0, &m)) {
			tap_ok(t, false, "%s: open the extracted image", name);
			continue;
		}
		rc = pmemctl_btt_check(ctx, m, &o, &r);
		tap_ok(t, rc == 0 && r->total == 0 && r->arenas[0].checked,
		       "%s: the kernel's v%u.%u %u-byte BTT at dpa %#llx checks clean (%s)",
		       name, r ? r->version_major : 0, r ? r->version_minor : 0,
		       r ? r->external_lbasize : 0,
		       (unsigned long long)ns[i].dpa, kinds(r));
		pmemctl_btt_check_free(r);
		pmemctl_media_close(m);
	}
	pmemctl_free(ctx);
	unlink(path);
	free(path);
}

int main(void)
{
	struct tap t = { 0 };

	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++)
		run_case(&t, &matrix[i]);
	test_details(&t);
	test_dry_run(&t);
	test_stop(&t);
	test_stop_dup_pass(&t);
	test_rewrite_log(&t);
	test_nextoff_loop(&t);
	test_not_btt(&t);
	test_fixture(&t, "ns-v1.1");
	test_fixture(&t, "ns-v1.2");
	return tap_done(&t);
}
