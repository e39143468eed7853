// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Offline BTT checker (pmemctl_btt_check(), libpmemctl.h): the driver, the
 * repair pass and the public entry points.  Info blocks, geometry and the
 * arena chain are in btt-check-info.c; the flog, map and block accounting
 * in btt-check-meta.c; what each problem is and how it is reported in
 * btt-problem.c; the BTT's rules themselves in the BTT core (btt-core.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-check-int.h"

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

/*
 * An interrupted map write: the kernel's attach-time recovery of the
 * lane, the very function an engine runs when it opens the BTT.
 */
static int repair_map(struct btt_chk *c, struct chk_arena *a,
		      const struct chk_mapfix *x)
{
	struct btt_lane l;
	uint32_t fix;
	int rc;

	if (!fixable(c, x->finding))
		return 0;
	rc = btt_lane_recover(c->m, &a->ba, x->lane, &l, &fix);
	if (rc <= 0)
		return rc;	/* 0: the map no longer needs it */
	info(c->ctx, "%s: arena %u: map[%#x] = %#x", c->name, a->idx, l.lba,
	     fix);
	mark_repaired(c, x->finding);
	return 0;
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
		uint64_t where = a->ba.info2off;

		info(c->ctx, "%s: arena %u: restoring the backup info block at %#llx",
		     c->name, a->idx, (unsigned long long)where);
		rc = write_flush(c, where, &a->sb, sizeof(a->sb));
		if (rc)
			return rc;
		mark_repaired(c, a->backup_finding);
	}
	for (unsigned i = 0; i < a->nmapfix; i++) {
		rc = repair_map(c, a, &a->mapfix[i]);
		if (rc)
			return rc;
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
	struct pmemctl_btt_check_result *r = c->r;
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
		c->r->arenas[i].log_index[0] = a->ba.log_index[0];
		c->r->arenas[i].log_index[1] = a->ba.log_index[1];
		finalize_arena(c, a);
	}
	for (unsigned i = 0; i < c->r->nfindings; i++)
		c->r->repairable += c->r->findings[i].repairable;
	return c->rc;
}

static void chk_free(struct btt_chk *c)
{
	free(c->rw);
	free(c->ca);
	free(c->buf);
	free(c);
}

static int chk_new(struct pmemctl_ctx *ctx, struct pmemctl_media *m,
		   const struct pmemctl_btt_check_opts *o, struct btt_chk **out)
{
	struct btt_chk *c = calloc(1, sizeof(*c));

	if (!c)
		return log_oom(ctx, pmemctl_media_name(m));
	c->ctx = ctx;
	c->m = m;
	c->o = *o;
	c->name = o->name ? o->name : pmemctl_media_name(m);
	c->size = pmemctl_media_size(m);
	c->max_listed = o->max_listed ? o->max_listed : CHK_DEFAULT_LISTED;
	c->r = calloc(1, sizeof(*c->r));
	/* page-aligned: a block device may read it with O_DIRECT */
	c->buf = aligned_alloc(4096, CHK_MAP_WINDOW);
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
		      const struct pmemctl_btt_check_opts *o, bool repair,
		      struct pmemctl_btt_check_result **result)
{
	struct btt_chk *c;
	int rc = chk_new(ctx, m, o, &c);

	if (rc)
		return rc;
	rc = run_checks(c);
	/* all memory the repairs need, before the first of them writes */
	if (!rc && repair && c->r->repairable)
		rc = chk_rewrite_prepare(c);
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
				     const struct pmemctl_btt_check_opts *opts,
				     struct pmemctl_btt_check_result **result)
{
	struct pmemctl_btt_check_opts again = *opts;
	struct pmemctl_btt_check_result *r;
	bool repair = opts->repair && !opts->dry_run;
	int rc;

	*result = NULL;
	rc = check_once(ctx, media, opts, repair, &r);
	if (rc)
		return rc;
	if (repair && r->repaired) {
		/* the verdict comes from a full, read-only re-check */
		again.repair = false;
		again.stop = NULL;
		rc = check_once(ctx, media, &again, false, &r->recheck);
		if (rc) {
			pmemctl_btt_check_free(r);
			return rc;
		}
	}
	*result = r;
	return 0;
}

PMEMCTL_EXPORT void pmemctl_btt_check_free(struct pmemctl_btt_check_result *r)
{
	if (!r)
		return;
	pmemctl_btt_check_free(r->recheck);
	free(r->arenas);
	free(r->findings);
	free(r);
}
