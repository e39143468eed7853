// SPDX-License-Identifier: LGPL-2.1-only
/*
 * BTT checker: finding the BTT (v1.1 at 4 KiB, v2.0 at 0, or a damaged
 * one through its backup), the primary and backup info blocks of each
 * arena, their fields and geometry, and the arena chain (nextoff).
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-check-int.h"

/* primary and backup kinds run in parallel */
#define INFO2_DELTA (BTT_F_INFO2_BAD_SIGNATURE - BTT_F_INFO_BAD_SIGNATURE)
static_assert(BTT_F_INFO2_INVALID - BTT_F_INFO_INVALID == INFO2_DELTA, "");

/* ---- info blocks -------------------------------------------------------- */

static bool fits(struct btt_chk *c, uint64_t off, uint64_t len)
{
	return off <= c->size && len <= c->size - off;
}

/* Read an info block; -ERANGE (silently) when it is beyond the media. */
static int read_sb(struct btt_chk *c, uint64_t off, struct btt_sb *sb)
{
	if (!fits(c, off, sizeof(*sb)))
		return -ERANGE;
	return pmemctl_media_read(c->m, off, sb, sizeof(*sb));
}

/* The kernel's validity test; @lax ignores the parent uuid. */
static const char *sb_check(struct btt_chk *c, const struct btt_sb *sb,
			    unsigned major, bool lax)
{
	const uint8_t *parent = c->o.parent_uuid;

	if (lax || !parent)
		parent = sb->parent_uuid;
	return btt_sb_invalid_reason(sb, major, parent);
}

static enum btt_finding_kind reason_kind(const char *why, bool backup)
{
	static const struct {
		const char *why;
		enum btt_finding_kind kind;
	} map[] = {
		{ "bad signature", BTT_F_INFO_BAD_SIGNATURE },
		{ "parent uuid does not match the namespace",
		  BTT_F_INFO_BAD_PARENT_UUID },
		{ "bad checksum", BTT_F_INFO_BAD_CHECKSUM },
		{ "unexpected version", BTT_F_INFO_BAD_VERSION },
	};
	enum btt_finding_kind k = BTT_F_INFO_INVALID;

	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(why, map[i].why) == 0)
			k = map[i].kind;
	return backup ? k + INFO2_DELTA : k;
}

static bool has_sig(const struct btt_sb *sb)
{
	return memcmp(sb->signature, BTT_SIG, BTT_SIG_LEN) == 0;
}

/* Where the kernel puts the backup of an arena starting at @off. */
static uint64_t expected_info2(struct btt_chk *c, uint64_t off)
{
	return btt_expected_info2(c->size, off);
}

/*
 * Look for a valid backup of the arena at @off whose primary @bad failed:
 * at the expected end of the arena (from the media size, as the kernel
 * splits it), then at the damaged primary's own info2off.  A candidate
 * must say it is the backup of an arena at @off.
 */
static bool find_backup(struct btt_chk *c, uint64_t off, unsigned major,
			const struct btt_sb *bad, bool lax,
			struct btt_sb *out)
{
	uint64_t cand[2] = { UINT64_MAX, UINT64_MAX };

	if (c->size - off >= 2 * BTT_INFO_SIZE)
		cand[0] = expected_info2(c, off);
	if (bad && get_le64(&bad->info2off) >= BTT_INFO_SIZE &&
	    get_le64(&bad->info2off) <= c->size - off)
		cand[1] = off + get_le64(&bad->info2off);
	for (int i = 0; i < 2; i++) {
		if (cand[i] == UINT64_MAX || (i == 1 && cand[1] == cand[0]))
			continue;
		if (read_sb(c, cand[i], out) == 0 &&
		    !sb_check(c, out, major, lax) &&
		    get_le64(&out->info2off) == cand[i] - off) {
			info(c->ctx, "%s: arena at %#llx: valid backup info block at %#llx",
			     c->name, (unsigned long long)off,
			     (unsigned long long)cand[i]);
			return true;
		}
	}
	return false;
}

