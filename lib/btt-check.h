/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Offline BTT checker and repairer (fsck for sector-mode namespaces).
 *
 * pmemctl_btt_check() finds the BTT on a media (v1.1 at 4 KiB, v2.0 at 0,
 * or a damaged one through its backup info block), walks the arena chain
 * and checks every arena's info blocks, geometry, flog, map and block
 * accounting.  Every problem becomes a finding; nothing stops at the
 * first one.  Cost is linear in the metadata (map and flog), the data
 * area is never read, and memory is one bit per internal block plus a
 * 1 MiB map window.
 *
 * With @repair (and without @dry_run) the repairable findings are fixed
 * through the media shim, each write followed by a flush, and the whole
 * check is run again; its result is in ->recheck.
 *
 * These symbols are exported for the pmemctl CLI but are not part of the
 * installed libpmemctl.h API.
 */
#ifndef PMEMCTL_BTT_CHECK_H
#define PMEMCTL_BTT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "libpmemctl.h"

/* Stable identifiers; pmemctl_btt_finding_name() gives the snake_case id. */
enum btt_finding_kind {
	/* primary info block (offset 0 of the arena) */
	BTT_F_INFO_BAD_SIGNATURE,
	BTT_F_INFO_BAD_PARENT_UUID,
	BTT_F_INFO_BAD_CHECKSUM,
	BTT_F_INFO_BAD_VERSION,
	BTT_F_INFO_INVALID,
	/* backup info block (info2off) */
	BTT_F_INFO2_BAD_SIGNATURE,
	BTT_F_INFO2_BAD_PARENT_UUID,
	BTT_F_INFO2_BAD_CHECKSUM,
	BTT_F_INFO2_BAD_VERSION,
	BTT_F_INFO2_INVALID,
	BTT_F_INFO2_MISMATCH,
	/* info block fields */
	BTT_F_INFO_ERROR_FLAG,
	BTT_F_INFO_BAD_NFREE,
	BTT_F_INFO_BAD_NLBA,
	BTT_F_INFO_BAD_LBASIZE,
	BTT_F_INFO_BAD_LAYOUT,
	/* arena chain */
	BTT_F_ARENA_TRUNCATED,
	BTT_F_ARENA_BAD_NEXTOFF,
	BTT_F_ARENA_INCONSISTENT,
	/* flog */
	BTT_F_FLOG_BAD_LAYOUT,
	BTT_F_FLOG_BAD_SEQ,
	BTT_F_FLOG_LBA_OUT_OF_RANGE,
	BTT_F_FLOG_OLD_OUT_OF_RANGE,
	BTT_F_FLOG_NEW_OUT_OF_RANGE,
	BTT_F_FLOG_MAP_MISMATCH,
	BTT_F_FLOG_OLD_LAYOUT,
	/* map and block accounting */
	BTT_F_MAP_OUT_OF_RANGE,
	BTT_F_BLOCK_DUPLICATE,
	BTT_F_BLOCK_UNREFERENCED,
	BTT_F_NR
};

/* Which location fields of a finding are meaningful. */
enum btt_loc_flags {
	BTT_LOC_OFFSET = 1 << 0,	/* byte offset in the media */
	BTT_LOC_LBA = 1 << 1,		/* pre-map LBA within the arena */
	BTT_LOC_LANE = 1 << 2,		/* flog lane */
	BTT_LOC_BLOCK = 1 << 3,		/* internal (post-map) block */
	BTT_LOC_COUNT = 1 << 4,		/* range length, references */
};

struct btt_finding {
	enum btt_finding_kind kind;
	unsigned arena;
	unsigned has;			/* enum btt_loc_flags */
	uint64_t offset, lba, lane, block, count;
	bool repairable;
	bool repaired;
	char detail[224];
};

struct btt_arena_info {
	uint64_t offset;		/* media offset of the primary info */
	uint64_t size;
	uint64_t dataoff, mapoff, logoff, info2off;	/* media offsets */
	uint64_t nextoff;		/* as stored (relative) */
	uint32_t external_lbasize, internal_lbasize;
	uint32_t external_nlba, internal_nlba, nfree, flags;
	int log_index[2];		/* flog slots in use; -1 if unknown */
	bool valid;			/* a trusted info block was found */
	bool checked;			/* the flog and map were checked */
	uint64_t nfindings;		/* including unlisted ones */
};

struct btt_check_result {
	unsigned version_major, version_minor;
	uint64_t start;			/* media offset of arena 0 */
	uint64_t media_size;
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	uint32_t external_lbasize;
	uint64_t external_nlba;		/* arenas with valid info */
	unsigned narenas;
	struct btt_arena_info *arenas;
	unsigned nfindings;		/* listed in ->findings */
	struct btt_finding *findings;
	uint64_t total;			/* all findings, listed or not */
	uint64_t unlisted;		/* total - nfindings */
	unsigned repairable, repaired;
	struct btt_check_result *recheck;	/* after repairs, or NULL */
};

typedef void (*btt_progress_fn)(void *arg, uint64_t done, uint64_t total);

struct btt_check_opts {
	/* the namespace uuid: NULL = unknown (not checked); all-zero =
	 * label-less namespace (parent_uuid must be zero) */
	const uint8_t *parent_uuid;
	const char *name;		/* for messages; NULL: the media's */
	bool repair;
	bool dry_run;			/* with repair: write nothing */
	bool rewrite_log;		/* with repair: 0/2 flog -> 0/1 */
	unsigned max_listed;		/* per kind and arena; 0 = 1000 */
	btt_progress_fn progress;
	void *progress_arg;
};

/*
 * Check (and with opts->repair, repair) the BTT on @media.  Returns 0 with
 * *@result set (findings may be present), -ENODEV if there is no BTT at
 * all (or a valid PFN, DAX or other-version BTT info block where the
 * kernel probes: nothing is checked or written), or another negative errno for an operational failure (I/O error,
 * out of memory); a message has been logged for every error.
 */
int pmemctl_btt_check(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
		      const struct btt_check_opts *opts,
		      struct btt_check_result **result);
void pmemctl_btt_check_free(struct btt_check_result *result);
const char *pmemctl_btt_finding_name(enum btt_finding_kind kind);

#endif /* PMEMCTL_BTT_CHECK_H */
