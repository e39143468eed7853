// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The BTT engine's open and close (btt-engine.c has the protocol and the
 * I/O): find the BTT's arenas on the media, recover each lane's log as
 * the kernel's driver does on attach (btt_lane_recover(); in memory only
 * when read-only), take each lane's free block, and prove whether the
 * arenas can be reached through pointers (btt_direct_attach()).
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-engine-int.h"

/* ---- discovery ---------------------------------------------------------- */

static const char *sb_status_name(enum btt_sb_status st)
{
	switch (st) {
	case BTT_SB_BAD_PARENT_UUID:
		return "parent uuid is not the namespace's";
	case BTT_SB_BAD_CHECKSUM:
		return "bad checksum";
	case BTT_SB_BAD_VERSION:
		return "unexpected version";
	default:
		return "no signature";
	}
}

/* A valid info block for version @major; @parent NULL: any parent. */
static int sb_usable(struct pmemctl_btt *b, const struct btt_sb *sb,
		     uint64_t off, const uint8_t *parent)
{
	enum btt_sb_status st = btt_sb_validate(sb, b->major,
						parent ? parent :
						sb->parent_uuid);

	if (st) {
		err(b->ctx, "%s: BTT info block at %#llx: %s; run check-btt",
		    pmemctl_media_name(b->m), (unsigned long long)off,
		    sb_status_name(st));
		return -EIO;
	}
	if (btt_media_check_fields(b->m, sb) || btt_sb_check_layout(sb)) {
		err(b->ctx, "%s: BTT info block at %#llx: bad geometry; run check-btt",
		    pmemctl_media_name(b->m), (unsigned long long)off);
		return -EIO;
	}
	return 0;
}

/* v1.1 at 4 KiB, else v2.0 at 0: the first with a BTT signature. */
static int find_start(struct pmemctl_btt *b)
{
	static const struct { uint64_t off; unsigned major; } at[] = {
		{ BTT1_START_OFFSET, 1 }, { BTT2_START_OFFSET, 2 },
	};
	uint64_t size = pmemctl_media_size(b->m);
	uint8_t sig[BTT_SIG_LEN];

	for (unsigned i = 0; i < ARRAY_SIZE(at); i++) {
		int rc;

		if (size < at[i].off + BTT_MIN_SIZE)
			continue;
		rc = pmemctl_media_read(b->m, at[i].off, sig, sizeof(sig));
		if (rc)
			return rc;	/* -ENOMEM too: no verdict on media */
		if (memcmp(sig, BTT_SIG, BTT_SIG_LEN) != 0)
			continue;
		b->start = at[i].off;
		b->major = at[i].major;
		return 0;
	}
	err(b->ctx, "%s: no BTT found (no info block at %#x or 0)",
	    pmemctl_media_name(b->m), BTT1_START_OFFSET);
	return -ENODEV;
}

/* @size zeroed bytes on whole cache lines of their own (ENGINE_LINE). */
static void *alloc_lines(size_t size)
{
	void *p = aligned_alloc(ENGINE_LINE, ALIGN_UP(size, ENGINE_LINE));

	if (p)
		memset(p, 0, size);
	return p;
}

static int add_arena(struct pmemctl_btt *b, const struct btt_sb *sb,
		     uint64_t off)
{
	struct engine_arena *ea = alloc_lines((b->narenas + 1) * sizeof(*ea));

	if (!ea)
		return -ENOMEM;
	if (b->narenas)
		memcpy(ea, b->arenas, b->narenas * sizeof(*ea));
	free(b->arenas);
	b->arenas = ea;
	ea += b->narenas;
	btt_arena_decode(sb, off, &ea->a);
	if (ea->a.info2off + BTT_INFO_SIZE > pmemctl_media_size(b->m) ||
	    (b->narenas && ea->a.external_lbasize != b->lbasize)) {
		err(b->ctx, "%s: BTT arena at %#llx does not fit the media or differs in sector size; run check-btt",
		    pmemctl_media_name(b->m), (unsigned long long)off);
		return -EIO;
	}
	b->lbasize = ea->a.external_lbasize;
	ea->first = b->nlba;
	b->nlba += ea->a.external_nlba;
	b->narenas++;
	return 0;
}

