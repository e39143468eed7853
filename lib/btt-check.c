// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Offline BTT checker: findings, the driver, the repair pass and the
 * public entry points.  Info blocks, geometry and the arena chain are in
 * btt-check-info.c; the flog, map and block accounting in btt-check-meta.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "btt-check-int.h"

static const char *const kind_names[BTT_F_NR] = {
	[BTT_F_INFO_BAD_SIGNATURE] = "info_bad_signature",
	[BTT_F_INFO_BAD_PARENT_UUID] = "info_bad_parent_uuid",
	[BTT_F_INFO_BAD_CHECKSUM] = "info_bad_checksum",
	[BTT_F_INFO_BAD_VERSION] = "info_bad_version",
	[BTT_F_INFO_INVALID] = "info_invalid",
	[BTT_F_INFO2_BAD_SIGNATURE] = "info2_bad_signature",
	[BTT_F_INFO2_BAD_PARENT_UUID] = "info2_bad_parent_uuid",
	[BTT_F_INFO2_BAD_CHECKSUM] = "info2_bad_checksum",
	[BTT_F_INFO2_BAD_VERSION] = "info2_bad_version",
	[BTT_F_INFO2_INVALID] = "info2_invalid",
	[BTT_F_INFO2_MISMATCH] = "info2_mismatch",
	[BTT_F_INFO_ERROR_FLAG] = "info_error_flag",
	[BTT_F_INFO_BAD_NFREE] = "info_bad_nfree",
	[BTT_F_INFO_BAD_NLBA] = "info_bad_nlba",
	[BTT_F_INFO_BAD_LBASIZE] = "info_bad_lbasize",
	[BTT_F_INFO_BAD_LAYOUT] = "info_bad_layout",
	[BTT_F_ARENA_TRUNCATED] = "arena_truncated",
	[BTT_F_ARENA_BAD_NEXTOFF] = "arena_bad_nextoff",
	[BTT_F_ARENA_INCONSISTENT] = "arena_inconsistent",
	[BTT_F_FLOG_BAD_LAYOUT] = "flog_bad_layout",
	[BTT_F_FLOG_BAD_SEQ] = "flog_bad_seq",
	[BTT_F_FLOG_LBA_OUT_OF_RANGE] = "flog_lba_out_of_range",
	[BTT_F_FLOG_OLD_OUT_OF_RANGE] = "flog_old_out_of_range",
	[BTT_F_FLOG_NEW_OUT_OF_RANGE] = "flog_new_out_of_range",
	[BTT_F_FLOG_MAP_MISMATCH] = "flog_map_mismatch",
	[BTT_F_FLOG_OLD_LAYOUT] = "flog_old_layout",
	[BTT_F_MAP_OUT_OF_RANGE] = "map_out_of_range",
	[BTT_F_BLOCK_DUPLICATE] = "block_duplicate",
	[BTT_F_BLOCK_UNREFERENCED] = "block_unreferenced",
};

PMEMCTL_EXPORT const char *pmemctl_btt_finding_name(enum btt_finding_kind k)
{
	return (unsigned)k < BTT_F_NR ? kind_names[k] : "unknown";
}

/* ---- findings ----------------------------------------------------------- */

static bool always_listed(enum btt_finding_kind kind)
{
	/* at most a few per arena, and repairs refer to them by index */
	return kind != BTT_F_MAP_OUT_OF_RANGE &&
	       kind != BTT_F_BLOCK_DUPLICATE &&
	       kind != BTT_F_BLOCK_UNREFERENCED &&
	       kind != BTT_F_FLOG_BAD_SEQ &&
	       kind != BTT_F_FLOG_LBA_OUT_OF_RANGE &&
	       kind != BTT_F_FLOG_OLD_OUT_OF_RANGE &&
	       kind != BTT_F_FLOG_NEW_OUT_OF_RANGE;
}

static struct btt_finding *new_slot(struct btt_chk *c)
{
	struct btt_check_result *r = c->r;

	if (r->nfindings == c->fcap) {
		unsigned cap = c->fcap ? 2 * c->fcap : 64;
		struct btt_finding *f = realloc(r->findings, cap * sizeof(*f));

		if (!f) {
			c->rc = -ENOMEM;
			return NULL;
		}
		r->findings = f;
		c->fcap = cap;
	}
	return &r->findings[r->nfindings++];
}

