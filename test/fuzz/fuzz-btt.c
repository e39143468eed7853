// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz everything that parses a BTT from untrusted bytes: check-btt's
 * checker and its repair, the BTT engine (open = log recovery, reads,
 * writes), namespace I/O and libpmemblk pool recognition.
 *
 * A BTT needs at least 16 MiB, mostly data blocks nobody parses, so the
 * input describes a sparse image (btt-seed.h): the media size, then
 * chunks of bytes at offsets, on zeroes.  Each run builds the image (once
 * read-only, and afresh for every writer) and asserts, with abort(), what
 * must hold for any input:
 *   - a repair leaves a BTT whose every finding was repairable checking
 *     clean (or says it cannot repair what it could not);
 *   - the engine opens a BTT that checks clean, and after engine writes
 *     it still checks clean.
 * The same runs on the pool's view when the image is a libpmemblk pool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "libpmemctl.h"

#include "btt-seed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_READS 64		/* LBAs read per engine open */
#define INPUT_MAX (2 << 20)

struct image {
	const uint8_t *data;	/* the fuzz input */
	size_t size;
	uint64_t media_size;
};

struct run {
	struct pmemctl_ctx *ctx;
	const struct image *im;
	bool pool;		/* on the pmemblk view of the image */
	bool rewrite_log;	/* repairs convert a 0/2 flog */
};

