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
