// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The BTT engine: atomic sector reads and writes through a BTT on any
 * media, offline, with the kernel's protocol (drivers/nvdimm/btt.c,
 * live-kernel.md 5).  It stands on the BTT core (btt.h): the arena walk,
 * info-block validation, log-slot detection, newer-entry selection, map
 * decoding and btt_lane_recover(), the log recovery check-btt's repair
 * runs too.
 *
 * A write goes to the lane's free block (no map entry references it) and
 * is made durable; then the lane's older log slot gets {lba, old, new,
 * seq} in two 8-byte halves, the second of which commits it, made
 * durable; then the 4-byte map entry, made durable.  The old block
 * becomes the lane's free block.  So a power cut leaves each sector
 * wholly old or wholly new, and a committed log entry whose map write was
 * lost is rolled forward by the next open.  Durability and ordering are
 * the media shim's (media_put(), media_flush_range(), media_drain()); on
 * direct media (memory, a persistent mapping, a slice of one) whose arenas
 * btt_direct_attach() proved to lie inside it, the same protocol reaches
 * the bytes through pointers and inline cache flushes instead
 * (btt-engine-int.h): one code path, small helpers that pick.
 *
 * Thread-safe, as the kernel's driver: a caller takes a lane (BTT_NFREE
 * of them; lane = CPU % BTT_NFREE, each behind its own lock since threads
 * may outnumber lanes or move between CPUs) and owns the lane's free
 * block, sequence number and log slot in every arena.  A map entry is
 * changed under one of BTT_NFREE map locks per arena, hashed by the map's
 * cache line, from reading the old entry to storing the new one; readers
 * take no map lock: map entries are loaded and stored whole
 * (eng_map_load()).  Read tracking (rtt): a reader publishes the block
 * it is about to read in its lane's slot and re-reads the map; a writer
 * waits until no slot holds its free block before writing into it.  No
 * lock is global.
 */
#include <sched.h>
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

static uint32_t seq_next(uint32_t seq)
{
	return seq >= 3 ? 1 : seq + 1;
}

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

/* ---- I/O ------------------------------------------------------------------ */

PMEMCTL_EXPORT uint32_t pmemctl_btt_get_sector_size(struct pmemctl_btt *b)
{
	return b->sector;
}

PMEMCTL_EXPORT uint32_t pmemctl_btt_get_lbasize(struct pmemctl_btt *b)
{
	return b->lbasize;
}

PMEMCTL_EXPORT uint64_t pmemctl_btt_get_nlba(struct pmemctl_btt *b)
{
	return b->nlba;
}

/*
 * The I/O paths keep their error reports out of line (cold) and their
 * common case short: a 512-byte read's cache misses overlap with the next
 * read's only while the instructions between them fit the CPU's
 * out-of-order window, so every instruction of the read path costs time
 * (bench/RESULTS.md section 3).
 */
static __attribute__((cold)) int lba_beyond(struct pmemctl_btt *b,
					    uint64_t lba)
{
	err(b->ctx, "%s: LBA %llu is beyond the BTT's %llu sectors",
	    pmemctl_media_name(b->m), (unsigned long long)lba,
	    (unsigned long long)b->nlba);
	return -ERANGE;
}

/* The arena of @lba, which is below b->nlba. */
static struct engine_arena *arena_of(struct pmemctl_btt *b, uint64_t lba)
{
	struct engine_arena *ea = b->arenas;

	while (lba >= ea->first + ea->a.external_nlba)
		ea++;
	return ea;
}

/* The calling CPU's lane, as the kernel's nd_region_acquire_lane(). */
static unsigned lane_pick(struct pmemctl_btt *b)
{
	int cpu = cpu_now();

	if (cpu >= 0)
		return (unsigned)cpu % BTT_NFREE;
	return __atomic_fetch_add(&b->next_lane, 1, __ATOMIC_RELAXED) %
	       BTT_NFREE;
}

static void lock_take(struct engine_lock *l)
{
	while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
		for (unsigned spin = 0;
		     __atomic_load_n(&l->held, __ATOMIC_RELAXED); spin++)
			if (spin > 100)
				sched_yield();
}

static void lock_drop(struct engine_lock *l)
{
	__atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
}

