// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Segmented block bitmap for the BTT checker's accounting: see
 * btt-refmap.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "btt-refmap.h"

#define SEG_MASK (REFMAP_SEG_BITS - 1)

static uint64_t word_mask(uint32_t off, uint32_t k)
{
	return (k == 64 ? ~0ULL : (1ULL << k) - 1) << off;
}

/* Bits in segment @s (the last one may be short). */
static uint32_t seg_len(const struct btt_refmap *r, uint32_t s)
{
	uint32_t base = s << REFMAP_SEG_SHIFT;

	return r->bits - base < REFMAP_SEG_BITS ? r->bits - base :
						  REFMAP_SEG_BITS;
}

static bool seg_full(const struct btt_refmap *r, uint32_t s)
{
	return !r->seg[s] && r->nset[s] == seg_len(r, s);
}

int refmap_init(struct btt_refmap *r, uint32_t bits)
{
	r->bits = bits;
	r->nseg = (uint32_t)(((uint64_t)bits + REFMAP_SEG_BITS - 1) >>
			     REFMAP_SEG_SHIFT);
	r->seg = calloc(r->nseg ? r->nseg : 1, sizeof(*r->seg));
	r->nset = calloc(r->nseg ? r->nseg : 1, sizeof(*r->nset));
	r->dup = NULL;
	r->ndup = 0;
	if (r->seg && r->nset)
		return 0;
	free(r->seg);
	free(r->nset);
	r->seg = NULL;
	r->nset = NULL;
	return -ENOMEM;
}

void refmap_free(struct btt_refmap *r)
{
	for (uint32_t s = 0; r->seg && s < r->nseg; s++)
		free(r->seg[s]);
	free(r->seg);
	free(r->nset);
	free(r->dup);
	r->seg = NULL;
	r->nset = NULL;
	r->dup = NULL;
}

/* Block word @w's @bits are referenced again. */
static int mark_dup(struct btt_refmap *r, uint32_t w, uint64_t bits)
{
	if (!r->dup) {
		r->dup = calloc(((uint64_t)r->bits + 63) / 64, sizeof(uint64_t));
		if (!r->dup)
			return -ENOMEM;
	}
	r->ndup += (uint64_t)__builtin_popcountll(bits & ~r->dup[w]);
	r->dup[w] |= bits;
	return 0;
}

/* [b, b + n) all set already: all duplicates. */
static int dup_range(struct btt_refmap *r, uint32_t b, uint32_t n)
{
	int rc = 0;

	while (n && !rc) {
		uint32_t off = b % 64, k = n < 64 - off ? n : 64 - off;

		rc = mark_dup(r, b / 64, word_mask(off, k));
		b += k;
		n -= k;
	}
	return rc;
}

/*
 * Words [i, i + m) of a segment, when none of their bits is set yet: set
 * them all with one store each (true), else leave them (false).
 */
static bool set_clear_words(uint64_t *w, uint32_t i, uint32_t m)
{
	uint64_t any = 0;

	for (uint32_t j = 0; j < m; j++)
		any |= w[i + j];
	if (any)
		return false;
	memset(w + i, 0xff, m * sizeof(*w));
	return true;
}

/*
 * Set the bits of [b, b + n) in @b's word of live segment @s (at most to
 * the word's end): how many, *@rc an error.
 */
static uint32_t set_word(struct btt_refmap *r, uint32_t s, uint32_t b,
			 uint32_t n, int *rc)
{
	uint64_t *w = r->seg[s];
	uint32_t i = (b & SEG_MASK) / 64, off = b % 64;
	uint32_t k = n < 64 - off ? n : 64 - off, fresh = k;
	uint64_t bits = word_mask(off, k);

	if (w[i] & bits) {
		*rc = mark_dup(r, b / 64, w[i] & bits);
		fresh = (uint32_t)__builtin_popcountll(bits & ~w[i]);
	}
	r->nset[s] += fresh;
	w[i] |= bits;
	return k;
}

/* Set [b, b + n) inside live (or empty, partly set) segment @s. */
static int seg_set(struct btt_refmap *r, uint32_t s, uint32_t b, uint32_t n)
{
	uint32_t len = seg_len(r, s);
	bool words = true;	/* whole clear words at once, until one is not */
	int rc = 0;

	if (!r->seg[s]) {
		r->seg[s] = calloc((len + 63) / 64, sizeof(uint64_t));
		if (!r->seg[s])
			return -ENOMEM;
	}
	while (n && !rc) {
		uint32_t k = 0;

		if (words && b % 64 == 0 && n >= 128) {
			words = set_clear_words(r->seg[s], (b & SEG_MASK) / 64,
						n / 64);
			k = words ? n / 64 * 64 : 0;
			r->nset[s] += k;
		}
		if (!k)
			k = set_word(r, s, b, n, &rc);
		b += k;
		n -= k;
	}
	if (r->nset[s] == len) {	/* full: keep only the count */
		free(r->seg[s]);
		r->seg[s] = NULL;
	}
	return rc;
}

int refmap_set(struct btt_refmap *r, uint32_t b, uint32_t n)
{
	int rc = 0;

	while (n && !rc) {
		uint32_t s = b >> REFMAP_SEG_SHIFT, len = seg_len(r, s);
		uint32_t end = (s << REFMAP_SEG_SHIFT) + len;
		uint32_t k = n < end - b ? n : end - b;

		if (seg_full(r, s))
			rc = dup_range(r, b, k);
		else if (!r->seg[s] && k == len)
			r->nset[s] = len;	/* a whole empty segment */
		else
			rc = seg_set(r, s, b, k);
		b += k;
		n -= k;
	}
	return rc;
}

bool refmap_test(const struct btt_refmap *r, uint32_t b)
{
	const uint64_t *w = r->seg[b >> REFMAP_SEG_SHIFT];

	if (!w)
		return r->nset[b >> REFMAP_SEG_SHIFT] != 0;
	return w[(b & SEG_MASK) / 64] >> (b % 64) & 1;
}

bool refmap_is_dup(const struct btt_refmap *r, uint32_t b)
{
	return r->dup && (r->dup[b / 64] >> (b % 64) & 1);
}

/* In live segment @s from @b: the first bit that is @set, or its end. */
static uint32_t seg_next(const struct btt_refmap *r, uint32_t s, uint32_t b,
			 bool set)
{
	const uint64_t *w = r->seg[s];
	uint32_t base = s << REFMAP_SEG_SHIFT, len = seg_len(r, s);
	uint32_t i = (b - base) / 64, nw = (len + 63) / 64;
	uint64_t x = (set ? w[i] : ~w[i]) & (~0ULL << (b % 64));

	while (!x && ++i < nw)
		x = set ? w[i] : ~w[i];
	if (!x)
		return base + len;
	b = base + i * 64 + (uint32_t)__builtin_ctzll(x);
	return b < base + len ? b : base + len;
}

uint32_t refmap_next(const struct btt_refmap *r, uint32_t b, bool set)
{
	while (b < r->bits) {
		uint32_t s = b >> REFMAP_SEG_SHIFT;
		uint32_t end = (s << REFMAP_SEG_SHIFT) + seg_len(r, s);

		if (r->seg[s])
			b = seg_next(r, s, b, set);
		else if ((r->nset[s] != 0) == set)
			return b;	/* empty or full: all @set */
		else
			b = end;
		if (b < end)
			return b;
	}
	return r->bits;
}
