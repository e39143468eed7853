/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * State shared by the checker's driver (btt-check.c), its passes
 * (btt-check-info.c: info blocks and the chain; btt-check-meta.c: flog,
 * map, block accounting) and its problem table (btt-problem.c).  The
 * passes report through btt-problem.h and never call the driver.
 */
#ifndef PMEMCTL_BTT_CHECK_INT_H
#define PMEMCTL_BTT_CHECK_INT_H

#include "btt-problem.h"
#include "btt.h"

#define CHK_MAP_WINDOW (1u << 16)	/* bytes of map read at a time */
#define CHK_DEFAULT_LISTED 1000

struct meta;			/* btt-check-meta.c */

struct chk_mapfix {
	uint32_t lane;			/* whose log entry completes it */
	uint32_t lba;
	uint32_t value;			/* entry to write, CPU order */
	int finding;
};

/* Per-arena working state, parallel to result->arenas[]. */
struct chk_arena {
	unsigned idx;
	uint64_t off;			/* media offset of the arena */
	struct btt_sb sb;		/* the trusted info block */
	struct btt_arena ba;		/* sb decoded (when have_sb) */
	bool have_sb;
	bool fatal;			/* bad geometry: no deep checks */
	bool flog_bad;			/* no map fixes, no rewrite */
	int primary_finding, backup_finding, rewrite_finding;
	unsigned nmapfix;
	struct chk_mapfix mapfix[BTT_NFREE];
	uint64_t counts[PMEMCTL_BTT_F_NR];
};

struct btt_chk {
	struct pmemctl_ctx *ctx;
	struct pmemctl_media *m;
	struct pmemctl_btt_check_opts o;
	const char *name;
	uint64_t size;
	unsigned major;
	struct pmemctl_btt_check_result *r;
	struct chk_arena *ca;
	unsigned nca, acap, fcap;
	unsigned max_listed;
	int rc;				/* sticky allocation failure */
	struct pmemctl_btt_finding scratch;	/* unlisted findings */
	uint64_t done, total;		/* progress, in map bytes */
	uint8_t *buf;			/* CHK_MAP_WINDOW bytes */
	struct meta *rw;		/* --rewrite-log state, see below */
};

static inline void loc_offset(struct pmemctl_btt_finding *f, uint64_t v)
{
	f->offset = v;
	f->has |= PMEMCTL_BTT_LOC_OFFSET;
}

static inline void loc_lba(struct pmemctl_btt_finding *f, uint64_t v)
{
	f->lba = v;
	f->has |= PMEMCTL_BTT_LOC_LBA;
}

static inline void loc_lane(struct pmemctl_btt_finding *f, uint64_t v)
{
	f->lane = v;
	f->has |= PMEMCTL_BTT_LOC_LANE;
}

static inline void loc_block(struct pmemctl_btt_finding *f, uint64_t v)
{
	f->block = v;
	f->has |= PMEMCTL_BTT_LOC_BLOCK;
}

static inline void loc_count(struct pmemctl_btt_finding *f, uint64_t v)
{
	f->count = v;
	f->has |= PMEMCTL_BTT_LOC_COUNT;
}

/* btt-check-info.c: locate the BTT (sets major and start), -ENODEV. */
int chk_detect_btt(struct btt_chk *c);
/* btt-check-info.c: info blocks, geometry and chain of every arena. */
int chk_walk_arenas(struct btt_chk *c);
/* btt-check-meta.c: flog, map and bitmap checks of one arena. */
int chk_arena_meta(struct btt_chk *c, struct chk_arena *a);
/*
 * btt-check-meta.c: convert a 0/2 flog to 0/1 (crash-safe per lane).
 * Repairs take their memory before the first write: call
 * chk_rewrite_prepare() (-ENOMEM) before any repair; chk_rewrite_log()
 * then allocates nothing.
 */
int chk_rewrite_prepare(struct btt_chk *c);
int chk_rewrite_log(struct btt_chk *c, struct chk_arena *a);

#endif /* PMEMCTL_BTT_CHECK_INT_H */