/* The map lock of @premap: one per 16 entries (a cache line), hashed. */
static struct engine_lock *map_lock(struct engine_arena *ea, uint32_t premap)
{
	return &ea->map_lock[(premap / 16) % BTT_NFREE];
}

/* Recovery's pending fix of @premap's map entry, if it has one. */
static bool map_fixed(const struct engine_arena *ea, uint32_t premap,
		      uint32_t *raw)
{
	for (unsigned i = 0; i < ea->nfix; i++)
		if (ea->fix[i].premap == premap) {
			*raw = ea->fix[i].raw;
			return true;
		}
	return false;
}

/* The raw map entry of @premap, with recovery's pending fix applied
 * (read-only opens only: a writable open wrote the fixes). */
static inline int map_read(struct pmemctl_btt *b, struct engine_arena *ea,
			   uint32_t premap, uint32_t *raw)
{
	if (ea->nfix && map_fixed(ea, premap, raw))
		return 0;
	return eng_map_load(b, ea, premap, raw);
}

static __attribute__((cold)) int map_outside(struct pmemctl_btt *b,
					     struct engine_arena *ea,
					     uint32_t premap)
{
	err(b->ctx, "%s: BTT map entry of LBA %llu points outside the arena; run check-btt",
	    pmemctl_media_name(b->m),
	    (unsigned long long)(ea->first + premap));
	return -EIO;
}

static int map_decode(struct pmemctl_btt *b, struct engine_arena *ea,
		      uint32_t premap, uint32_t raw, struct btt_map_entry *e)
{
	*e = btt_map_decode(raw, premap);
	if (e->postmap < ea->a.internal_nlba)
		return 0;
	return map_outside(b, ea, premap);
}

static int map_lookup(struct pmemctl_btt *b, struct engine_arena *ea,
		      uint32_t premap, struct btt_map_entry *e)
{
	uint32_t raw;
	int rc = map_read(b, ea, premap, &raw);

	return rc ?: map_decode(b, ea, premap, raw, e);
}

/*
 * Writers scan only the slots below rtt_top (a handful: readers start at
 * their CPU's): raised before a slot above it is claimed, so a writer
 * that sees the claim sees the top too (both are sequentially consistent).
 */
