// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT core (lib/format/btt-core.c) piece by piece: the arena walk on hostile
 * chains, info-block validation codes, log-slot layout detection,
 * newer-entry selection, map entry decoding, the attach-time log
 * recovery on media, the sector-size table; and the checker's problem
 * table (lib/format/btt-problem.c), whose kind names are an ABI.
 */
#include <stdlib.h>

#include "btt-problem.h"
#include "btt.h"
#include "tap.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

static const uint8_t uu[16] = { 0x11, 0x22, 0x33, 0x44, 0, 0, 0x40, 0,
				0x80, 0, 0, 0, 0, 0, 0, 0x05 };
static const uint8_t parent[16] = { 0xa1, 0xa2, 0, 0, 0, 0, 0x40, 0,
				    0x80, 0, 0, 0, 0, 0, 0, 0x06 };

/* ---- the arena chain ---------------------------------------------------- */

static void test_arena_next(struct tap *t)
{
	uint64_t size = 4 * GiB, next = 0;

	tap_ok(t, btt_arena_next(0, 0, size, &next) == BTT_NEXT_END,
	       "nextoff 0 ends the chain");
	tap_ok(t, btt_arena_next(16 * MiB, 32 * MiB, size, &next) ==
	       BTT_NEXT_OK && next == 48 * MiB, "nextoff 32 MiB: next arena");
	tap_ok(t, btt_arena_next(0, 4096, size, &next) == BTT_NEXT_RANGE,
	       "nextoff 4 KiB: under 16 MiB, not followed");
	tap_ok(t, btt_arena_next(0, 16 * MiB - 1, size, &next) ==
	       BTT_NEXT_RANGE, "nextoff 16 MiB - 1: not followed");
	tap_ok(t, btt_arena_next(0, 512 * GiB + 4096, 1024 * GiB, &next) ==
	       BTT_NEXT_RANGE, "nextoff over 512 GiB: not followed");
	tap_ok(t, btt_arena_next(64 * MiB, -(48 * MiB), size, &next) ==
	       BTT_NEXT_WRAP, "nextoff wrapping back to 16 MiB: a loop");
	tap_ok(t, btt_arena_next(64 * MiB, 512 * GiB, size, &next) ==
	       BTT_NEXT_BEYOND, "next arena past the media end");
	tap_ok(t, btt_arena_next(size - 16 * MiB - 2048, 16 * MiB, size,
				 &next) == BTT_NEXT_BEYOND,
	       "next info block straddling the media end");
	tap_ok(t, btt_arena_next(size - 16 * MiB - 4096, 16 * MiB, size,
				 &next) == BTT_NEXT_OK &&
	       next == size - 4096, "next info block ending at the media end");
}

