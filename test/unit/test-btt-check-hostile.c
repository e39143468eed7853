// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT checker on hostile input: random bit flips and garbage in the
 * info blocks, map and flog (runs of consecutive map entries, pending map
 * updates), checked and repaired, must never crash or read out of bounds.
 * Prints a digest of every result and media change, for differential runs
 * of two builds.  Optional argument: the number of seeds (2000).
 */
#include <stdio.h>

#include "btt-check-img.h"
#include "tap.h"

/* ---- hostile input ------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void hostile_sb(struct img *im, uint64_t *s)
{
	struct btt_sb *sb = sb_at(im, 0);
	static const size_t fields[] = { 48, 56, 60, 64, 68, 72, 80, 88, 96,
					 104, 112 };
	uint64_t v = rnd(s);

	switch (v % 4) {
	case 0:
		v = rnd(s);
		break;
	case 1:
		v = rnd(s) % (64 * MiB);
		break;
	case 2:
		v = -(rnd(s) % 4096);
		break;
	default:
		v = rnd(s) & 0xffffffff;
	}
	memcpy((uint8_t *)sb + fields[rnd(s) % 11], &v,
	       rnd(s) % 2 ? 4 : 8);
	fix_checksum(sb);
	if (rnd(s) % 2)
		memcpy(im->buf + im->a.info2off, sb, 4096);
}

/*
 * A run of consecutive map entries (what a dense map holds), at any
 * start, of any length and flags, its postmaps possibly crossing the
 * internal block count or the 30-bit mask.
 */
static void map_run(struct img *im, uint64_t *s)
{
	static const uint32_t flags[] = { 0, NORMAL, 0x40000000, 0x80000000 };
	uint32_t enl = (uint32_t)((im->a.logoff - im->a.mapoff) / 4);
	uint32_t lba = (uint32_t)(rnd(s) % enl), len = 1 + rnd(s) % 200;
	uint32_t post = (uint32_t)rnd(s);

	switch (rnd(s) % 4) {
	case 0:
		post = im->a.internal_nlba - rnd(s) % 100;
		break;
	case 1:
		post = lba;
		break;
	case 2:
		post = 0x3fffffff - rnd(s) % 100;
		break;
	default:
		post = rnd(s) % (im->a.internal_nlba + 8);
	}
	for (uint32_t i = 0; i < len && lba + i < enl; i++)
		put32(im, map_off(im, lba + i),
		      flags[rnd(s) % 16 ? 1 : rnd(s) % 4] |
		      ((post + i) & 0x3fffffff));
}

/* A lane's map update that was interrupted: recovery will redo it. */
static void pending_update(struct img *im, uint64_t *s)
{
	uint32_t enl = im->a.external_nlba, lane = rnd(s) % BTT_NFREE;
	uint32_t lba = rnd(s) % 64 ? (uint32_t)(rnd(s) % enl) : enl - 1;
	uint32_t raw = get32(im, map_off(im, lba));
	uint32_t old = raw & NORMAL ? raw & 0x3fffffff : lba;

	put_ent(im, lane, 1, lba, old, enl + lane, 2);
	if (rnd(s) % 4 == 0)
		put32(im, map_off(im, lba), rnd(s) % 2 ? 0 : NORMAL | old);
}

static void mutate(struct img *im, uint64_t *s)
{
	uint64_t kind = rnd(s) % 8, n = 1 + rnd(s) % 8;
	uint64_t maplen = im->a.logoff - im->a.mapoff;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t r = rnd(s), off;

		switch (kind == 5 ? rnd(s) % 5 : kind) {
		case 6:		/* runs of consecutive map entries */
			map_run(im, s);
			break;
		case 7:
			pending_update(im, s);
			break;
		case 0:		/* bit flips in the info blocks */
			off = (r % 2 ? 0 : im->a.info2off) + rnd(s) % 4096;
			im->buf[off] ^= (uint8_t)(1 << (r % 8));
			break;
		case 1:		/* fields with a valid checksum */
			hostile_sb(im, s);
			break;
		case 2:		/* map garbage, often near-valid */
			off = im->a.mapoff + (rnd(s) % maplen & ~3ULL);
			put32(im, off, r % 2 ? (uint32_t)rnd(s) :
			      NORMAL | (uint32_t)(rnd(s) %
						  (im->a.internal_nlba + 8)));
			break;
		case 3:		/* flog: small values, seq 0..5 */
			off = im->a.logoff + rnd(s) % (64 * BTT_NFREE);
			off &= ~3ULL;
			put32(im, off, r % 3 ? (uint32_t)(rnd(s) %
				(im->a.internal_nlba + 4)) : (uint32_t)(r % 6));
			break;
		default:	/* bit flips anywhere in the metadata */
			off = im->a.mapoff + rnd(s) % (im->size - im->a.mapoff);
			im->buf[off] ^= (uint8_t)(1 << (r % 8));
		}
	}
}

