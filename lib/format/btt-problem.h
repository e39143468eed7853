/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The checker's problem table, in the manner of e2fsck's problem.c: every
 * problem check-btt reports has a code here, and the table (btt-problem.c)
 * gives its finding kind (whose name is the stable JSON "kind"), its
 * message and its flags.  The passes report by code through
 * chk_report(), which also sets what a flag implies (an unusable arena, an
 * untrusted flog); no pass decides a kind, a name or a flag itself, and
 * nothing maps messages back to kinds.
 *
 * Each message is a printf format, PR_<code>_MSG, named by the table and
 * checked by the compiler at every chk_report() of that code.
 *
 * A leaf: the driver (btt-check.c) and the passes (btt-check-info.c,
 * btt-check-meta.c) use it; it uses none of them.
 */
#ifndef PMEMCTL_BTT_PROBLEM_H
#define PMEMCTL_BTT_PROBLEM_H

#include "btt.h"

enum btt_problem {
	/* info blocks, by place and btt_sb_status (btt_sb_problem()) */
	PR_PRIMARY_BAD_SIGNATURE,
	PR_PRIMARY_BAD_PARENT_UUID,
	PR_PRIMARY_BAD_CHECKSUM,
	PR_PRIMARY_BAD_VERSION,
	PR_BACKUP_BAD_SIGNATURE,
	PR_BACKUP_BAD_PARENT_UUID,
	PR_BACKUP_BAD_CHECKSUM,
	PR_BACKUP_BAD_VERSION,
	PR_LOST_BAD_SIGNATURE,		/* the backup, primary also gone */
	PR_LOST_BAD_PARENT_UUID,
	PR_LOST_BAD_CHECKSUM,
	PR_LOST_BAD_VERSION,
	PR_BACKUP_MISMATCH,
	PR_BACKUP_FOREIGN,
	PR_ARENA_NO_ROOM,
	/* info block fields and geometry */
	PR_NFREE,
	PR_LBASIZE,
	PR_LBASIZE_UNSUPPORTED,
	PR_NLBA,
	PR_LAYOUT_INFO2_WRAPS,
	PR_LAYOUT_DATA_OVER_INFO,
	PR_LAYOUT_MAP_OVER_DATA,
	PR_LAYOUT_LOG_OVER_MAP,
	PR_LAYOUT_INFO2_OVER_LOG,
	PR_LAYOUT_INFO2_OUTSIDE,
	PR_ARENA_TRUNCATED,
	PR_ERROR_FLAG,
	PR_INCONSISTENT,
	/* the arena chain */
	PR_NEXTOFF_RANGE,
	PR_NEXTOFF_WRAPS,
	PR_NEXT_BEYOND,
	/* the flog */
	PR_FLOG_SLOT_EMPTY,
	PR_FLOG_SLOT_NOT_PAD,
	PR_FLOG_UNKNOWN,
	PR_FLOG_SEQ,
	PR_FLOG_LBA_RANGE,
	PR_FLOG_OLD_RANGE,
	PR_FLOG_NEW_RANGE,
	PR_MAP_MISMATCH,
	PR_OLD_LAYOUT,
	/* the map and block accounting */
	PR_MAP_RANGE,
	PR_BLOCK_LOST,
	PR_BLOCKS_LOST,
	PR_BLOCK_DUP,
	PR_NR
};

enum btt_problem_flags {
	/*
	 * The repair pass can fix it.  The driver withdraws this when the
	 * repair has nothing sound to work from: no valid backup, an
	 * unusable arena, an untrusted flog, other damage in the arena.
	 */
	PR_REPAIRABLE = 1 << 0,
	/* The arena's geometry is unusable: no flog or map checks. */
	PR_FATAL = 1 << 1,
	/* The flog is not trusted: no map repair, no rewrite from it. */
	PR_BAD_FLOG = 1 << 2,
};

/* Per kind: always listed (never only counted beyond max_listed). */
#define PR_LISTED 1u

struct btt_kind_desc {
	const char *name;		/* stable: JSON "kind", an ABI */
	unsigned flags;			/* PR_LISTED */
};

struct btt_problem_desc {
	enum pmemctl_btt_finding_kind kind;
	unsigned flags;			/* enum btt_problem_flags */
	const char *msg;		/* printf format, PR_<code>_MSG */
};

extern const struct btt_kind_desc btt_kinds[PMEMCTL_BTT_F_NR];
extern const struct btt_problem_desc btt_problems[PR_NR];

/* ---- messages ------------------------------------------------------------ */

#define PR_SB_MSG(place, why) place " info block at %#llx" why
#define PR_PRIMARY_MSG(why) PR_SB_MSG("primary", ": " why)
#define PR_BACKUP_MSG(why) PR_SB_MSG("backup", ": " why)
#define PR_LOST_MSG(why) PR_SB_MSG("backup", " (its expected place): " why)
#define PR_WHY_SIGNATURE "bad signature"
#define PR_WHY_PARENT_UUID "parent uuid does not match the namespace"
#define PR_WHY_CHECKSUM "bad checksum"
#define PR_WHY_VERSION "unexpected version"

#define PR_BACKUP_MISMATCH_MSG \
	"backup info block at %#llx is valid but differs from the primary (first in %s)"
#define PR_BACKUP_FOREIGN_MSG \
	"info block at %#llx (expected backup place) belongs to another arena"
#define PR_ARENA_NO_ROOM_MSG \
	"no room for an arena at %#llx: the media ends at %#llx"
#define PR_NFREE_MSG "nfree is %u, not %u"
#define PR_LBASIZE_MSG \
	"internal lbasize %u is smaller than the external lbasize %u"