/*
 * A valid info block of another kind where the kernel probes means the
 * space was laid out as something else since: a BTT found beside it
 * (@found: its version, 0 for none; @primary: through a valid primary)
 * is not checked, let alone repaired over it.
 */
static int refuse_foreign(struct btt_chk *c, unsigned found, bool primary)
{
	const char *what;
	uint64_t where;
	int rc = infoblock_find_foreign(c->m, found, &what, &where);

	if (rc <= 0)
		return rc;
	if (primary)
		err(c->ctx, "%s holds %s info block at %#llx besides a BTT %u.%u at %#llx; the namespace label decides which one is live, so neither is checked",
		    c->name, what, (unsigned long long)where, found,
		    found == 1 ? 1 : 0,
		    (unsigned long long)btt_start_offset(found));
	else
		err(c->ctx, "%s holds %s info block at %#llx, not a BTT",
		    c->name, what, (unsigned long long)where);
	return -ENODEV;
}

/* Locate the first arena: v1.1 at 4 KiB, v2.0 at 0, or via a backup. */
int chk_detect_btt(struct btt_chk *c)
{
	static const unsigned majors[] = { 1, 2 };
	struct btt_sb sb, tmp;
	int rc;

	/* valid primaries first, then valid backups, then signatures */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < 2; i++) {
			uint64_t start = btt_start_offset(majors[i]);
			bool hit;

			rc = read_sb(c, start, &sb);
			if (rc == -ERANGE)
				continue;
			if (rc)
				return rc;
			if (pass == 0)
				hit = !sb_check(c, &sb, majors[i], true);
			else if (pass == 1)
				hit = find_backup(c, start, majors[i], &sb,
						  true, &tmp);
			else
				hit = has_sig(&sb);
			if (hit) {
				c->major = majors[i];
				c->r->start = start;
				c->r->version_major = majors[i];
				c->r->version_minor = majors[i] == 1 ? 1 : 0;
				return refuse_foreign(c, majors[i], pass == 0);
			}
		}
	}
	rc = refuse_foreign(c, 0, false);
	if (rc)
		return rc;
	err(c->ctx, "%s: no BTT found: no valid info block at 0x1000 (v1.1) or 0 (v2.0), nor a backup (not a sector-mode namespace?)",
	    c->name);
	return -ENODEV;
}

