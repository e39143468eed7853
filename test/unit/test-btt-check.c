// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT checker: a corruption matrix on fresh layouts (exact findings,
 * verdict, and the result of --repair), dry runs, the 0/2 -> 0/1 flog
 * rewrite, kernel-written BTTs, and a hostile-input loop of random bit
 * flips and garbage that must never crash or read out of bounds.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "btt.h"
#include "tap.h"
#include "fixture.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)
#define IMG_SIZE (32 * MiB)
#define NORMAL 0xC0000000u

static const uint8_t uu[16] = { 0x5e, 0xc7, 0x0a, 0x11, 0, 0, 0x40, 0,
				0x80, 0, 0, 0, 0, 0, 0, 0x02 };
static const uint8_t parent[16] = { 0x9a, 0x7e, 0x47, 0x01, 0, 0, 0x40, 0,
				    0x80, 0, 0, 0, 0, 0, 0, 0x03 };

struct img {
	struct pmemctl_ctx *ctx;
	uint8_t *buf;
	uint64_t size;
	struct btt_arena_layout a;	/* arena 0, v2.0 at offset 0 */
};

static void img_init_size(struct img *im, uint32_t lbasize, uint64_t size)
{
	struct btt_arena_layout *a;
	struct pmemctl_media *m;
	unsigned n;

	pmemctl_new(&im->ctx);
	pmemctl_set_log_priority(im->ctx, 2);	/* quiet: LOG_CRIT */
	im->size = size;
	im->buf = calloc(1, im->size);
	pmemctl_media_new_memory(im->ctx, im->buf, im->size, true, &m);
	btt_write_layout(im->ctx, m, 2, lbasize, uu, parent);
	pmemctl_media_close(m);
	btt_compute_layout(im->size, lbasize, &a, &n);
	im->a = a[0];
	free(a);
}

static void img_init(struct img *im, uint32_t lbasize)
{
	img_init_size(im, lbasize, IMG_SIZE);
}

static void img_free(struct img *im)
{
	free(im->buf);
	pmemctl_free(im->ctx);
}

#define FNV_BASIS 1469598103934665603ULL

static uint64_t hash_more(uint64_t h, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ULL;
	return h;
}

static uint64_t hash(const uint8_t *p, uint64_t len)
{
	return hash_more(FNV_BASIS, p, len);
}

static uint32_t get32(struct img *im, uint64_t off)
{
	uint32_t v;

	memcpy(&v, im->buf + off, 4);
	return le32toh(v);
}

static void put32(struct img *im, uint64_t off, uint32_t v)
{
	v = htole32(v);
	memcpy(im->buf + off, &v, 4);
}

static uint64_t map_off(struct img *im, uint32_t lba)
{
	return im->a.mapoff + 4ULL * lba;
}

static uint64_t slot_off(struct img *im, uint32_t lane, int slot)
{
	return im->a.logoff + 64ULL * lane + 16ULL * slot;
}

static void put_ent(struct img *im, uint32_t lane, int slot, uint32_t lba,
		    uint32_t old, uint32_t new, uint32_t seq)
{
	uint64_t o = slot_off(im, lane, slot);

	put32(im, o, lba);
	put32(im, o + 4, old);
	put32(im, o + 8, new);
	put32(im, o + 12, seq);
}