static void rtt_raise(struct engine_arena *ea, unsigned slot)
{
	unsigned top = __atomic_load_n(&ea->rtt_top, __ATOMIC_SEQ_CST);

	while (top <= slot &&
	       !__atomic_compare_exchange_n(&ea->rtt_top, &top, slot + 1, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
}

/* A free read tracking slot, from the CPU's on, now holding @block. */
static unsigned rtt_claim(struct engine_arena *ea, unsigned slot,
			  uint32_t block)
{
	for (;; slot = (slot + 1) % BTT_NFREE) {
		uint32_t none = RTT_NONE;

		if (__atomic_load_n(&ea->rtt[slot].block, __ATOMIC_RELAXED) !=
		    RTT_NONE)
			continue;
		rtt_raise(ea, slot);
		if (__atomic_compare_exchange_n(&ea->rtt[slot].block, &none,
						block, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return slot;
	}
}

static void rtt_release(struct engine_arena *ea, unsigned slot)
{
	__atomic_store_n(&ea->rtt[slot].block, RTT_NONE, __ATOMIC_RELEASE);
}

/*
 * The block @raw maps @premap to (*@block); false if the entry reads as
 * zeroes or an error.  (Not a struct btt_map_entry kept across the loop
 * of read_track(): gcc 12 packs one into a register, a dozen instructions
 * per read.)
 */
static bool map_block(uint32_t raw, uint32_t premap, uint32_t *block)
{
	struct btt_map_entry e = btt_map_decode(raw, premap);

	*block = e.postmap;
	return !e.zero && !e.error;
}

/*
 * Load @premap's map entry (*@raw) and, unless it reads as zeroes or an
 * error (then 1), publish the block it names (*@block) in a read tracking
 * slot (*@slot; then 0), so no writer takes the block as a free block
 * until the slot is released: publish, then re-read the map; if it moved
 * meanwhile, the block may already be a lane's free block: start again.
 * On failure (< 0) no slot is held.
 */
static int read_track(struct pmemctl_btt *b, struct engine_arena *ea,
		      uint32_t premap, uint32_t *raw, uint32_t *block,
		      unsigned *slot)
{
	uint32_t again;
	bool readable;
	int rc;

	for (;;) {
		rc = map_read(b, ea, premap, raw);
		if (rc)
			return rc;
		readable = map_block(*raw, premap, block);
		if (*block >= ea->a.internal_nlba)
			return map_outside(b, ea, premap);
		if (!readable)
			return 1;
		*slot = rtt_claim(ea, lane_pick(b), *block);
		rc = map_read(b, ea, premap, &again);
		if (!rc && again == *raw)
			return 0;
		rtt_release(ea, *slot);
		if (rc)
			return rc;
	}
}

static __attribute__((cold)) int sector_error(struct pmemctl_btt *b,
					      uint64_t lba)
{
	err(b->ctx, "%s: LBA %llu is marked as a media error",
	    pmemctl_media_name(b->m), (unsigned long long)lba);
	return -EIO;
}

/* No lane: a reader takes only a read tracking slot. */
PMEMCTL_EXPORT int pmemctl_btt_read(struct pmemctl_btt *b, uint64_t lba,
				    void *buf)
{
	struct engine_arena *ea;
	uint32_t premap, raw, block = 0;
	unsigned slot = BTT_NFREE;	/* read_track() sets both: quiets gcc */
	int rc;

	if (lba >= b->nlba)
		return lba_beyond(b, lba);
	ea = arena_of(b, lba);
	premap = (uint32_t)(lba - ea->first);
	rc = read_track(b, ea, premap, &raw, &block, &slot);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		rc = eng_block_read(b, ea, block, buf);
		rtt_release(ea, slot);
		return rc;
	}
	if (btt_map_decode(raw, premap).error)
		return sector_error(b, lba);
	memset(buf, 0, b->sector);
	return 0;
}

/* Until no reader is inside @block (it is about to be overwritten). */
static void rtt_wait(struct engine_arena *ea, uint32_t block)
{
	unsigned top = __atomic_load_n(&ea->rtt_top, __ATOMIC_SEQ_CST);

	for (unsigned i = 0; i < top; i++)
		while (__atomic_load_n(&ea->rtt[i].block, __ATOMIC_SEQ_CST) ==
		       block)
			sched_yield();
}

/* A free block that carried the error flag is zeroed before reuse. */
static int clear_error(struct pmemctl_btt *b, struct engine_arena *ea,
		       struct engine_lane *l)
{
	uint64_t off = block_off(&ea->a, l->block);
	int rc;

	if (!l->err)
		return 0;
	rc = pmemctl_media_zero(b->m, off, ea->a.internal_lbasize);
	rc = rc ?: pmemctl_media_persist(b->m, off, ea->a.internal_lbasize);
	if (!rc)
		l->err = false;
	return rc;
}

/* No map entry may point at a lane's free block: a corrupt BTT. */
static int map_unlike_free(struct pmemctl_btt *b, struct engine_arena *ea,
			   unsigned lane, uint32_t premap,
			   struct btt_map_entry *e)
{
	uint32_t block = ea->lane[lane].block;
	int rc = map_lookup(b, ea, premap, e);

	if (rc || e->postmap != block)
		return rc;
	err(b->ctx, "%s: BTT arena at %#llx: LBA %u maps to lane %u's free block %u; run check-btt",
	    pmemctl_media_name(b->m), (unsigned long long)ea->a.off, premap,
	    lane, block);
	return -EIO;
}

/*
 * Under @premap's map lock @ml: log the move to the lane's block, durable,
 * then map it.  First the map writes our log entry depends on, which no
 * fence may have made durable yet, are written back to be made durable
 * by our log entry's fence: the last one under this map lock (it may have
 * been of this entry, by another lane and CPU: recovering the lanes in
 * turn could then undo our move) and this lane's last (our log entry is
 * about to become the newer of the lane's two, so recovery would no
 * longer complete it).  Our map write is left for the next writer of the
 * map lock or lane, or pmemctl_btt_close(), to write back and order.
 */
static int map_commit(struct pmemctl_btt *b, struct engine_arena *ea,
		      unsigned lane, uint32_t premap, struct engine_lock *ml,
		      struct btt_map_entry *old)
{
	struct engine_lane *l = &ea->lane[lane];
	int slot = ea->a.log_index[l->sub], rc;
	struct btt_log_entry ent;
	uint64_t moff = btt_map_off(&ea->a, premap);

	rc = map_unlike_free(b, ea, lane, premap, old);
	if (!rc && ml->pending)
		rc = eng_flush(b, ml->pending, sizeof(le32));
	if (!rc && l->pending && ml->pending != l->map_off)
		rc = eng_flush(b, l->map_off, sizeof(le32));
	if (rc)
		return rc;
	put_le32(&ent.lba, premap);
	put_le32(&ent.old_map, old->postmap | (old->error ? BTT_MAP_ERR_FLAG : 0));
	put_le32(&ent.new_map, l->block);
	put_le32(&ent.seq, l->seq);
	rc = eng_log_write(b, ea, lane, slot, &ent);
	rc = rc ?: eng_flush(b, btt_log_slot_off(&ea->a, lane, slot),
			     BTT_LOG_ENTRY_SIZE);
	rc = rc ?: eng_drain(b);
	rc = rc ?: eng_map_store(b, ea, premap, btt_map_encode(l->block));
	if (rc)
		return rc;
	ml->pending = moff;
	l->pending = true;
	l->map_off = moff;
	return 0;
}

/*
 * The kernel's order: data into the lane's free block, durable; then,
 * under the map lock, the log entry, durable, then the map entry.  Two
 * ordering points, one fence each on a persistent mapping.  The map
 * entry is not waited for: once the log entry is durable, recovery would
 * complete the map write, so the sector is durable on return; the next
 * log entry that depends on it makes it durable (map_commit()).  The old
 * block becomes the lane's free block.
 */
static int write_sector(struct pmemctl_btt *b, struct engine_arena *ea,
			unsigned lane, uint32_t premap, const void *buf)
{
	struct engine_lane *l = &ea->lane[lane];
	struct engine_lock *ml = map_lock(ea, premap);
	struct btt_map_entry old;
	int rc;

	rc = map_unlike_free(b, ea, lane, premap, &old);
	if (rc)
		return rc;
	rtt_wait(ea, l->block);
	rc = clear_error(b, ea, l);
	rc = rc ?: eng_block_put(b, ea, l->block, buf);
	if (rc)
		return rc;
	lock_take(ml);
	rc = map_commit(b, ea, lane, premap, ml, &old);
	lock_drop(ml);
	if (rc)
		return rc;
	l->sub ^= 1;
	l->seq = seq_next(l->seq);
	l->block = old.postmap;
	l->err = old.error;
	return 0;
}

static int write_check(struct pmemctl_btt *b, struct engine_arena *ea)
{
	int failed = __atomic_load_n(&b->failed, __ATOMIC_ACQUIRE);

	if (!b->writable) {
		err(b->ctx, "%s: BTT opened read-only", pmemctl_media_name(b->m));
		return -EROFS;
	}
	if (failed) {
		err(b->ctx, "%s: an earlier write failed; reopen the BTT to recover",
		    pmemctl_media_name(b->m));
		return failed;
	}
	if (ea->a.flags & BTT_IB_FLAG_ERROR) {
		err(b->ctx, "%s: BTT arena at %#llx is flagged as failed",
		    pmemctl_media_name(b->m), (unsigned long long)ea->a.off);
		return -EIO;
	}
	return 0;
}

int btt_engine_write_lane(struct pmemctl_btt *b, unsigned lane,
			  uint64_t lba, const void *buf)
{
	struct engine_arena *ea;
	int rc;

	if (lba >= b->nlba)
		return lba_beyond(b, lba);
	ea = arena_of(b, lba);
	rc = write_check(b, ea);
	if (rc)
		return rc;
	lane %= BTT_NFREE;
	lock_take(&b->lane_lock[lane]);
	rc = write_sector(b, ea, lane, (uint32_t)(lba - ea->first), buf);
	lock_drop(&b->lane_lock[lane]);
	if (rc)
		__atomic_store_n(&b->failed, rc, __ATOMIC_RELEASE);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_btt_write(struct pmemctl_btt *b, uint64_t lba,
				     const void *buf)
{
	return btt_engine_write_lane(b, lane_pick(b), lba, buf);
}
