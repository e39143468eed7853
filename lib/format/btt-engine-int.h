/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Inside the BTT engine (btt-engine.c): its state,
 * and the small inline helpers through which the one protocol reaches
 * the media.  On direct media (memory, a persistent mapping, a slice of
 * one; media_direct_view()) whose every arena btt_direct_attach() proved
 * to lie inside the media, a helper is a load, a store, a copy or a cache
 * flush at b->base + offset, with no call and no range check (the
 * protocol keeps premap < external_nlba, postmap and the lanes' free
 * blocks < internal_nlba, lane < BTT_NFREE); elsewhere (files, block
 * devices, power-cut media) it is the media call, checked as always.
 */
#ifndef PMEMCTL_BTT_ENGINE_INT_H
#define PMEMCTL_BTT_ENGINE_INT_H

#include <sched.h>
#ifdef PMEMCTL_RSEQ_AREA
#include <sys/rseq.h>
#endif

#include "btt-engine.h"

/*
 * What threads on different CPUs write (locks, lanes, read tracking
 * slots) sits on cache lines of its own: two CPUs take neighbouring lanes
 * and slots (CPU 0 and 1: lanes 0 and 1), and sharing a line would make
 * every write and read move it between them.  The engine's state is
 * allocated aligned to match (alloc_lines()).
 */
#define ENGINE_LINE 64
#define ENGINE_ALIGNED __attribute__((aligned(ENGINE_LINE)))

/*
 * A spin lock (lanes and map locks are hot and held for microseconds, as
 * the kernel's): zero is unlocked.  A waiter yields the CPU, as a thread
 * holding it may have been preempted.
 */
struct engine_lock {
	int held;
	/* map locks: the last map write under it, not yet durable (0: none) */
	uint64_t pending;
} ENGINE_ALIGNED;

#define RTT_NONE UINT32_MAX	/* read tracking: no block being read */

/* Owned by the holder of lane lock i (struct pmemctl_btt). */
struct engine_lane {
	uint32_t block;		/* the free block */
	uint32_t seq;		/* of the next log entry */
	int sub;		/* log_index[sub]: the slot to write next */
	bool err;		/* the block had the error flag: clear first */
	bool pending;		/* map entry at map_off written, not ordered */
	uint64_t map_off;
} ENGINE_ALIGNED;

/* A read tracking slot: the block being read, or RTT_NONE. */
struct engine_rtt {
	uint32_t block;
} ENGINE_ALIGNED;

/* A map write recovery would complete (read-only opens keep it here). */
struct engine_fix {
	uint32_t premap, raw;
};

struct engine_arena {
	struct btt_arena a;
	uint64_t first;		/* first external LBA */
	struct engine_lane lane[BTT_NFREE];
	struct engine_fix fix[BTT_NFREE];
	unsigned nfix;
	struct engine_lock map_lock[BTT_NFREE];
	struct engine_rtt rtt[BTT_NFREE];	/* read tracking */
	unsigned rtt_top;		/* slots below it were ever claimed */
};

struct pmemctl_btt {
	struct pmemctl_ctx *ctx;
	struct pmemctl_media *m;
	bool writable;
	unsigned major;
	uint64_t start, nlba;
	uint32_t lbasize, sector;
	unsigned narenas;
	unsigned next_lane;	/* no CPU number: lanes in turn */
	struct engine_arena *arenas;
	int failed;		/* a write failed half-way: reopen to recover */
	struct engine_lock lane_lock[BTT_NFREE];
	/*
	 * Direct media (btt_direct_attach()): media offset 0 in memory, every
	 * arena's map, log and data area proven inside the media; NULL: the
	 * media calls.  @flush makes a range durable there.
	 */
	uint8_t *base;
	enum pmem_flush flush;
};

/*
 * Prove that every map entry, log slot and internal block of each arena
 * lies inside @b's media, if the media is direct, and set b->base; else
 * leave it NULL (the media calls).  After the arenas are attached.
 */
void btt_direct_attach(struct pmemctl_btt *b);