/* A signature-only "arena" at @off whose nextoff is @next. */
static void chain_link(uint8_t *buf, uint64_t off, uint64_t next)
{
	struct btt_sb *sb = (struct btt_sb *)(buf + off);

	memset(sb, 0, sizeof(*sb));
	memcpy(sb->signature, BTT_SIG, BTT_SIG_LEN);
	put_le64(&sb->nextoff, next);
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

static unsigned walk_count(struct pmemctl_media *m, enum btt_next *end)
{
	struct btt_walk w;
	struct btt_sb sb;
	unsigned n = 0;

	btt_walk_start(&w, m, 0);
	do {
		if (btt_walk_read(&w, &sb))
			break;
		n++;
	} while (btt_walk_next(&w, &sb));
	*end = w.end;
	return n;
}

static void test_walk(struct tap *t)
{
	uint64_t size = 80 * MiB;
	uint8_t *buf = calloc(1, size);
	struct pmemctl_btt_info b;
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;
	enum btt_next end;
	unsigned n;
	int rc;

	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 2);
	pmemctl_media_new_memory(ctx, buf, size, false, &m);
	/* 0 -> 16M -> 48M -> back to 16M */
	chain_link(buf, 0, 16 * MiB);
	chain_link(buf, 16 * MiB, 32 * MiB);
	chain_link(buf, 48 * MiB, -(32 * MiB));
	n = walk_count(m, &end);
	tap_ok(t, n == 3 && end == BTT_NEXT_WRAP,
	       "a chain looping back stops at the loop (%u arenas)", n);
	/* nextoff 4 KiB: read-infoblock used to follow it */
	chain_link(buf, 48 * MiB, 4096);
	chain_link(buf, 48 * MiB + 4096, 0);
	n = walk_count(m, &end);
	tap_ok(t, n == 3 && end == BTT_NEXT_RANGE,
	       "a 4 KiB nextoff is not followed (%u arenas)", n);
	rc = pmemctl_media_get_btt_info(m, 48 * MiB, &b);
	tap_ok(t, rc == 0 && pmemctl_media_get_btt_next(m, &b, &b) == -ERANGE,
	       "pmemctl_media_get_btt_next: -ERANGE for the 4 KiB nextoff");
	/* the last link points past the end */
	chain_link(buf, 48 * MiB, 32 * MiB);
	n = walk_count(m, &end);
	tap_ok(t, n == 3 && end == BTT_NEXT_BEYOND,
	       "a nextoff past the media end stops the walk (%u arenas)", n);
	/* a clean end */
	chain_link(buf, 48 * MiB, 16 * MiB);
	chain_link(buf, 64 * MiB, 0);
	n = walk_count(m, &end);
	rc = pmemctl_media_get_btt_info(m, 64 * MiB, &b);
	tap_ok(t, n == 4 && end == BTT_NEXT_END && rc == 0 &&
	       pmemctl_media_get_btt_next(m, &b, &b) == -ENOENT,
	       "a chain ending with nextoff 0: 4 arenas, then -ENOENT");
	/* no signature at the next arena */
	memset(buf + 64 * MiB, 0, 16);
	rc = pmemctl_media_get_btt_info(m, 48 * MiB, &b);
	tap_ok(t, rc == 0 && pmemctl_media_get_btt_next(m, &b, &b) == -ENODEV,
	       "pmemctl_media_get_btt_next: -ENODEV without a signature");
	pmemctl_media_close(m);
	pmemctl_free(ctx);
	free(buf);
}

/* ---- info blocks and layout math ---------------------------------------- */

static void test_validate(struct tap *t)
{
	struct btt_arena_layout *a;
	struct btt_sb sb, x;
	unsigned n;

	btt_compute_layout(64 * MiB, 4096, &a, &n);
	btt_layout_fill_sb(&a[0], 2, 4096, uu, parent, &sb);
	tap_ok(t, btt_sb_validate(&sb, 2, parent) == BTT_SB_VALID &&
	       btt_sb_check_fields(&sb) == 0 &&
	       btt_sb_check_layout(&sb) == BTT_LAYOUT_OK,
	       "a fresh info block is valid, its fields and layout sound");
	tap_ok(t, btt_sb_validate(&sb, 1, parent) == BTT_SB_BAD_VERSION,
	       "v2.0 read as v1.1: bad version");
	tap_ok(t, btt_sb_validate(&sb, 2, uu) == BTT_SB_BAD_PARENT_UUID &&
	       btt_sb_validate(&sb, 2, NULL) == BTT_SB_BAD_PARENT_UUID,
	       "another namespace's, or a label-less one: bad parent uuid");
	x = sb;
	x.signature[3] ^= 1;
	tap_ok(t, btt_sb_validate(&x, 2, parent) == BTT_SB_BAD_SIGNATURE,
	       "bad signature");
	x = sb;
	x.padding[9] = 1;
	tap_ok(t, btt_sb_validate(&x, 2, parent) == BTT_SB_BAD_CHECKSUM,
	       "bad checksum");
	x = sb;
	put_le32(&x.nfree, 255);
	put_le32(&x.external_lbasize, 4104);
	tap_ok(t, btt_sb_check_fields(&x) ==
	       (BTT_FIELD_NFREE | BTT_FIELD_LBASIZE),
	       "nfree 255 and external lbasize over the internal one");
	put_le32(&x.external_lbasize, 1024);
	put_le32(&x.internal_lbasize, 1024);
	tap_ok(t, btt_sb_check_fields(&x) ==
	       (BTT_FIELD_NFREE | BTT_FIELD_LBASIZE_UNSUPPORTED),
	       "1024-byte sectors: unsupported, not fatal");
	x = sb;
	put_le64(&x.mapoff, 2 * BTT_PG_SIZE);
	tap_ok(t, btt_sb_check_layout(&x) == BTT_LAYOUT_MAP_OVER_DATA,
	       "mapoff inside the data area");
	put_le64(&x.info2off, -1ULL);
	tap_ok(t, btt_sb_check_layout(&x) == BTT_LAYOUT_INFO2_WRAPS,
	       "info2off wrapping around");
	free(a);
	for (uint64_t size = 16 * MiB; size < 600 * MiB; size += 37 * MiB + 512) {
		bool ok = btt_compute_layout(size, 520, &a, &n) == 0 &&
			  n == 1 && a[0].info2off == btt_info2off(size);

		free(a);
		if (!ok) {
			tap_ok(t, false, "btt_info2off(%#llx)",
			       (unsigned long long)size);
			return;
		}
	}
	tap_ok(t, true, "btt_info2off() is where alloc_arena() puts the backup");
}

