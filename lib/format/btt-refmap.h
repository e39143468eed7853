/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The checker's block accounting: one bit per internal block of an arena
 * (set when the map or a lane's free block references it), and a second
 * bitmap of the blocks referenced more than once.  The first is kept in
 * segments of REFMAP_SEG_BITS bits, allocated at their first partial use;
 * a segment whose bits are all set is freed and remembered as full, so a
 * map that references its blocks in near order (as formatted, or written
 * sequentially) keeps only a few segments alive at a time.  Worst case
 * (blocks referenced in random order): one bit per block, as a flat
 * bitmap.  The duplicate bitmap exists only once a duplicate is found.
 *
 * A leaf of the checker: btt-check-meta.c uses it; it uses nothing.
 */
#ifndef PMEMCTL_BTT_REFMAP_H
#define PMEMCTL_BTT_REFMAP_H

#include <stdbool.h>
#include <stdint.h>

#define REFMAP_SEG_SHIFT 18		/* 2^18 bits: 32 KiB a segment */
#define REFMAP_SEG_BITS (1u << REFMAP_SEG_SHIFT)

struct btt_refmap {
	uint64_t **seg;		/* live segments; NULL: empty or full */
	uint32_t *nset;		/* bits set per segment (full: its length) */
	uint32_t nseg, bits;
	uint64_t *dup;		/* blocks set twice or more, or NULL */
	uint64_t ndup;		/* bits set in dup */
};

/* 0 or -ENOMEM; @bits blocks, none set. */
int refmap_init(struct btt_refmap *r, uint32_t bits);
void refmap_free(struct btt_refmap *r);
/* Set [b, b + n) (within bits); bits already set become duplicates. */
int refmap_set(struct btt_refmap *r, uint32_t b, uint32_t n);
bool refmap_test(const struct btt_refmap *r, uint32_t b);
bool refmap_is_dup(const struct btt_refmap *r, uint32_t b);
/* The first block >= @b whose bit is @set, or r->bits. */
uint32_t refmap_next(const struct btt_refmap *r, uint32_t b, bool set);

#endif /* PMEMCTL_BTT_REFMAP_H */
