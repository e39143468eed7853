// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker's segmented block bitmap (btt-refmap.c) against a flat
 * model (a reference count per block): set, test, duplicates and the
 * next set/clear search across segment boundaries and a short last
 * segment; full segments are freed, so an in-order fill keeps at most
 * one segment alive and a whole-segment set allocates none.
 */
#include <stdlib.h>
#include <string.h>

#include "btt-refmap.h"
#include "tap.h"

#define SEG REFMAP_SEG_BITS
#define NBITS (3 * SEG + 12345)

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static unsigned live(const struct btt_refmap *r)
{
	unsigned n = 0;

	for (uint32_t s = 0; s < r->nseg; s++)
		n += r->seg[s] != NULL;
	return n;
}

static uint32_t model_next(const uint8_t *cnt, uint32_t b, bool set)
{
	while (b < NBITS && (cnt[b] != 0) != set)
		b++;
	return b;
}

/* Every block and a sample of searches agree with the model. */
static bool agrees(const struct btt_refmap *r, const uint8_t *cnt,
		   uint64_t *s)
{
	uint64_t ndup = 0;

	for (uint32_t b = 0; b < NBITS; b++) {
		if (refmap_test(r, b) != (cnt[b] != 0) ||
		    refmap_is_dup(r, b) != (cnt[b] > 1))
			return false;
		ndup += cnt[b] > 1;
	}
	for (int i = 0; i < 100; i++) {
		uint32_t b = (uint32_t)(rnd(s) % (NBITS + 1));
		bool set = rnd(s) % 2;

		if (refmap_next(r, b, set) != model_next(cnt, b, set))
			return false;
	}
	return ndup == r->ndup;
}

static void set_both(struct btt_refmap *r, uint8_t *cnt, uint32_t b,
		     uint32_t n, bool *ok)
{
	if (refmap_set(r, b, n))
		*ok = false;
	for (uint32_t i = b; i < b + n; i++)
		cnt[i] += cnt[i] < 2;
}

static void test_random(struct tap *t, uint64_t seed)
{
	uint8_t *cnt = calloc(NBITS, 1);
	struct btt_refmap r;
	uint64_t s = seed;
	bool ok = refmap_init(&r, NBITS) == 0, same = true;

	for (int op = 0; op < 400 && ok; op++) {
		uint32_t b = (uint32_t)(rnd(&s) % NBITS), n;

		switch (rnd(&s) % 4) {
		case 0:		/* a whole segment, aligned */
			b &= ~(SEG - 1);
			n = SEG;
			break;
		case 1:		/* across a boundary */
			b = (b % (3 * SEG) | (SEG - 1)) -
			    (uint32_t)(rnd(&s) % 100);
			n = 1 + rnd(&s) % 300;
			break;
		default:
			n = 1 + rnd(&s) % (rnd(&s) % 2 ? 70 : 70000);
		}
		if (n > NBITS - b)
			n = NBITS - b;
		set_both(&r, cnt, b, n, &ok);
		if (op % 50 == 49)
			same = same && agrees(&r, cnt, &s);
	}
	tap_ok(t, ok && same && agrees(&r, cnt, &s),
	       "random ranges (seed %llu): set, dup, next agree with a flat bitmap",
	       (unsigned long long)seed);
	refmap_free(&r);
	free(cnt);
}

/* Filled in order by runs of 64: never more than one live segment. */
static void test_in_order(struct tap *t)
{
	struct btt_refmap r;
	unsigned most = 0;
	bool ok = refmap_init(&r, NBITS) == 0;

	for (uint32_t b = 0; ok && b < NBITS; b += 64) {
		ok = refmap_set(&r, b, NBITS - b < 64 ? NBITS - b : 64) == 0;
		most = live(&r) > most ? live(&r) : most;
	}
	tap_ok(t, ok && most == 1 && live(&r) == 0 && r.ndup == 0 &&
	       refmap_next(&r, 0, false) == NBITS,
	       "in-order fill: at most %u live segment, none at the end", most);
	ok = refmap_set(&r, SEG + 5, 3) == 0;
	tap_ok(t, ok && live(&r) == 0 && r.ndup == 3 &&
	       refmap_is_dup(&r, SEG + 7) && !refmap_is_dup(&r, SEG + 8),
	       "setting inside a full segment counts duplicates, allocates nothing");
	refmap_free(&r);
	ok = refmap_init(&r, NBITS) == 0 && refmap_set(&r, SEG, SEG) == 0;
	tap_ok(t, ok && live(&r) == 0 && refmap_test(&r, 2 * SEG - 1) &&
	       !refmap_test(&r, 2 * SEG) && refmap_next(&r, 0, true) == SEG &&
	       refmap_next(&r, SEG, false) == 2 * SEG,
	       "a whole empty segment set at once is full without a bitmap");
	refmap_free(&r);
}

int main(void)
{
	struct tap t = { 0 };

	for (uint64_t seed = 1; seed <= 6; seed++)
		test_random(&t, seed * 0x9e3779b97f4a7c15ULL);
	test_in_order(&t);
	return tap_done(&t);
}