static void test_lbasizes(struct tap *t)
{
	char buf[64];

	tap_ok(t, !strcmp(btt_lbasize_list(buf, sizeof(buf), " or "),
			  "512, 520, 528, 4096, 4104, 4160 or 4224"),
	       "sector-size table: %s", buf);
	tap_ok(t, btt_lbasize_supported(4160) && !btt_lbasize_supported(1024) &&
	       !btt_lbasize_supported(0), "supported: 4160, not 1024 or 0");
	tap_ok(t, btt_internal_lbasize(520) == 576 &&
	       btt_internal_lbasize(4104) == 4160 &&
	       btt_sector_size(4224) == 4096 && btt_sector_size(528) == 512,
	       "internal lbasize and OS sector size");
}

/* ---- the flog ----------------------------------------------------------- */

static void ent(struct btt_log_group *log, unsigned lane, int slot,
		uint32_t lba, uint32_t old, uint32_t new, uint32_t seq)
{
	struct btt_log_entry *e = &log[lane].ent[slot];

	put_le32(&e->lba, lba);
	put_le32(&e->old_map, old);
	put_le32(&e->new_map, new);
	put_le32(&e->seq, seq);
}

/* Every lane as btt_write_layout() leaves it: slot 0 only. */
static void fresh_log(struct btt_log_group *log)
{
	memset(log, 0, BTT_NFREE * sizeof(*log));
	for (unsigned i = 0; i < BTT_NFREE; i++)
		ent(log, i, 0, i, 1000 + i, 1000 + i, 1);
}

static void test_log_detect(struct tap *t)
{
	struct btt_log_group *log = calloc(BTT_NFREE, sizeof(*log));
	enum btt_log_status st;
	int idx[2], slot;
	unsigned lane;

	fresh_log(log);
	st = btt_log_detect(log, idx, &lane, &slot);
	tap_ok(t, st == BTT_LOG_OK && idx[0] == 0 && idx[1] == 1,
	       "fresh flog (all lanes initial): 0/1");
	ent(log, 7, 2, 7, 1007, 3, 2);
	st = btt_log_detect(log, idx, &lane, &slot);
	tap_ok(t, st == BTT_LOG_OK && idx[0] == 0 && idx[1] == 2,
	       "lane 7 used slots 0 and 2: the pre-4.15 layout 0/2");
	ent(log, 9, 1, 9, 1009, 4, 2);
	st = btt_log_detect(log, idx, &lane, &slot);
	tap_ok(t, st == BTT_LOG_SLOT_NOT_PAD && lane == 9 && slot == 1 &&
	       idx[0] == 0 && idx[1] == 2,
	       "then lane 9 slot 1 holds an entry: not padding, 0/2 kept");
	fresh_log(log);
	ent(log, 3, 1, 3, 1003, 5, 2);
	memset(&log[200].ent[0], 0, sizeof(log[200].ent[0]));
	ent(log, 200, 1, 200, 1200, 6, 2);
	st = btt_log_detect(log, idx, &lane, &slot);
	tap_ok(t, st == BTT_LOG_SLOT_EMPTY && lane == 200 && slot == 0 &&
	       idx[0] == 0 && idx[1] == 1,
	       "0/1 flog, lane 200 has no entry in slot 0: empty slot");
	memset(log, 0, BTT_NFREE * sizeof(*log));
	st = btt_log_detect(log, idx, &lane, &slot);
	tap_ok(t, st == BTT_LOG_UNKNOWN && idx[0] == 0 && idx[1] == 1,
	       "all-zero flog: unknown layout (as the kernel), guess 0/1");
	for (unsigned i = 0; i < BTT_NFREE; i++)
		ent(log, i, 1, i, 1000 + i, 1000 + i, 1);
	ent(log, 0, 3, 0, 1, 1, 2);
	st = btt_log_detect(log, idx, &lane, &slot);
	tap_ok(t, st == BTT_LOG_UNKNOWN && lane == 0 && slot == 1 &&
	       idx[0] == 0 && idx[1] == 1, "slots 1/3: unknown layout");
	free(log);
}

