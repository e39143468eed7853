// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The checker's problem table (btt-problem.h) and the recording of
 * findings: the one place that knows each kind's name and listing, and
 * each problem's kind, message and flags.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "btt-check-int.h"

#define K(kind) PMEMCTL_BTT_F_##kind

const struct btt_kind_desc btt_kinds[PMEMCTL_BTT_F_NR] = {
	[K(INFO_BAD_SIGNATURE)] = { "info_bad_signature", PR_LISTED },
	[K(INFO_BAD_PARENT_UUID)] = { "info_bad_parent_uuid", PR_LISTED },
	[K(INFO_BAD_CHECKSUM)] = { "info_bad_checksum", PR_LISTED },
	[K(INFO_BAD_VERSION)] = { "info_bad_version", PR_LISTED },
	[K(INFO_INVALID)] = { "info_invalid", PR_LISTED },
	[K(INFO2_BAD_SIGNATURE)] = { "info2_bad_signature", PR_LISTED },
	[K(INFO2_BAD_PARENT_UUID)] = { "info2_bad_parent_uuid", PR_LISTED },
	[K(INFO2_BAD_CHECKSUM)] = { "info2_bad_checksum", PR_LISTED },
	[K(INFO2_BAD_VERSION)] = { "info2_bad_version", PR_LISTED },
	[K(INFO2_INVALID)] = { "info2_invalid", PR_LISTED },
	[K(INFO2_MISMATCH)] = { "info2_mismatch", PR_LISTED },
	[K(INFO_ERROR_FLAG)] = { "info_error_flag", PR_LISTED },
	[K(INFO_BAD_NFREE)] = { "info_bad_nfree", PR_LISTED },
	[K(INFO_BAD_NLBA)] = { "info_bad_nlba", PR_LISTED },
	[K(INFO_BAD_LBASIZE)] = { "info_bad_lbasize", PR_LISTED },
	[K(INFO_BAD_LAYOUT)] = { "info_bad_layout", PR_LISTED },
	[K(ARENA_TRUNCATED)] = { "arena_truncated", PR_LISTED },
	[K(ARENA_BAD_NEXTOFF)] = { "arena_bad_nextoff", PR_LISTED },
	[K(ARENA_INCONSISTENT)] = { "arena_inconsistent", PR_LISTED },
	[K(FLOG_BAD_LAYOUT)] = { "flog_bad_layout", PR_LISTED },
	/* per lane or per block: up to max_listed, then counted */
	[K(FLOG_BAD_SEQ)] = { "flog_bad_seq", 0 },
	[K(FLOG_LBA_OUT_OF_RANGE)] = { "flog_lba_out_of_range", 0 },
	[K(FLOG_OLD_OUT_OF_RANGE)] = { "flog_old_out_of_range", 0 },
	[K(FLOG_NEW_OUT_OF_RANGE)] = { "flog_new_out_of_range", 0 },
	/* repairs refer to these by index: always listed */
	[K(FLOG_MAP_MISMATCH)] = { "flog_map_mismatch", PR_LISTED },
	[K(FLOG_OLD_LAYOUT)] = { "flog_old_layout", PR_LISTED },
	[K(MAP_OUT_OF_RANGE)] = { "map_out_of_range", 0 },
	[K(BLOCK_DUPLICATE)] = { "block_duplicate", 0 },
	[K(BLOCK_UNREFERENCED)] = { "block_unreferenced", 0 },
};