static void fix_checksum(struct btt_sb *sb)
{
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

/* Edit the info block (primary and backup) keeping checksums valid. */
static struct btt_sb *sb_at(struct img *im, uint64_t off)
{
	return (struct btt_sb *)(im->buf + off);
}

static int run(struct img *im, uint64_t size, bool repair, bool dry,
	       bool rewrite, struct pmemctl_btt_check_result **r)
{
	struct pmemctl_btt_check_opts o = {
		.parent_uuid = parent, .repair = repair, .dry_run = dry,
		.rewrite_log = rewrite,
	};
	struct pmemctl_media *m;
	int rc;

	*r = NULL;
	pmemctl_media_new_memory(im->ctx, im->buf, size, !dry, &m);
	rc = pmemctl_btt_check(im->ctx, m, &o, r);
	pmemctl_media_close(m);
	return rc;
}

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

/* ---- hostile input ------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void hostile_sb(struct img *im, uint64_t *s)
{
	struct btt_sb *sb = sb_at(im, 0);
	static const size_t fields[] = { 48, 56, 60, 64, 68, 72, 80, 88, 96,
					 104, 112 };
	uint64_t v = rnd(s);

	switch (v % 4) {
	case 0:
		v = rnd(s);
		break;
	case 1:
		v = rnd(s) % (64 * MiB);
		break;
	case 2:
		v = -(rnd(s) % 4096);
		break;
	default:
		v = rnd(s) & 0xffffffff;
	}
	memcpy((uint8_t *)sb + fields[rnd(s) % 11], &v,
	       rnd(s) % 2 ? 4 : 8);
	fix_checksum(sb);
	if (rnd(s) % 2)
		memcpy(im->buf + im->a.info2off, sb, 4096);
}

/*
 * A run of consecutive map entries (what a dense map holds), at any
 * start, of any length and flags, its postmaps possibly crossing the
 * internal block count or the 30-bit mask.
 */
static void map_run(struct img *im, uint64_t *s)
{
	static const uint32_t flags[] = { 0, NORMAL, 0x40000000, 0x80000000 };
	uint32_t enl = (uint32_t)((im->a.logoff - im->a.mapoff) / 4);
	uint32_t lba = (uint32_t)(rnd(s) % enl), len = 1 + rnd(s) % 200;
	uint32_t post = (uint32_t)rnd(s);

	switch (rnd(s) % 4) {
	case 0:
		post = im->a.internal_nlba - rnd(s) % 100;
		break;
	case 1:
		post = lba;
		break;
	case 2:
		post = 0x3fffffff - rnd(s) % 100;
		break;
	default:
		post = rnd(s) % (im->a.internal_nlba + 8);
	}
	for (uint32_t i = 0; i < len && lba + i < enl; i++)
		put32(im, map_off(im, lba + i),
		      flags[rnd(s) % 16 ? 1 : rnd(s) % 4] |
		      ((post + i) & 0x3fffffff));
}

/* A lane's map update that was interrupted: recovery will redo it. */
static void pending_update(struct img *im, uint64_t *s)
{
	uint32_t enl = im->a.external_nlba, lane = rnd(s) % BTT_NFREE;
	uint32_t lba = rnd(s) % 64 ? (uint32_t)(rnd(s) % enl) : enl - 1;
	uint32_t raw = get32(im, map_off(im, lba));
	uint32_t old = raw & NORMAL ? raw & 0x3fffffff : lba;

	put_ent(im, lane, 1, lba, old, enl + lane, 2);
	if (rnd(s) % 4 == 0)
		put32(im, map_off(im, lba), rnd(s) % 2 ? 0 : NORMAL | old);
}

static void mutate(struct img *im, uint64_t *s)
{
	uint64_t kind = rnd(s) % 8, n = 1 + rnd(s) % 8;
	uint64_t maplen = im->a.logoff - im->a.mapoff;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rnd(s), off;

		switch (kind == 5 ? rnd(s) % 5 : kind) {
		case 6:		/* runs of consecutive map entries */
			map_run(im, s);
			break;
		case 7:
			pending_update(im, s);
			break;
		case 0:		/* bit flips in the info blocks */
			off = (r % 2 ? 0 : im->a.info2off) + rnd(s) % 4096;
			im->buf[off] ^= (uint8_t)(1 << (r % 8));
			break;
		case 1:		/* fields with a valid checksum */
			hostile_sb(im, s);
			break;
		case 2:		/* map garbage, often near-valid */
			off = im->a.mapoff + (rnd(s) % maplen & ~3ULL);
			put32(im, off, r % 2 ? (uint32_t)rnd(s) :
			      NORMAL | (uint32_t)(rnd(s) %
						  (im->a.internal_nlba + 8)));
			break;
		case 3:		/* flog: small values, seq 0..5 */
			off = im->a.logoff + rnd(s) % (64 * BTT_NFREE);
			off &= ~3ULL;
			put32(im, off, r % 3 ? (uint32_t)(rnd(s) %
				(im->a.internal_nlba + 4)) : (uint32_t)(r % 6));
			break;
		default:	/* bit flips anywhere in the metadata */
			off = im->a.mapoff + rnd(s) % (im->size - im->a.mapoff);
			im->buf[off] ^= (uint8_t)(1 << (r % 8));
		}
	}
}

/* Everything a check returned (findings with their text, per-arena
 * results, counts, the recheck): two checkers agree iff these do. */