struct btt_finding *chk_add(struct btt_chk *c, struct chk_arena *a,
			    enum btt_finding_kind kind, bool repairable,
			    const char *fmt, ...)
{
	struct btt_finding *f = NULL;
	va_list ap;

	c->r->total++;
	c->r->arenas[a->idx].nfindings++;
	if (++a->counts[kind] <= c->max_listed || always_listed(kind))
		f = new_slot(c);
	if (!f) {
		/* counted only: skip the formatting (hostile maps) */
		c->r->unlisted++;
		f = &c->scratch;
		memset(f, 0, sizeof(*f));
		return f;
	}
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->arena = a->idx;
	f->repairable = repairable;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	dbg(c->ctx, "%s: arena %u: %s: %s", c->name, a->idx,
	    kind_names[kind], f->detail);
	return f;
}

void chk_count(struct btt_chk *c, struct chk_arena *a,
	       enum btt_finding_kind kind, uint64_t n)
{
	c->r->total += n;
	c->r->unlisted += n;
	c->r->arenas[a->idx].nfindings += n;
	a->counts[kind] += n;
}

int chk_index(struct btt_chk *c, const struct btt_finding *f)
{
	return f == &c->scratch ? CHK_NO_FINDING : (int)(f - c->r->findings);
}

void chk_progress(struct btt_chk *c, uint64_t bytes)
{
	c->done += bytes;
	if (c->o.progress)
		c->o.progress(c->o.progress_arg, c->done, c->total);
}

/* ---- repair ------------------------------------------------------------- */

static int write_flush(struct btt_chk *c, uint64_t off, const void *buf,
		       size_t len)
{
	int rc = pmemctl_media_write(c->m, off, buf, len);

	return rc ? rc : pmemctl_media_flush(c->m);
}

static bool fixable(struct btt_chk *c, int idx)
{
	return idx != CHK_NO_FINDING && c->r->findings[idx].repairable;
}

static void mark_repaired(struct btt_chk *c, int idx)
{
	c->r->findings[idx].repaired = true;
	c->r->repaired++;
}

static int repair_arena(struct btt_chk *c, struct chk_arena *a)
{
	int rc = 0;

	if (fixable(c, a->primary_finding)) {
		info(c->ctx, "%s: arena %u: restoring the primary info block at %#llx from its backup",
		     c->name, a->idx, (unsigned long long)a->off);
		rc = write_flush(c, a->off, &a->sb, sizeof(a->sb));
		if (rc)
			return rc;
		mark_repaired(c, a->primary_finding);
	}
	if (fixable(c, a->backup_finding)) {
		uint64_t where = sb_off(a, info2off);

		info(c->ctx, "%s: arena %u: restoring the backup info block at %#llx",
		     c->name, a->idx, (unsigned long long)where);
		rc = write_flush(c, where, &a->sb, sizeof(a->sb));
		if (rc)
			return rc;
		mark_repaired(c, a->backup_finding);
	}
	for (unsigned i = 0; i < a->nmapfix; i++) {
		struct chk_mapfix *x = &a->mapfix[i];
		le32 v = htole32(x->value);

		if (!fixable(c, x->finding))
			continue;
		info(c->ctx, "%s: arena %u: map[%#x] = %#x", c->name, a->idx,
		     x->lba, x->value);
		rc = write_flush(c, sb_off(a, mapoff) +
				 (uint64_t)x->lba * BTT_MAP_ENTRY_SIZE,
				 &v, sizeof(v));
		if (rc)
			return rc;
		mark_repaired(c, x->finding);
	}
	if (fixable(c, a->rewrite_finding)) {
		rc = chk_rewrite_log(c, a);
		if (rc)
			return rc;
		mark_repaired(c, a->rewrite_finding);
	}
	return 0;
}

/* ---- driver ------------------------------------------------------------- */

/* Repairs that depend on the whole arena being otherwise sound. */
static void finalize_arena(struct btt_chk *c, struct chk_arena *a)
{
	struct btt_check_result *r = c->r;
	uint64_t bad = r->arenas[a->idx].nfindings;

	/* every unlisted finding is an unrepairable kind */
	for (unsigned i = 0; i < r->nfindings; i++)
		if (r->findings[i].arena == a->idx &&
		    r->findings[i].repairable)
			bad--;
	if (a->rewrite_finding != CHK_NO_FINDING)
		chk_set_repairable(c, a->rewrite_finding, bad == 0);
}