static void test_log_newer(struct tap *t)
{
	static const struct {
		uint32_t s0, s1;
		int newer;		/* 0: idx[0], 1: idx[1], -1 */
	} c[] = {
		{ 0, 1, 1 }, { 1, 2, 1 }, { 2, 3, 1 }, { 3, 1, 1 },
		{ 2, 1, 0 }, { 3, 2, 0 }, { 1, 3, 0 }, { 1, 0, 0 },
		{ 1, 1, -1 }, { 0, 0, -1 }, { 4, 1, -1 }, { 1, 4, -1 },
		{ 0, 7, -1 }, { 0xffffffff, 1, -1 },
	};
	static const int layouts[2][2] = { { 0, 1 }, { 0, 2 } };
	struct btt_log_group g;
	struct btt_lane l;
	bool ok = true;

	for (int k = 0; k < 2; k++) {
		const int *idx = layouts[k];

		for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
			int want = c[i].newer < 0 ? -1 : idx[c[i].newer];
			int got;

			memset(&g, 0, sizeof(g));
			ent(&g, 0, idx[0], 1, 2, 3, c[i].s0);
			ent(&g, 0, idx[1], 4, 5, 6, c[i].s1);
			got = btt_log_newer(&g, idx);
			if (got != want) {
				ok = false;
				printf("# %d/%d seq %u,%u: got %d, want %d\n",
				       idx[0], idx[1], c[i].s0, c[i].s1, got,
				       want);
			}
		}
	}
	tap_ok(t, ok, "newer of two entries: cyclic 1->2->3->1, 0 unwritten, equal or >3 undecidable");
	memset(&g, 0, sizeof(g));
	ent(&g, 0, 0, 7, 8 | BTT_MAP_ERR_FLAG, 9 | BTT_MAP_NORMAL, 2);
	ent(&g, 0, 2, 1, 2, 3, 1);
	tap_ok(t, btt_lane_decode(&g, layouts[1], &l) && l.slot == 0 &&
	       l.lba == 7 && l.old == 8 && l.new == 9,
	       "lane decode: newer entry, old/new without their flags");
	ent(&g, 0, 2, 1, 2, 3, 2);
	tap_ok(t, !btt_lane_decode(&g, layouts[1], &l),
	       "lane decode: equal sequence numbers are undecidable");
}

/* ---- the map ------------------------------------------------------------ */