static const char *sb_field_name(size_t off)
{
	static const struct {
		size_t end;
		const char *name;
	} f[] = {
		{ 16, "signature" }, { 32, "uuid" }, { 48, "parent_uuid" },
		{ 52, "flags" }, { 56, "version" }, { 60, "external_lbasize" },
		{ 64, "external_nlba" }, { 68, "internal_lbasize" },
		{ 72, "internal_nlba" }, { 76, "nfree" }, { 80, "infosize" },
		{ 88, "nextoff" }, { 96, "dataoff" }, { 104, "mapoff" },
		{ 112, "logoff" }, { 120, "info2off" }, { 4088, "padding" },
		{ 4096, "checksum" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(f); i++)
		if (off < f[i].end)
			return f[i].name;
	return "?";
}

/* The primary is trusted: compare the backup at info2off with it. */
static int check_backup(struct btt_chk *c, struct chk_arena *a)
{
	uint64_t i2 = get_le64(&a->sb.info2off), where = a->off + i2;
	struct btt_finding *f;
	struct btt_sb b;
	const char *why;
	int rc;

	if (i2 < BTT_INFO_SIZE || !fits(c, a->off, i2) ||
	    !fits(c, where, BTT_INFO_SIZE))
		return 0;	/* reported by the geometry checks */
	rc = read_sb(c, where, &b);
	if (rc)
		return rc;
	why = sb_check(c, &b, c->major, false);
	if (why) {
		f = chk_add(c, a, reason_kind(why, true), true,
			    "backup info block at %#llx: %s",
			    (unsigned long long)where, why);
	} else if (memcmp(&b, &a->sb, sizeof(b)) != 0) {
		size_t d = 0;

		while (((uint8_t *)&b)[d] == ((uint8_t *)&a->sb)[d])
			d++;
		f = chk_add(c, a, BTT_F_INFO2_MISMATCH, true,
			    "backup info block at %#llx is valid but differs from the primary (first in %s)",
			    (unsigned long long)where, sb_field_name(d));
	} else {
		return 0;
	}
	loc_offset(f, where);
	a->backup_finding = chk_index(c, f);
	return 0;
}

/* Report the backup at its expected place when the primary is gone too. */
static int report_lost_backup(struct btt_chk *c, struct chk_arena *a)
{
	uint64_t where;
	struct btt_finding *f;
	struct btt_sb b;
	const char *why;
	int rc;

	if (c->size - a->off < 2 * BTT_INFO_SIZE) {
		f = chk_add(c, a, BTT_F_ARENA_TRUNCATED, false,
			    "no room for an arena at %#llx: the media ends at %#llx",
			    (unsigned long long)a->off,
			    (unsigned long long)c->size);
		loc_offset(f, a->off);
		return 0;
	}
	where = expected_info2(c, a->off);
	rc = read_sb(c, where, &b);
	if (rc)
		return rc;
	why = sb_check(c, &b, c->major, false);
	if (why)
		f = chk_add(c, a, reason_kind(why, true), false,
			    "backup info block at %#llx (its expected place): %s",
			    (unsigned long long)where, why);
	else
		f = chk_add(c, a, BTT_F_INFO2_INVALID, false,
			    "info block at %#llx (expected backup place) belongs to another arena",
			    (unsigned long long)where);
	loc_offset(f, where);
	return 0;
}

static int load_info(struct btt_chk *c, struct chk_arena *a)
{
	struct btt_finding *f;
	struct btt_sb p;
	const char *why;
	int rc;

	rc = read_sb(c, a->off, &p);
	if (rc)
		return rc;
	why = sb_check(c, &p, c->major, false);
	if (!why) {
		a->sb = p;
		a->have_sb = true;
		return 0;
	}
	f = chk_add(c, a, reason_kind(why, false), false,
		    "primary info block at %#llx: %s",
		    (unsigned long long)a->off, why);
	loc_offset(f, a->off);
	a->primary_finding = chk_index(c, f);
	if (find_backup(c, a->off, c->major, &p, false, &a->sb)) {
		a->have_sb = true;
		return 0;
	}
	return report_lost_backup(c, a);
}

/* ---- geometry and the arena chain --------------------------------------- */

static bool sum_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	return !__builtin_add_overflow(a, b, sum);
}

/* Offsets inside the arena and in order (formats.md C.3); NULL if fine. */
static const char *bad_layout(const struct btt_sb *sb, char *buf, size_t len)
{
	uint64_t data = get_le64(&sb->dataoff), map = get_le64(&sb->mapoff);
	uint64_t log = get_le64(&sb->logoff), i2 = get_le64(&sb->info2off);
	uint64_t next = get_le64(&sb->nextoff), asize, end;
	uint64_t dsize = (uint64_t)get_le32(&sb->internal_nlba) *
			 get_le32(&sb->internal_lbasize);
	uint64_t msize = (uint64_t)get_le32(&sb->external_nlba) *
			 BTT_MAP_ENTRY_SIZE;

	if (!sum_ok(i2, BTT_INFO_SIZE, &asize))
		return "info2off is beyond any arena";
	if (next)
		asize = next;
	if (data < BTT_INFO_SIZE)
		snprintf(buf, len, "dataoff %#llx overlaps the info block",
			 (unsigned long long)data);
	else if (!sum_ok(data, dsize, &end) || end > map)
		snprintf(buf, len, "mapoff %#llx overlaps the data area (%#llx + %#llx)",
			 (unsigned long long)map, (unsigned long long)data,
			 (unsigned long long)dsize);
	else if (!sum_ok(map, msize, &end) || end > log)
		snprintf(buf, len, "logoff %#llx overlaps the map (%#llx + %#llx)",
			 (unsigned long long)log, (unsigned long long)map,
			 (unsigned long long)msize);
	else if (!sum_ok(log, (uint64_t)BTT_NFREE * BTT_LOG_GROUP_SIZE, &end) ||
		 end > i2)
		snprintf(buf, len, "info2off %#llx overlaps the flog at %#llx",
			 (unsigned long long)i2, (unsigned long long)log);
	else if (i2 + BTT_INFO_SIZE > asize)
		snprintf(buf, len, "the backup info block at %#llx is outside the %#llx-byte arena (nextoff)",
			 (unsigned long long)i2, (unsigned long long)asize);
	else
		return NULL;
	return buf;
}