static int walk_arenas(struct pmemctl_btt *b, const uint8_t *parent)
{
	struct btt_walk w;
	struct btt_sb *sb = malloc(sizeof(*sb));
	int rc;

	if (!sb)
		return -ENOMEM;
	btt_walk_start(&w, b->m, b->start);
	do {
		rc = btt_walk_read(&w, sb);
		rc = rc ?: sb_usable(b, sb, w.off, parent);
		rc = rc ?: add_arena(b, sb, w.off);
	} while (!rc && btt_walk_next(&w, sb));
	free(sb);
	if (!rc && w.end != BTT_NEXT_END) {
		err(b->ctx, "%s: BTT arena chain breaks after the arena at %#llx; run check-btt",
		    pmemctl_media_name(b->m), (unsigned long long)w.off);
		rc = -EIO;
	}
	return rc;
}

/* ---- attach: log recovery and the free blocks --------------------------- */

/* Read-only: what btt_lane_recover() would write, kept in memory. */
static int lane_plan(struct pmemctl_btt *b, struct engine_arena *ea,
		     const struct btt_log_group *g, struct btt_lane *l)
{
	uint32_t fix;
	le32 raw;
	int rc;

	if (!btt_lane_decode(g, ea->a.log_index, l))
		return -EIO;
	if (!btt_lane_moves(&ea->a, l))
		return 0;
	rc = pmemctl_media_read(b->m, btt_map_off(&ea->a, l->lba), &raw,
				sizeof(raw));
	if (rc)
		return rc;
	if (btt_lane_map_fix(l, get_le32(&raw), &fix))
		ea->fix[ea->nfix++] = (struct engine_fix){ l->lba, fix };
	return 0;
}