static void test_map_decode(struct tap *t)
{
	struct btt_map_entry e;

	e = btt_map_decode(0, 42);
	tap_ok(t, e.postmap == 42 && !e.zero && !e.error,
	       "0: identity, postmap = premap");
	e = btt_map_decode(0x1234, 42);
	tap_ok(t, e.postmap == 42 && !e.zero && !e.error,
	       "no flag: identity whatever the low bits say");
	e = btt_map_decode(BTT_MAP_NORMAL | 7, 42);
	tap_ok(t, e.postmap == 7 && !e.zero && !e.error, "Z and E: normal");
	e = btt_map_decode(BTT_MAP_TRIM_FLAG | 7, 42);
	tap_ok(t, e.postmap == 7 && e.zero && !e.error, "Z alone: zeroes");
	e = btt_map_decode(BTT_MAP_ERR_FLAG | 7, 42);
	tap_ok(t, e.postmap == 7 && !e.zero && e.error, "E alone: error");
	tap_ok(t, btt_map_encode(7) == 0xC0000007 &&
	       btt_map_encode(0xC0000007) == 0xC0000007,
	       "encode: a normal entry");
}

/* ---- log recovery on media ---------------------------------------------- */

struct rimg {
	struct pmemctl_ctx *ctx;
	struct pmemctl_media *m;
	uint8_t *buf;
	struct btt_arena a;
};

static void rimg_init(struct rimg *r)
{
	struct btt_sb sb;

	pmemctl_new(&r->ctx);
	pmemctl_set_log_priority(r->ctx, 2);
	r->buf = calloc(1, 32 * MiB);
	pmemctl_media_new_memory(r->ctx, r->buf, 32 * MiB, true, &r->m);
	btt_write_layout(r->ctx, r->m, 2, 4096, uu, parent);
	memcpy(&sb, r->buf, sizeof(sb));
	btt_arena_decode(&sb, 0, &r->a);
}

static void rimg_free(struct rimg *r)
{
	pmemctl_media_close(r->m);
	pmemctl_free(r->ctx);
	free(r->buf);
}

static uint32_t map_at(struct rimg *r, uint32_t lba)
{
	return get_le32((const le32 *)(r->buf + btt_map_off(&r->a, lba)));
}

static void log_put(struct rimg *r, unsigned lane, int slot, uint32_t lba,
		    uint32_t old, uint32_t new, uint32_t seq)
{
	struct btt_log_entry e;

	put_le32(&e.lba, lba);
	put_le32(&e.old_map, old);
	put_le32(&e.new_map, new);
	put_le32(&e.seq, seq);
	btt_log_write(r->m, &r->a, lane, slot, &e);
}

static void test_recover(struct tap *t)
{
	struct rimg r;
	struct btt_lane l;
	uint32_t fix = 0, ext;
	int rc;

	rimg_init(&r);
	ext = r.a.external_nlba;
	rc = btt_lane_recover(r.m, &r.a, 3, &l, &fix);
	tap_ok(t, rc == 0 && l.slot == 0 && l.old == ext + 3 &&
	       l.new == ext + 3, "fresh lane: nothing to recover, free block %#x",
	       l.old);
	/* the log committed lba 4: 4 -> ext + 3; the map write was lost */
	log_put(&r, 3, 1, 4, 4, ext + 3, 2);
	rc = btt_lane_recover(r.m, &r.a, 3, &l, &fix);
	tap_ok(t, rc == 1 && fix == (BTT_MAP_NORMAL | (ext + 3)) &&
	       map_at(&r, 4) == fix && l.old == 4,
	       "interrupted map write: completed, map[4] = %#x, free block 4",
	       map_at(&r, 4));
	rc = btt_lane_recover(r.m, &r.a, 3, &l, &fix);
	tap_ok(t, rc == 0, "recovery is idempotent");
	/* the map write landed: nothing to do */
	log_put(&r, 5, 1, 6, 6, ext + 5, 2);
	put_le32((le32 *)(r.buf + btt_map_off(&r.a, 6)),
		 BTT_MAP_NORMAL | (ext + 5));
	tap_ok(t, btt_lane_recover(r.m, &r.a, 5, &l, &fix) == 0,
	       "map already points at the new block: nothing to do");
	/* the map moved on elsewhere: not the lane's old block */
	log_put(&r, 6, 1, 8, 8, ext + 6, 2);
	put_le32((le32 *)(r.buf + btt_map_off(&r.a, 8)), BTT_MAP_NORMAL | 77);
	tap_ok(t, btt_lane_recover(r.m, &r.a, 6, &l, &fix) == 0 &&
	       map_at(&r, 8) == (BTT_MAP_NORMAL | 77),
	       "map points elsewhere: left alone");
	/* an lba beyond the arena is never written */
	log_put(&r, 7, 1, ext, ext, ext + 7, 2);
	tap_ok(t, btt_lane_recover(r.m, &r.a, 7, &l, &fix) == 0,
	       "lba out of range: nothing written");
	log_put(&r, 8, 1, 9, 9, ext + 8, 1);
	tap_ok(t, btt_lane_recover(r.m, &r.a, 8, &l, &fix) == -EIO,
	       "equal sequence numbers: -EIO");
	rimg_free(&r);
}