static uint64_t arena_size(const struct btt_sb *sb)
{
	uint64_t next = get_le64(&sb->nextoff);

	return next ? next : get_le64(&sb->info2off) + BTT_INFO_SIZE;
}

static void check_fields(struct btt_chk *c, struct chk_arena *a)
{
	const struct btt_sb *sb = &a->sb;
	uint32_t nfree = get_le32(&sb->nfree);
	uint32_t elb = get_le32(&sb->external_lbasize);
	uint32_t ilb = get_le32(&sb->internal_lbasize);
	uint32_t enl = get_le32(&sb->external_nlba);
	uint32_t inl = get_le32(&sb->internal_nlba);
	struct btt_finding *f;

	if (nfree != BTT_NFREE) {
		f = chk_add(c, a, BTT_F_INFO_BAD_NFREE, false,
			    "nfree is %u, not %u", nfree, BTT_NFREE);
		loc_offset(f, a->off + offsetof(struct btt_sb, nfree));
		a->fatal = true;
	}
	if (elb == 0 || ilb < elb) {
		f = chk_add(c, a, BTT_F_INFO_BAD_LBASIZE, false,
			    "internal lbasize %u is smaller than the external lbasize %u",
			    ilb, elb);
		a->fatal = true;
	} else if (!btt_lbasize_supported(elb)) {
		f = chk_add(c, a, BTT_F_INFO_BAD_LBASIZE, false,
			    "external lbasize %u is not a BTT sector size (512, 520, 528, 4096, 4104, 4160, 4224)",
			    elb);
	} else {
		f = NULL;
	}
	if (f)
		loc_offset(f, a->off +
			   offsetof(struct btt_sb, external_lbasize));
	if (enl == 0 || inl < enl || inl - enl != BTT_NFREE ||
	    inl > BTT_MAX_INTERNAL_NLBA) {
		f = chk_add(c, a, BTT_F_INFO_BAD_NLBA, false,
			    "internal_nlba %u and external_nlba %u: expected external + %u internal blocks, at most 2^30",
			    inl, enl, BTT_NFREE);
		loc_offset(f, a->off + offsetof(struct btt_sb, external_nlba));
		a->fatal = true;
	}
}

static void check_geometry(struct btt_chk *c, struct chk_arena *a)
{
	const struct btt_sb *sb = &a->sb;
	struct btt_finding *f;
	const char *why;
	uint64_t end;
	char buf[160];

	check_fields(c, a);
	why = bad_layout(sb, buf, sizeof(buf));
	if (why) {
		f = chk_add(c, a, BTT_F_INFO_BAD_LAYOUT, false, "%s", why);
		loc_offset(f, a->off + offsetof(struct btt_sb, nextoff));
		a->fatal = true;
	} else if (!sum_ok(a->off, get_le64(&sb->info2off), &end) ||
		   !sum_ok(end, BTT_INFO_SIZE, &end) || end > c->size) {
		/* the metadata ends with info2; nextoff is next_arena()'s */
		f = chk_add(c, a, BTT_F_ARENA_TRUNCATED, false,
			    "arena at %#llx ends at %#llx (backup info block) but the media ends at %#llx",
			    (unsigned long long)a->off,
			    (unsigned long long)end,
			    (unsigned long long)c->size);
		loc_offset(f, a->off);
		a->fatal = true;
	}
	if (get_le32(&sb->flags) & BTT_IB_FLAG_ERROR) {
		f = chk_add(c, a, BTT_F_INFO_ERROR_FLAG, false,
			    "the arena is flagged as in error (the kernel fails every write to it)");
		loc_offset(f, a->off + offsetof(struct btt_sb, flags));
	}
}