/*
 * The calling CPU, or -1: what sched_getcpu() returns, but read inline
 * from the rseq area glibc registers for each thread (its cpu_id, which
 * the kernel keeps current), where there is one.  The call alone cost a
 * 512-byte read about a tenth of its time (bench/RESULTS.md section 3).
 */
static inline int cpu_now(void)
{
#ifdef PMEMCTL_RSEQ_AREA
	if (__rseq_size) {
		const struct rseq *rs = (const struct rseq *)
			((char *)__builtin_thread_pointer() + __rseq_offset);
		int cpu = (int)__atomic_load_n(&rs->cpu_id, __ATOMIC_RELAXED);

		if (cpu >= 0)
			return cpu;
	}
#endif
	return sched_getcpu();
}

/* The next of the cyclic log sequence numbers 1 -> 2 -> 3 -> 1. */
static inline uint32_t seq_next(uint32_t seq)
{
	return seq >= 3 ? 1 : seq + 1;
}

static inline uint64_t block_off(const struct btt_arena *a, uint32_t block)
{
	return a->dataoff + (uint64_t)block * a->internal_lbasize;
}

/* The raw map entry of @premap, loaded whole (a writer may store it). */
static inline int eng_map_load(struct pmemctl_btt *b,
			       const struct engine_arena *ea, uint32_t premap,
			       uint32_t *raw)
{
	uint64_t off = btt_map_off(&ea->a, premap);

	if (!b->base)
		return media_load32(b->m, off, raw);
	*raw = le32toh(__atomic_load_n((uint32_t *)(b->base + off),
				       __ATOMIC_SEQ_CST));
	return 0;
}

static inline int eng_map_store(struct pmemctl_btt *b,
				const struct engine_arena *ea, uint32_t premap,
				uint32_t raw)
{
	uint64_t off = btt_map_off(&ea->a, premap);

	if (!b->base)
		return media_store32(b->m, off, raw);
	__atomic_store_n((uint32_t *)(b->base + off), htole32(raw),
			 __ATOMIC_SEQ_CST);
	return 0;
}

/* Start writing [off, off + len) of the BTT's metadata back. */
static inline int eng_flush(struct pmemctl_btt *b, uint64_t off, size_t len)
{
	if (!b->base)
		return media_flush_range(b->m, off, len);
	pmem_flush_range(b->flush, b->base + off, len);
	return 0;
}

/* Every range flushed so far is durable. */
static inline int eng_drain(struct pmemctl_btt *b)
{
	if (!b->base)
		return media_drain(b->m);
	pmem_drain(b->flush);
	return 0;
}

/* Log entry @e into @slot of @lane, in two 8-byte halves (btt_log_write()). */
static inline int eng_log_write(struct pmemctl_btt *b,
				const struct engine_arena *ea, unsigned lane,
				int slot, const struct btt_log_entry *e)
{
	uint64_t half[2], *p;

	if (!b->base)
		return btt_log_write(b->m, &ea->a, lane, slot, e);
	p = (uint64_t *)(b->base + btt_log_slot_off(&ea->a, lane, slot));
	memcpy(half, e, sizeof(half));
	__atomic_store_n(&p[0], half[0], __ATOMIC_RELAXED);
	/* the half that commits it, after the first (free on x86) */
	__atomic_store_n(&p[1], half[1], __ATOMIC_RELEASE);
	return 0;
}

static inline int eng_block_read(struct pmemctl_btt *b,
				 const struct engine_arena *ea, uint32_t block,
				 void *buf)
{
	uint64_t off = block_off(&ea->a, block);

	if (!b->base)
		return pmemctl_media_read(b->m, off, buf, b->sector);
	memcpy(buf, b->base + off, b->sector);
	return 0;
}

/* @buf into @block, durable (media_put()). */
static inline int eng_block_put(struct pmemctl_btt *b,
				const struct engine_arena *ea, uint32_t block,
				const void *buf)
{
	uint64_t off = block_off(&ea->a, block);

	if (!b->base)
		return media_put(b->m, off, buf, b->sector);
	pmem_copy_flush(b->flush, b->base + off, buf, b->sector);
	pmem_drain(b->flush);
	return 0;
}

#endif /* PMEMCTL_BTT_ENGINE_INT_H */