static uint64_t hash_result(uint64_t h,
			    const struct pmemctl_btt_check_result *r)
{
	for (; r; r = r->recheck) {
		h = hash_more(h, &r->nfindings, sizeof(r->nfindings));
		for (unsigned i = 0; i < r->nfindings; i++) {
			const struct pmemctl_btt_finding *f = &r->findings[i];
			uint64_t v[] = { f->kind, f->arena, f->has, f->offset,
					 f->lba, f->lane, f->block, f->count,
					 f->repairable, f->repaired };

			h = hash_more(h, v, sizeof(v));
			h = hash_more(h, f->detail, strlen(f->detail));
		}
		for (unsigned i = 0; i < r->narenas; i++)
			h = hash_more(h, &r->arenas[i].nfindings,
				      sizeof(r->arenas[i].nfindings));
		h = hash_more(h, &r->total, sizeof(r->total));
		h = hash_more(h, &r->repaired, sizeof(r->repaired));
	}
	return h;
}

/* The pages of @buf that differ from @pristine, with their index. */
static uint64_t hash_changes(uint64_t h, const uint8_t *buf,
			     const uint8_t *pristine, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += 4096)
		if (memcmp(buf + off, pristine + off, 4096)) {
			h = hash_more(h, &off, sizeof(off));
			h = hash_more(h, buf + off, 4096);
		}
	return h;
}

/*
 * The digest printed at the end covers every seed's return code, result
 * and media bytes afterwards: run the same seeds against two builds of
 * the checker to compare their behaviour (a differential test).
 */
static void test_hostile(struct tap *t, uint32_t lbasize, unsigned seeds)
{
	uint64_t digest = FNV_BASIS;
	struct img im;
	uint8_t *pristine;
	unsigned crashes = 0, checked = 0, repaired = 0;
	uint64_t seen = 0;

	img_init_size(&im, lbasize, 16 * MiB);
	pristine = malloc(im.size);
	memcpy(pristine, im.buf, im.size);
	for (unsigned seed = 1; seed <= seeds; seed++) {
		uint64_t s = 0x9e3779b97f4a7c15ULL * seed, size = im.size;
		struct pmemctl_btt_check_result *r = NULL;
		int rc;

		mutate(&im, &s);
		if (rnd(&s) % 8 == 0)
			size = rnd(&s) % im.size;
		rc = run(&im, size, rnd(&s) % 2, false, rnd(&s) % 4 == 0, &r);
		if (rc && rc != -ENODEV)
			crashes++;
		checked += rc == 0;
		for (unsigned i = 0; r && i < r->nfindings; i++)
			seen |= 1ULL << r->findings[i].kind;
		digest = hash_more(digest, &rc, sizeof(rc));
		digest = hash_result(digest, r);
		digest = hash_changes(digest, im.buf, pristine, im.size);
		/* mutate() only touches the info blocks, map and flog;
		 * repairs of hostile layouts may write anywhere */
		if (r && r->repaired) {
			repaired++;
			memcpy(im.buf, pristine, im.size);
		} else {
			memcpy(im.buf, pristine, 4096);
			memcpy(im.buf + im.a.mapoff, pristine + im.a.mapoff,
			       im.size - im.a.mapoff);
		}
		pmemctl_btt_check_free(r);
	}
	printf("# finding kinds produced:");
	for (int k = 0; k < PMEMCTL_BTT_F_NR; k++)
		if (seen >> k & 1)
			printf(" %s", pmemctl_btt_finding_name(k));
	printf("\n# %u-byte sectors, %u seeds: digest %016llx\n", lbasize,
	       seeds, (unsigned long long)digest);
	tap_ok(t, crashes == 0, "hostile input, %u-byte sectors: %u seeds, %u checked, %u repaired, no failure",
	       lbasize, seeds, checked, repaired);
	free(pristine);
	img_free(&im);
}

int main(int argc, char **argv)
{
	unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	struct tap t = { 0 };

	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++)
		run_case(&t, &matrix[i]);
	test_details(&t);
	test_dry_run(&t);
	test_stop(&t);
	test_rewrite_log(&t);
	test_nextoff_loop(&t);
	test_not_btt(&t);
	test_fixture(&t, "ns-v1.1");
	test_fixture(&t, "ns-v1.2");
	test_hostile(&t, 4096, seeds);
	test_hostile(&t, 520, seeds);
	return tap_done(&t);
}