static int run_checks(struct btt_chk *c)
{
	int rc = chk_detect_btt(c);

	if (rc)
		return rc;
	rc = chk_walk_arenas(c);
	if (rc)
		return rc;
	if (c->ca[0].have_sb) {
		memcpy(c->r->uuid, c->ca[0].sb.uuid, 16);
		memcpy(c->r->parent_uuid, c->ca[0].sb.parent_uuid, 16);
		c->r->external_lbasize =
			get_le32(&c->ca[0].sb.external_lbasize);
	}
	for (unsigned i = 0; i < c->nca; i++) {
		struct chk_arena *a = &c->ca[i];

		if (!a->have_sb)
			continue;
		c->r->external_nlba += get_le32(&a->sb.external_nlba);
		if (a->fatal)
			continue;
		rc = chk_arena_meta(c, a);
		if (rc)
			return rc;
		c->r->arenas[i].checked = true;
		c->r->arenas[i].log_index[0] = a->log_index[0];
		c->r->arenas[i].log_index[1] = a->log_index[1];
		finalize_arena(c, a);
	}
	for (unsigned i = 0; i < c->r->nfindings; i++)
		c->r->repairable += c->r->findings[i].repairable;
	return c->rc;
}

static void chk_free(struct btt_chk *c)
{
	free(c->ca);
	free(c->buf);
	free(c);
}

static int chk_new(struct pmemctl_ctx *ctx, struct pmemctl_media *m,
		   const struct btt_check_opts *o, struct btt_chk **out)
{
	struct btt_chk *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->ctx = ctx;
	c->m = m;
	c->o = *o;
	c->name = o->name ? o->name : pmemctl_media_name(m);
	c->size = pmemctl_media_size(m);
	c->max_listed = o->max_listed ? o->max_listed : CHK_DEFAULT_LISTED;
	c->r = calloc(1, sizeof(*c->r));
	c->buf = malloc(CHK_MAP_WINDOW);
	if (!c->r || !c->buf) {
		err(ctx, "%s: out of memory", c->name);
		free(c->r);
		chk_free(c);
		return -ENOMEM;
	}
	c->r->media_size = c->size;
	*out = c;
	return 0;
}

static int check_once(struct pmemctl_ctx *ctx, struct pmemctl_media *m,
		      const struct btt_check_opts *o, bool repair,
		      struct btt_check_result **result)
{
	struct btt_chk *c;
	int rc = chk_new(ctx, m, o, &c);

	if (rc)
		return rc;
	rc = run_checks(c);
	if (rc == -ENOMEM)
		err(ctx, "%s: out of memory while checking the BTT", c->name);
	if (!rc && repair && c->r->repairable) {
		for (unsigned i = 0; i < c->nca && !rc; i++)
			rc = repair_arena(c, &c->ca[i]);
		if (!rc)
			rc = pmemctl_media_flush(m);
		if (rc)
			err(ctx, "%s: repair failed: %s", c->name, strerror(-rc));
	}
	if (rc) {
		pmemctl_btt_check_free(c->r);
		chk_free(c);
		return rc;
	}
	*result = c->r;
	chk_free(c);
	return 0;
}

PMEMCTL_EXPORT int pmemctl_btt_check(struct pmemctl_ctx *ctx,
				     struct pmemctl_media *media,
				     const struct btt_check_opts *opts,
				     struct btt_check_result **result)
{
	struct btt_check_opts again = *opts;
	struct btt_check_result *r;
	bool repair = opts->repair && !opts->dry_run;
	int rc;

	*result = NULL;
	rc = check_once(ctx, media, opts, repair, &r);
	if (rc)
		return rc;
	if (repair && r->repaired) {
		/* the verdict comes from a full, read-only re-check */
		again.repair = false;
		rc = check_once(ctx, media, &again, false, &r->recheck);
		if (rc) {
			pmemctl_btt_check_free(r);
			return rc;
		}
	}
	*result = r;
	return 0;
}

PMEMCTL_EXPORT void pmemctl_btt_check_free(struct btt_check_result *r)
{
	if (!r)
		return;
	pmemctl_btt_check_free(r->recheck);
	free(r->arenas);
	free(r->findings);
	free(r);
}