/* Fresh zero pages: only what the input and the code touch is real. */
static uint8_t *image_build(const struct image *im)
{
	uint8_t *p = mmap(NULL, im->media_size ? im->media_size : 1,
			  PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	btt_seed_apply(im->data, im->size, p, im->media_size);
	return p;
}

static void image_free(const struct image *im, uint8_t *p)
{
	munmap(p, im->media_size ? im->media_size : 1);
}

static void die(const char *what, const struct pmemctl_btt_check_result *r)
{
	fprintf(stderr, "fuzz-btt: %s\n", what);
	for (unsigned i = 0; r && i < r->nfindings; i++)
		fprintf(stderr, "  arena %u %s: %s\n", r->findings[i].arena,
			pmemctl_btt_finding_name(r->findings[i].kind),
			r->findings[i].detail);
	abort();
}

/*
 * The media of one run: the image itself, or its pmemblk view.  0, or
 * non-zero when there is none (not a pool, no memory).
 */
static int media_open(struct run *rn, uint8_t *buf, bool writable,
		      struct pmemctl_media **file, struct pmemctl_media **m)
{
	*m = NULL;
	if (pmemctl_media_new_memory(rn->ctx, buf, rn->im->media_size,
				     writable, file))
		return -1;
	if (!rn->pool) {
		*m = *file;
		return 0;
	}
	if (pmemctl_media_open_pmemblk(*file, m) == 0)
		return 0;
	pmemctl_media_close(*file);
	return -1;
}

static void media_done(struct pmemctl_media *file, struct pmemctl_media *m)
{
	if (m != file)
		pmemctl_media_close(m);
	pmemctl_media_close(file);
}

/*
 * -1: no BTT or an operational error; 1: clean; 0: findings.  With
 * @repair, *@after is what the re-check found (the findings if nothing
 * was rewritten).
 */
static int check(struct run *rn, struct pmemctl_media *m, bool repair,
		 uint64_t *after)
{
	struct pmemctl_btt_check_opts o = { .repair = repair,
					    .rewrite_log = rn->rewrite_log,
					    .max_listed = 4 };
	struct pmemctl_btt_check_result *r = NULL;
	const struct pmemctl_btt_check_result *re;
	int rc = pmemctl_btt_check(rn->ctx, m, &o, &r);

	if (rc)
		return -1;
	rc = r->total == 0;
	re = r->recheck;
	/* a repair that fixed every finding leaves a clean BTT; one that
	 * rewrote nothing has no re-check */
	if (repair && r->repaired && r->repaired == r->total &&
	    (!re || re->total))
		die("every finding repaired, yet the re-check is not clean",
		    re ? re : r);
	if (re && re->recheck)
		die("a re-check has a re-check", r);
	if (after)
		*after = re ? re->total : r->total;
	pmemctl_btt_check_free(r);
	return rc;
}

/* Repair, then check again: the check says what the re-check said. */
static void repair(struct run *rn, struct pmemctl_media *m)
{
	uint64_t after, again;

	if (check(rn, m, true, &after) < 0)
		return;
	if (check(rn, m, false, &again) < 0 || again != after)
		die("a check after the repair disagrees with its re-check",
		    NULL);
}

static void fill(uint8_t *p, uint32_t len, uint64_t lba)
{
	for (uint32_t j = 0; j < len; j++)
		p[j] = (uint8_t)(lba * 29 + j / 4);
}

static uint64_t pick_lba(uint64_t nlba, unsigned i)
{
	const uint64_t at[] = { 0, nlba - 1, nlba / 2, 1, 0 };

	return at[i % 5] % nlba;
}

/* Open the engine; read (capped) or write a few LBAs.  0 if it opened. */
static int engine(struct run *rn, struct pmemctl_media *m, bool writable)
{
	struct pmemctl_btt *b;
	uint64_t nlba, step;
	uint8_t *buf, *back;
	uint32_t ss;

	if (pmemctl_btt_open(rn->ctx, m, NULL,
			     writable ? PMEMCTL_MEDIA_WRITE : 0, &b))
		return -1;
	ss = pmemctl_btt_get_sector_size(b);
	nlba = pmemctl_btt_get_nlba(b);
	buf = malloc(ss);
	back = malloc(ss);
	step = nlba / MAX_READS + 1;
	for (uint64_t lba = 0; buf && !writable && lba < nlba; lba += step)
		pmemctl_btt_read(b, lba, buf);
	for (unsigned i = 0; buf && back && writable && nlba && i < 5; i++) {
		uint64_t lba = pick_lba(nlba, i);

		fill(buf, ss, lba + i);
		if (pmemctl_btt_write(b, lba, buf) == 0 &&
		    (pmemctl_btt_read(b, lba, back) ||
		     memcmp(buf, back, ss)))
			die("a sector just written does not read back", NULL);
	}
	free(back);
	free(buf);
	pmemctl_btt_close(b);
	return 0;
}

/* Namespace I/O in whatever mode the media shows: a few blocks. */
static void ns_io(struct run *rn, struct pmemctl_media *m)
{
	struct pmemctl_ns_io *io;
	uint8_t buf[4096];
	uint64_t size;
	uint32_t bs;

	if (pmemctl_ns_io_open_media(rn->ctx, m, PMEMCTL_NS_MODE_UNKNOWN,
				     NULL, 0, &io))
		return;
	size = pmemctl_ns_io_get_size(io);
	bs = pmemctl_ns_io_get_block_size(io);
	if (bs <= sizeof(buf) && size >= bs) {
		pmemctl_ns_io_read(io, 0, buf, bs);
		pmemctl_ns_io_read(io, (size - bs) / bs * bs, buf, bs);
	}
	pmemctl_ns_io_close(io);
}

static void run_writable(struct run *rn, bool fix, int clean)
{
	struct pmemctl_media *file, *m;
	uint8_t *buf = image_build(rn->im);

	if (!buf)
		return;
	if (media_open(rn, buf, true, &file, &m) == 0) {
		if (fix) {
			repair(rn, m);
		} else if (engine(rn, m, true) == 0) {
			if (clean == 1 && check(rn, m, false, NULL) != 1)
				die("clean BTT not clean after engine writes",
				    NULL);
		} else if (clean == 1) {
			die("the engine does not open a clean BTT", NULL);
		}
		media_done(file, m);
	}
	image_free(rn->im, buf);
}

static void run_all(struct run *rn, uint8_t *ro)
{
	struct pmemctl_media *file, *m;
	int clean;

	if (media_open(rn, ro, false, &file, &m))
		return;
	clean = check(rn, m, false, NULL);
	engine(rn, m, false);
	ns_io(rn, m);
	media_done(file, m);
	run_writable(rn, true, clean);
	run_writable(rn, false, clean);
}

/* A pool libpmemblk never wrote to: lay its BTT out, then use it. */
static void run_fresh_pool(struct run *rn, uint8_t *ro)
{
	struct pmemctl_media *file, *m;
	uint64_t nblock;
	uint32_t bsize;
	uint8_t *buf;

	if (pmemctl_media_new_memory(rn->ctx, ro, rn->im->media_size, false,
				     &file))
		return;
	if (pmemctl_pmemblk_fresh(file, &bsize, &nblock) != 1) {
		pmemctl_media_close(file);
		return;
	}
	pmemctl_media_close(file);
	buf = image_build(rn->im);
	if (!buf || pmemctl_media_new_memory(rn->ctx, buf, rn->im->media_size,
					     true, &file))
		goto out;
	if (pmemctl_pmemblk_layout(file, &m) == 0) {
		if (check(rn, m, false, NULL) != 1 || engine(rn, m, true) ||
		    check(rn, m, false, NULL) != 1)
			die("a fresh pool's new BTT is not clean", NULL);
		pmemctl_media_close(m);
	}
	pmemctl_media_close(file);
out:
	if (buf)
		image_free(rn->im, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image im = { .data = data, .size = size };
	struct run rn = { .im = &im };
	uint8_t *ro;

	if (size > INPUT_MAX)
		return 0;
	im.media_size = btt_seed_media_size(data, size);
	rn.rewrite_log = size && data[size - 1] & 1;
	ro = image_build(&im);
	if (!ro || pmemctl_new(&rn.ctx))
		goto out;
	pmemctl_set_log_priority(rn.ctx, 0);
	run_all(&rn, ro);
	rn.pool = true;
	run_all(&rn, ro);
	run_fresh_pool(&rn, ro);
	pmemctl_free(rn.ctx);
out:
	if (ro)
		image_free(&im, ro);
	return 0;
}