static int lane_attach(struct pmemctl_btt *b, struct engine_arena *ea,
		       unsigned lane, const struct btt_log_group *g)
{
	struct engine_lane *el = &ea->lane[lane];
	struct btt_lane l;
	uint32_t fix;
	int rc;

	if (b->writable)
		rc = btt_lane_recover(b->m, &ea->a, lane, &l, &fix);
	else
		rc = lane_plan(b, ea, g, &l);
	if (rc == -EIO || (rc >= 0 && l.old >= ea->a.internal_nlba)) {
		err(b->ctx, "%s: BTT arena at %#llx: lane %u: invalid log entries; run check-btt",
		    pmemctl_media_name(b->m), (unsigned long long)ea->a.off,
		    lane);
		return -EIO;
	}
	if (rc < 0)
		return rc;
	el->block = l.old;
	el->seq = seq_next(get_le32(&l.ent.seq));
	el->sub = l.slot == ea->a.log_index[0] ? 1 : 0;
	el->err = (get_le32(&l.ent.old_map) & BTT_MAP_NORMAL) ==
		  BTT_MAP_ERR_FLAG;
	return 0;
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

/* Two lanes sharing a free block would let one write overwrite another. */
static int check_free_blocks(struct pmemctl_btt *b, struct engine_arena *ea)
{
	uint32_t blocks[BTT_NFREE];

	for (unsigned i = 0; i < BTT_NFREE; i++)
		blocks[i] = ea->lane[i].block;
	qsort(blocks, BTT_NFREE, sizeof(blocks[0]), cmp_u32);
	for (unsigned i = 1; i < BTT_NFREE; i++)
		if (blocks[i] == blocks[i - 1]) {
			err(b->ctx, "%s: BTT arena at %#llx: two lanes hold free block %u; run check-btt",
			    pmemctl_media_name(b->m),
			    (unsigned long long)ea->a.off, blocks[i]);
			return -EIO;
		}
	return 0;
}

static int arena_attach(struct pmemctl_btt *b, struct engine_arena *ea,
			struct btt_log_group *log)
{
	unsigned lane;
	int slot, rc;

	rc = btt_log_read(b->m, &ea->a, log);
	if (rc)
		return rc;
	if (btt_log_detect(log, ea->a.log_index, &lane, &slot)) {
		err(b->ctx, "%s: BTT arena at %#llx: unknown log layout (lane %u slot %d); run check-btt",
		    pmemctl_media_name(b->m), (unsigned long long)ea->a.off,
		    lane, slot);
		return -EIO;
	}
	for (lane = 0; lane < BTT_NFREE && !rc; lane++)
		rc = lane_attach(b, ea, lane, &log[lane]);
	return rc ?: check_free_blocks(b, ea);
}

/* No block is being read yet. */
static void rtt_init(struct pmemctl_btt *b)
{
	for (unsigned i = 0; i < b->narenas; i++)
		for (unsigned j = 0; j < BTT_NFREE; j++)
			b->arenas[i].rtt[j].block = RTT_NONE;
}

/* The map writes no later log entry has made durable yet: every one is
 * its lane's last. */
static void drain_pending(struct pmemctl_btt *b)
{
	bool any = false;

	for (unsigned i = 0; i < b->narenas; i++)
		for (unsigned j = 0; j < BTT_NFREE; j++) {
			struct engine_lane *l = &b->arenas[i].lane[j];

			if (l->pending)
				any |= !media_flush_range(b->m, l->map_off,
							  sizeof(le32));
		}
	if (any)
		media_drain(b->m);
}

static bool span_inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/*
 * Every map entry, log slot and internal block of @a inside the media of
 * @size at @base, and the map and log aligned for whole loads and stores.
 * The info block's own checks are relative to the arena, and an arena's
 * offset plus a hostile one may wrap: this looks at where they land.
 */
static bool arena_direct_ok(const struct pmemctl_btt *b,
			    const struct btt_arena *a, const uint8_t *base,
			    uint64_t size)
{
	return b->sector <= a->internal_lbasize &&
	       span_inside(a->mapoff, (uint64_t)a->external_nlba *
				      BTT_MAP_ENTRY_SIZE, size) &&
	       span_inside(a->logoff, (uint64_t)BTT_NFREE * BTT_LOG_GROUP_SIZE,
			   size) &&
	       span_inside(a->dataoff, (uint64_t)a->internal_nlba *
				       a->internal_lbasize, size) &&
	       (uintptr_t)(base + a->mapoff) % sizeof(uint32_t) == 0 &&
	       (uintptr_t)(base + a->logoff) % sizeof(uint64_t) == 0;
}

void btt_direct_attach(struct pmemctl_btt *b)
{
	uint64_t size = pmemctl_media_size(b->m);
	enum pmem_flush flush;
	uint8_t *base;

	if (!media_direct_view(b->m, b->writable, &base, &flush))
		return;
	for (unsigned i = 0; i < b->narenas; i++)
		if (!arena_direct_ok(b, &b->arenas[i].a, base, size)) {
			dbg(b->ctx, "%s: BTT arena at %#llx is not wholly inside the media: no direct access",
			    pmemctl_media_name(b->m),
			    (unsigned long long)b->arenas[i].a.off);
			return;
		}
	b->base = base;
	b->flush = flush;
}

bool btt_engine_direct(const struct pmemctl_btt *b)
{
	return b->base;
}

PMEMCTL_EXPORT void pmemctl_btt_close(struct pmemctl_btt *b)
{
	if (!b)
		return;
	drain_pending(b);
	free(b->arenas);
	free(b);
}

PMEMCTL_EXPORT int pmemctl_btt_open(struct pmemctl_ctx *ctx,
				    struct pmemctl_media *media,
				    const uint8_t *parent_uuid,
				    unsigned flags, struct pmemctl_btt **out)
{
	struct btt_log_group *log = malloc(BTT_LOG_SIZE);
	struct pmemctl_btt *b = alloc_lines(sizeof(*b));
	int rc;

	*out = NULL;
	if (!b || !log) {
		free(b);
		free(log);
		return -ENOMEM;
	}
	b->ctx = ctx;
	b->m = media;
	b->writable = flags & PMEMCTL_MEDIA_WRITE;
	rc = find_start(b);
	rc = rc ?: walk_arenas(b, parent_uuid);
	for (unsigned i = 0; i < b->narenas && !rc; i++)
		rc = arena_attach(b, &b->arenas[i], log);
	free(log);
	if (rc) {
		free(b->arenas);
		free(b);
		return rc;
	}
	/* a libpmemblk pool's block is all data; the kernel's is a sector
	 * and protection information */
	b->sector = flags & PMEMCTL_MEDIA_WHOLE_BLOCK ?
		    b->lbasize : btt_sector_size(b->lbasize);
	rtt_init(b);
	btt_direct_attach(b);
	*out = b;
	return 0;
}