/* Everything a check returned (findings with their text, per-arena
 * results, counts, the recheck): two checkers agree iff these do. */
static uint64_t hash_result(uint64_t h,
			    const struct pmemctl_btt_check_result *r)
{
	for (; r; r = r->recheck) {
		h = hash_more(h, &r->nfindings, sizeof(r->nfindings));
		for (unsigned i = 0; i < r->nfindings; i++) {
			const struct pmemctl_btt_finding *f = &r->findings[i];
			uint64_t v[] = { f->kind, f->arena, f->has, f->offset,
					 f->lba, f->lane, f->block, f->count,
					 f->repairable, f->repaired };

			h = hash_more(h, v, sizeof(v));
			h = hash_more(h, f->detail, strlen(f->detail));
		}
		for (unsigned i = 0; i < r->narenas; i++)
			h = hash_more(h, &r->arenas[i].nfindings,
				      sizeof(r->arenas[i].nfindings));
		h = hash_more(h, &r->total, sizeof(r->total));
		h = hash_more(h, &r->repaired, sizeof(r->repaired));
	}
	return h;
}

/* The pages of @buf that differ from @pristine, with their index. */
static uint64_t hash_changes(uint64_t h, const uint8_t *buf,
			     const uint8_t *pristine, uint64_t size)
{
	for (uint64_t off = 0; off < size; off += 4096)
		if (memcmp(buf + off, pristine + off, 4096)) {
			h = hash_more(h, &off, sizeof(off));
			h = hash_more(h, buf + off, 4096);
		}
	return h;
}

/*
 * The digest printed at the end covers every seed's return code, result
 * and media bytes afterwards: run the same seeds against two builds of
 * the checker to compare their behaviour (a differential test).
 */
static void test_hostile(struct tap *t, uint32_t lbasize, unsigned seeds)
{
	uint64_t digest = FNV_BASIS;
	struct img im;
	uint8_t *pristine;
	unsigned crashes = 0, checked = 0, repaired = 0;
	uint64_t seen = 0;

	img_init_size(&im, lbasize, 16 * MiB);
	pristine = malloc(im.size);
	memcpy(pristine, im.buf, im.size);
	for (unsigned seed = 1; seed <= seeds; seed++) {
		uint64_t s = 0x9e3779b97f4a7c15ULL * seed, size = im.size;
		struct pmemctl_btt_check_result *r = NULL;
		int rc;

		mutate(&im, &s);
		if (rnd(&s) % 8 == 0)
			size = rnd(&s) % im.size;
		rc = run(&im, size, rnd(&s) % 2, false, rnd(&s) % 4 == 0, &r);
		if (rc && rc != -ENODEV)
			crashes++;
		checked += rc == 0;
		for (unsigned i = 0; r && i < r->nfindings; i++)
			seen |= 1ULL << r->findings[i].kind;
		digest = hash_more(digest, &rc, sizeof(rc));
		digest = hash_result(digest, r);
		digest = hash_changes(digest, im.buf, pristine, im.size);
		/* mutate() only touches the info blocks, map and flog;
		 * repairs of hostile layouts may write anywhere */
		if (r && r->repaired) {
			repaired++;
			memcpy(im.buf, pristine, im.size);
		} else {
			memcpy(im.buf, pristine, 4096);
			memcpy(im.buf + im.a.mapoff, pristine + im.a.mapoff,
			       im.size - im.a.mapoff);
		}
		pmemctl_btt_check_free(r);
	}
	printf("# finding kinds produced:");
	for (int k = 0; k < PMEMCTL_BTT_F_NR; k++)
		if (seen >> k & 1)
			printf(" %s", pmemctl_btt_finding_name(k));
	printf("\n# %u-byte sectors, %u seeds: digest %016llx\n", lbasize,
	       seeds, (unsigned long long)digest);
	tap_ok(t, crashes == 0, "hostile input, %u-byte sectors: %u seeds, %u checked, %u repaired, no failure",
	       lbasize, seeds, checked, repaired);
	free(pristine);
	img_free(&im);
}

int main(int argc, char **argv)
{
	unsigned seeds = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	struct tap t = { 0 };

	test_hostile(&t, 4096, seeds);
	test_hostile(&t, 520, seeds);
	return tap_done(&t);
}