static void check_consistent(struct btt_chk *c, struct chk_arena *a)
{
	const struct btt_sb *s0 = &c->ca[0].sb, *sb = &a->sb;
	struct btt_finding *f;
	const char *what = NULL;

	if (a->idx == 0 || !c->ca[0].have_sb)
		return;
	if (memcmp(s0->uuid, sb->uuid, 16) != 0)
		what = "uuid";
	else if (memcmp(s0->parent_uuid, sb->parent_uuid, 16) != 0)
		what = "parent_uuid";
	else if (get_le32(&s0->external_lbasize) !=
		 get_le32(&sb->external_lbasize))
		what = "external_lbasize";
	else if (get_le32(&s0->internal_lbasize) !=
		 get_le32(&sb->internal_lbasize))
		what = "internal_lbasize";
	if (!what)
		return;
	f = chk_add(c, a, BTT_F_ARENA_INCONSISTENT, false,
		    "%s differs from arena 0's", what);
	loc_offset(f, a->off);
}

static void fill_arena_info(struct chk_arena *a, struct btt_arena_info *ai)
{
	const struct btt_sb *sb = &a->sb;

	ai->valid = true;
	ai->size = arena_size(sb);
	ai->dataoff = sb_off(a, dataoff);
	ai->mapoff = sb_off(a, mapoff);
	ai->logoff = sb_off(a, logoff);
	ai->info2off = sb_off(a, info2off);
	ai->nextoff = get_le64(&sb->nextoff);
	ai->external_lbasize = get_le32(&sb->external_lbasize);
	ai->internal_lbasize = get_le32(&sb->internal_lbasize);
	ai->external_nlba = get_le32(&sb->external_nlba);
	ai->internal_nlba = get_le32(&sb->internal_nlba);
	ai->nfree = get_le32(&sb->nfree);
	ai->flags = get_le32(&sb->flags);
}

static struct chk_arena *new_arena(struct btt_chk *c, uint64_t off)
{
	struct btt_check_result *r = c->r;
	struct chk_arena *a;

	if (c->nca == c->acap) {
		unsigned cap = c->acap ? 2 * c->acap : 4;
		struct btt_arena_info *ai;

		a = realloc(c->ca, cap * sizeof(*a));
		if (!a)
			return NULL;
		c->ca = a;
		ai = realloc(r->arenas, cap * sizeof(*ai));
		if (!ai)
			return NULL;
		r->arenas = ai;
		c->acap = cap;
	}
	a = &c->ca[c->nca];
	memset(a, 0, sizeof(*a));
	memset(&r->arenas[c->nca], 0, sizeof(r->arenas[0]));
	a->idx = c->nca;
	a->off = off;
	a->primary_finding = a->backup_finding = CHK_NO_FINDING;
	a->rewrite_finding = CHK_NO_FINDING;
	a->log_index[0] = a->log_index[1] = -1;
	r->arenas[c->nca].offset = off;
	r->arenas[c->nca].log_index[0] = r->arenas[c->nca].log_index[1] = -1;
	r->narenas = ++c->nca;
	return a;
}