#define PR_LBASIZE_UNSUPPORTED_MSG \
	"external lbasize %u is not a BTT sector size (%s)"
#define PR_NLBA_MSG \
	"internal_nlba %u and external_nlba %u: expected external + %u internal blocks, at most 2^30"
#define PR_LAYOUT_INFO2_WRAPS_MSG "info2off is beyond any arena"
#define PR_LAYOUT_DATA_OVER_INFO_MSG "dataoff %#llx overlaps the info block"
#define PR_LAYOUT_MAP_OVER_DATA_MSG \
	"mapoff %#llx overlaps the data area (%#llx + %#llx)"
#define PR_LAYOUT_LOG_OVER_MAP_MSG \
	"logoff %#llx overlaps the map (%#llx + %#llx)"
#define PR_LAYOUT_INFO2_OVER_LOG_MSG \
	"info2off %#llx overlaps the flog at %#llx"
#define PR_LAYOUT_INFO2_OUTSIDE_MSG \
	"the backup info block at %#llx is outside the %#llx-byte arena (nextoff)"
#define PR_ARENA_TRUNCATED_MSG \
	"arena at %#llx ends at %#llx (backup info block) but the media ends at %#llx"
#define PR_ERROR_FLAG_MSG \
	"the arena is flagged as in error (the kernel fails every write to it)"
#define PR_INCONSISTENT_MSG "%s differs from arena 0's"
#define PR_NEXTOFF_RANGE_MSG "nextoff %#llx is outside 16 MiB..512 GiB"
#define PR_NEXTOFF_WRAPS_MSG "nextoff %#llx wraps around to %#llx (a loop)"
#define PR_NEXT_BEYOND_MSG \
	"the next arena at %#llx is beyond the end of the media (%#llx)"
#define PR_FLOG_SLOT_EMPTY_MSG "lane %u slot %d: holds no entry (all zero)"
#define PR_FLOG_SLOT_NOT_PAD_MSG \
	"lane %u slot %d: should be padding (all zero) in a log using slots 0 and 1 or 0 and 2"
#define PR_FLOG_UNKNOWN_MSG \
	"lane %u slot %d: unknown slot layout: no lane holds a valid entry pair in slots 0/1 or 0/2"
#define PR_FLOG_SEQ_MSG \
	"lane %u: sequence numbers %u (slot %d) and %u (slot %d) are %s"
#define PR_FLOG_RANGE_MSG(what) \
	"lane %u: the newer entry's " what " %#x is not below %#x"
#define PR_FLOG_LBA_RANGE_MSG PR_FLOG_RANGE_MSG("lba")
#define PR_FLOG_OLD_RANGE_MSG PR_FLOG_RANGE_MSG("old_map")
#define PR_FLOG_NEW_RANGE_MSG PR_FLOG_RANGE_MSG("new_map")
#define PR_MAP_MISMATCH_MSG \
	"lane %u: map[%#x] still points at the old block %#x; the flog committed block %#x (interrupted map write)"
#define PR_OLD_LAYOUT_MSG \
	"the flog uses the pre-4.15 slot layout 0/2; --rewrite-log converts it to 0/1"
#define PR_MAP_RANGE_MSG \
	"map[%#x] = %#x points at block %#x, beyond the %#x internal blocks"
#define PR_BLOCK_LOST_MSG \
	"internal block %#x is neither mapped nor free (lost)"
#define PR_BLOCKS_LOST_MSG \
	"internal blocks %#x-%#x are neither mapped nor free (lost)"
#define PR_BLOCK_DUP_MSG "internal block %#x is referenced %u times: %s%s"

/* ---- reporting ------------------------------------------------------------ */

struct btt_chk;
struct chk_arena;

/* Where an info block was read, for btt_sb_problem(). */
enum btt_sb_place {
	PR_SB_PRIMARY,			/* offset 0 of the arena */
	PR_SB_BACKUP,			/* the trusted primary's info2off */
	PR_SB_LOST,			/* the expected place, primary gone */
};

/* The problem an invalid info block at @place is (status != VALID). */
enum btt_problem btt_sb_problem(enum btt_sb_place place,
				enum btt_sb_status status);

/*
 * Record problem @pr in arena @a with its message formatted from @fmt
 * (the problem's own, as chk_report() passes it), and apply its flags.
 * Returns the finding to fill in the location of (a scratch entry when
 * the kind is over its listing limit).
 */
struct pmemctl_btt_finding *chk_add(struct btt_chk *c, struct chk_arena *a,
				    enum btt_problem pr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define chk_report(c, a, pr, ...) \
	chk_add(c, a, pr, pr##_MSG, ##__VA_ARGS__)

/* An invalid info block at @off: its problem by @place and @status. */
struct pmemctl_btt_finding *chk_report_sb(struct btt_chk *c,
					  struct chk_arena *a,
					  enum btt_sb_place place,
					  enum btt_sb_status status,
					  uint64_t off);

/* Count @n findings of @kind that are not listed. */
void chk_count(struct btt_chk *c, struct chk_arena *a,
	       enum pmemctl_btt_finding_kind kind, uint64_t n);
/* Index of @f in the result, or CHK_NO_FINDING for the scratch entry. */
int chk_index(struct btt_chk *c, const struct pmemctl_btt_finding *f);
/* Grant or withdraw the repair of finding @idx (if listed). */
void chk_set_repairable(struct btt_chk *c, int idx, bool v);

#define CHK_NO_FINDING (-1)

#endif /* PMEMCTL_BTT_PROBLEM_H */