#define P(code, kind, flags) [PR_##code] = { K(kind), flags, PR_##code##_MSG }
#define P_SB(place, why, kind, flags) \
	[PR_##place##_BAD_##why] = { K(kind), flags, \
				     PR_##place##_MSG(PR_WHY_##why) }

const struct btt_problem_desc btt_problems[PR_NR] = {
	/* repairable from the backup, when there is one */
	P_SB(PRIMARY, SIGNATURE, INFO_BAD_SIGNATURE, PR_REPAIRABLE),
	P_SB(PRIMARY, PARENT_UUID, INFO_BAD_PARENT_UUID, PR_REPAIRABLE),
	P_SB(PRIMARY, CHECKSUM, INFO_BAD_CHECKSUM, PR_REPAIRABLE),
	P_SB(PRIMARY, VERSION, INFO_BAD_VERSION, PR_REPAIRABLE),
	/* repairable from the trusted primary */
	P_SB(BACKUP, SIGNATURE, INFO2_BAD_SIGNATURE, PR_REPAIRABLE),
	P_SB(BACKUP, PARENT_UUID, INFO2_BAD_PARENT_UUID, PR_REPAIRABLE),
	P_SB(BACKUP, CHECKSUM, INFO2_BAD_CHECKSUM, PR_REPAIRABLE),
	P_SB(BACKUP, VERSION, INFO2_BAD_VERSION, PR_REPAIRABLE),
	/* both gone: nothing to repair from */
	P_SB(LOST, SIGNATURE, INFO2_BAD_SIGNATURE, 0),
	P_SB(LOST, PARENT_UUID, INFO2_BAD_PARENT_UUID, 0),
	P_SB(LOST, CHECKSUM, INFO2_BAD_CHECKSUM, 0),
	P_SB(LOST, VERSION, INFO2_BAD_VERSION, 0),
	P(BACKUP_MISMATCH, INFO2_MISMATCH, PR_REPAIRABLE),
	P(BACKUP_FOREIGN, INFO2_INVALID, 0),
	P(ARENA_NO_ROOM, ARENA_TRUNCATED, 0),
	P(NFREE, INFO_BAD_NFREE, PR_FATAL),
	P(LBASIZE, INFO_BAD_LBASIZE, PR_FATAL),
	P(LBASIZE_UNSUPPORTED, INFO_BAD_LBASIZE, 0),
	P(NLBA, INFO_BAD_NLBA, PR_FATAL),
	P(LAYOUT_INFO2_WRAPS, INFO_BAD_LAYOUT, PR_FATAL),
	P(LAYOUT_DATA_OVER_INFO, INFO_BAD_LAYOUT, PR_FATAL),
	P(LAYOUT_MAP_OVER_DATA, INFO_BAD_LAYOUT, PR_FATAL),
	P(LAYOUT_LOG_OVER_MAP, INFO_BAD_LAYOUT, PR_FATAL),
	P(LAYOUT_INFO2_OVER_LOG, INFO_BAD_LAYOUT, PR_FATAL),
	P(LAYOUT_INFO2_OUTSIDE, INFO_BAD_LAYOUT, PR_FATAL),
	P(ARENA_TRUNCATED, ARENA_TRUNCATED, PR_FATAL),
	P(ERROR_FLAG, INFO_ERROR_FLAG, 0),
	P(INCONSISTENT, ARENA_INCONSISTENT, 0),
	P(NEXTOFF_RANGE, ARENA_BAD_NEXTOFF, 0),
	P(NEXTOFF_WRAPS, ARENA_BAD_NEXTOFF, 0),
	P(NEXT_BEYOND, ARENA_TRUNCATED, 0),
	P(FLOG_SLOT_EMPTY, FLOG_BAD_LAYOUT, PR_BAD_FLOG),
	P(FLOG_SLOT_NOT_PAD, FLOG_BAD_LAYOUT, PR_BAD_FLOG),
	P(FLOG_UNKNOWN, FLOG_BAD_LAYOUT, PR_BAD_FLOG),
	P(FLOG_SEQ, FLOG_BAD_SEQ, PR_BAD_FLOG),
	P(FLOG_LBA_RANGE, FLOG_LBA_OUT_OF_RANGE, PR_BAD_FLOG),
	P(FLOG_OLD_RANGE, FLOG_OLD_OUT_OF_RANGE, PR_BAD_FLOG),
	P(FLOG_NEW_RANGE, FLOG_NEW_OUT_OF_RANGE, PR_BAD_FLOG),
	/* the kernel's own attach-time recovery, when the flog is sound */
	P(MAP_MISMATCH, FLOG_MAP_MISMATCH, PR_REPAIRABLE),
	/* only with --rewrite-log, and only in an otherwise clean arena */
	P(OLD_LAYOUT, FLOG_OLD_LAYOUT, PR_REPAIRABLE),
	P(MAP_RANGE, MAP_OUT_OF_RANGE, 0),
	P(BLOCK_LOST, BLOCK_UNREFERENCED, 0),
	P(BLOCKS_LOST, BLOCK_UNREFERENCED, 0),
	P(BLOCK_DUP, BLOCK_DUPLICATE, 0),
};

PMEMCTL_EXPORT const char *
pmemctl_btt_finding_name(enum pmemctl_btt_finding_kind k)
{
	return (unsigned)k < PMEMCTL_BTT_F_NR ? btt_kinds[k].name : "unknown";
}

enum btt_problem btt_sb_problem(enum btt_sb_place place,
				enum btt_sb_status status)
{
	static const enum btt_problem pr[][4] = {
		[PR_SB_PRIMARY] = {
			PR_PRIMARY_BAD_SIGNATURE, PR_PRIMARY_BAD_PARENT_UUID,
			PR_PRIMARY_BAD_CHECKSUM, PR_PRIMARY_BAD_VERSION,
		},
		[PR_SB_BACKUP] = {
			PR_BACKUP_BAD_SIGNATURE, PR_BACKUP_BAD_PARENT_UUID,
			PR_BACKUP_BAD_CHECKSUM, PR_BACKUP_BAD_VERSION,
		},
		[PR_SB_LOST] = {
			PR_LOST_BAD_SIGNATURE, PR_LOST_BAD_PARENT_UUID,
			PR_LOST_BAD_CHECKSUM, PR_LOST_BAD_VERSION,
		},
	};

	static_assert(BTT_SB_BAD_SIGNATURE == 1 && BTT_SB_BAD_VERSION == 4,
		      "btt_sb_status indexes the rows");
	return pr[place][status - 1];
}

/* ---- recording ---------------------------------------------------------- */

static struct pmemctl_btt_finding *new_slot(struct btt_chk *c)
{
	struct pmemctl_btt_check_result *r = c->r;

	if (r->nfindings == c->fcap) {
		unsigned cap = c->fcap ? 2 * c->fcap : 64;
		struct pmemctl_btt_finding *f;

		f = realloc(r->findings, cap * sizeof(*f));
		if (!f) {
			c->rc = -ENOMEM;
			return NULL;
		}
		r->findings = f;
		c->fcap = cap;
	}
	return &r->findings[r->nfindings++];
}

/* The problem's consequences for the arena, listed or not. */
static void apply_flags(struct chk_arena *a, unsigned flags)
{
	if (flags & PR_FATAL)
		a->fatal = true;
	if (flags & PR_BAD_FLOG)
		a->flog_bad = true;
}

struct pmemctl_btt_finding *chk_add(struct btt_chk *c, struct chk_arena *a,
				    enum btt_problem pr, const char *fmt, ...)
{
	const struct btt_problem_desc *p = &btt_problems[pr];
	struct pmemctl_btt_finding *f = NULL;
	va_list ap;

	apply_flags(a, p->flags);
	c->r->total++;
	c->r->arenas[a->idx].nfindings++;
	if (++a->counts[p->kind] <= c->max_listed ||
	    (btt_kinds[p->kind].flags & PR_LISTED))
		f = new_slot(c);
	if (!f) {
		/* counted only: skip the formatting (hostile maps) */
		c->r->unlisted++;
		f = &c->scratch;
		memset(f, 0, sizeof(*f));
		return f;
	}
	memset(f, 0, sizeof(*f));
	f->kind = p->kind;
	f->arena = a->idx;
	f->repairable = p->flags & PR_REPAIRABLE;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	dbg(c->ctx, "%s: arena %u: %s: %s", c->name, a->idx,
	    btt_kinds[p->kind].name, f->detail);
	return f;
}

struct pmemctl_btt_finding *chk_report_sb(struct btt_chk *c,
					  struct chk_arena *a,
					  enum btt_sb_place place,
					  enum btt_sb_status status,
					  uint64_t off)
{
	enum btt_problem pr = btt_sb_problem(place, status);

	/* all twelve are PR_SB_MSG(): the one conversion is the offset */
	return chk_add(c, a, pr, btt_problems[pr].msg,
		       (unsigned long long)off);
}

void chk_count(struct btt_chk *c, struct chk_arena *a,
	       enum pmemctl_btt_finding_kind kind, uint64_t n)
{
	c->r->total += n;
	c->r->unlisted += n;
	c->r->arenas[a->idx].nfindings += n;
	a->counts[kind] += n;
}

int chk_index(struct btt_chk *c, const struct pmemctl_btt_finding *f)
{
	return f == &c->scratch ? CHK_NO_FINDING : (int)(f - c->r->findings);
}

void chk_set_repairable(struct btt_chk *c, int idx, bool v)
{
	if (idx != CHK_NO_FINDING)
		c->r->findings[idx].repairable = v;
}