/* ---- the problem table -------------------------------------------------- */

/* The JSON "kind" names, in enum order: an ABI, never to change. */
static const char *const abi_names[] = {
	"info_bad_signature", "info_bad_parent_uuid", "info_bad_checksum",
	"info_bad_version", "info_invalid", "info2_bad_signature",
	"info2_bad_parent_uuid", "info2_bad_checksum", "info2_bad_version",
	"info2_invalid", "info2_mismatch", "info_error_flag",
	"info_bad_nfree", "info_bad_nlba", "info_bad_lbasize",
	"info_bad_layout", "arena_truncated", "arena_bad_nextoff",
	"arena_inconsistent", "flog_bad_layout", "flog_bad_seq",
	"flog_lba_out_of_range", "flog_old_out_of_range",
	"flog_new_out_of_range", "flog_map_mismatch", "flog_old_layout",
	"map_out_of_range", "block_duplicate", "block_unreferenced",
};

static void test_problem_table(struct tap *t)
{
	bool ok = PMEMCTL_BTT_F_NR == ARRAY_SIZE(abi_names);

	for (int k = 0; ok && k < PMEMCTL_BTT_F_NR; k++)
		ok = !strcmp(pmemctl_btt_finding_name(k), abi_names[k]);
	tap_ok(t, ok && !strcmp(pmemctl_btt_finding_name(PMEMCTL_BTT_F_NR),
				"unknown"),
	       "the 29 kind names, exactly");
	ok = true;
	for (int p = 0; p < PR_NR; p++)
		ok &= btt_problems[p].msg && btt_problems[p].msg[0] &&
		      (unsigned)btt_problems[p].kind < PMEMCTL_BTT_F_NR;
	tap_ok(t, ok, "every problem has a kind and a message");
	tap_ok(t, btt_problems[btt_sb_problem(PR_SB_PRIMARY,
					      BTT_SB_BAD_CHECKSUM)].kind ==
	       PMEMCTL_BTT_F_INFO_BAD_CHECKSUM &&
	       btt_problems[btt_sb_problem(PR_SB_BACKUP,
					   BTT_SB_BAD_PARENT_UUID)].kind ==
	       PMEMCTL_BTT_F_INFO2_BAD_PARENT_UUID &&
	       btt_problems[btt_sb_problem(PR_SB_LOST,
					   BTT_SB_BAD_VERSION)].kind ==
	       PMEMCTL_BTT_F_INFO2_BAD_VERSION,
	       "info-block status codes index the table, no string matching");
	tap_ok(t, (btt_problems[PR_MAP_MISMATCH].flags & PR_REPAIRABLE) &&
	       (btt_problems[PR_NFREE].flags & PR_FATAL) &&
	       (btt_problems[PR_FLOG_SEQ].flags & PR_BAD_FLOG) &&
	       !(btt_problems[PR_LOST_BAD_CHECKSUM].flags & PR_REPAIRABLE) &&
	       !(btt_kinds[PMEMCTL_BTT_F_MAP_OUT_OF_RANGE].flags & PR_LISTED),
	       "flags: repairable, fatal, bad flog, listed");
}

int main(void)
{
	struct tap t = { 0 };

	test_arena_next(&t);
	test_walk(&t);
	test_validate(&t);
	test_lbasizes(&t);
	test_log_detect(&t);
	test_log_newer(&t);
	test_map_decode(&t);
	test_recover(&t);
	test_problem_table(&t);
	return tap_done(&t);
}