/* Follow nextoff; false when the chain ends (or cannot be followed). */
static bool next_arena(struct btt_chk *c, struct chk_arena *a, uint64_t *off)
{
	uint64_t next = get_le64(&a->sb.nextoff), to;
	struct btt_finding *f;

	if (!next)
		return false;
	if (next < BTT_ARENA_MIN_SIZE || next > BTT_ARENA_MAX_SIZE) {
		if (sum_ok(a->off, next, &to))
			f = chk_add(c, a, BTT_F_ARENA_BAD_NEXTOFF, false,
				    "nextoff %#llx is outside 16 MiB..512 GiB",
				    (unsigned long long)next);
		else
			f = chk_add(c, a, BTT_F_ARENA_BAD_NEXTOFF, false,
				    "nextoff %#llx wraps around to %#llx (a loop)",
				    (unsigned long long)next,
				    (unsigned long long)(a->off + next));
		loc_offset(f, a->off + offsetof(struct btt_sb, nextoff));
		return false;
	}
	to = a->off + next;
	if (!fits(c, to, BTT_INFO_SIZE)) {
		if (!a->counts[BTT_F_ARENA_TRUNCATED]) {
			f = chk_add(c, a, BTT_F_ARENA_TRUNCATED, false,
				    "the next arena at %#llx is beyond the end of the media (%#llx)",
				    (unsigned long long)to,
				    (unsigned long long)c->size);
			loc_offset(f, to);
		}
		return false;
	}
	*off = to;
	return true;
}

static bool probe_next(struct btt_chk *c, struct chk_arena *a, uint64_t *off)
{
	uint64_t next = a->off + BTT_ARENA_MAX_SIZE;
	struct btt_sb sb;

	if (c->size - a->off <= BTT_ARENA_MAX_SIZE ||
	    read_sb(c, next, &sb) || sb_check(c, &sb, c->major, false))
		return false;
	info(c->ctx, "%s: arena %u is unreadable; a valid arena follows at %#llx",
	     c->name, a->idx, (unsigned long long)next);
	*off = next;
	return true;
}

int chk_walk_arenas(struct btt_chk *c)
{
	uint64_t off = c->r->start;
	struct chk_arena *a;
	int rc;

	/* nextoff >= 16 MiB and strictly forward: the chain is finite */
	for (;;) {
		a = new_arena(c, off);
		if (!a)
			return -ENOMEM;
		rc = load_info(c, a);
		if (rc)
			return rc;
		if (!a->have_sb) {
			/* the size is lost with both info blocks; try
			 * where a kernel-made next arena would start */
			if (!probe_next(c, a, &off))
				return 0;
			continue;
		}
		check_geometry(c, a);
		fill_arena_info(a, &c->r->arenas[a->idx]);
		info(c->ctx, "%s: arena %u at %#llx: %u blocks (%u internal) of %u (%u) bytes, map %#llx, flog %#llx, backup %#llx%s",
		     c->name, a->idx, (unsigned long long)a->off,
		     c->r->arenas[a->idx].external_nlba,
		     c->r->arenas[a->idx].internal_nlba,
		     c->r->arenas[a->idx].external_lbasize,
		     c->r->arenas[a->idx].internal_lbasize,
		     (unsigned long long)c->r->arenas[a->idx].mapoff,
		     (unsigned long long)c->r->arenas[a->idx].logoff,
		     (unsigned long long)c->r->arenas[a->idx].info2off,
		     a->fatal ? " (unusable)" : "");
		check_consistent(c, a);
		if (!a->fatal)
			c->total += (uint64_t)get_le32(&a->sb.external_nlba) *
				    BTT_MAP_ENTRY_SIZE;
		if (a->primary_finding == CHK_NO_FINDING) {
			rc = check_backup(c, a);
			if (rc)
				return rc;
		}
		chk_set_repairable(c, a->primary_finding, !a->fatal);
		chk_set_repairable(c, a->backup_finding, !a->fatal);
		if (!next_arena(c, a, &off))
			return 0;
	}
}
