// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT checker's map reader (btt-check-read.c) on its own: with its
 * reader thread, every window in order with the media's bytes and the
 * holes of a sparse file; a read that fails is logged once, by the
 * checking thread, and returned as pmemctl_media_read() would; a close
 * part way stops the thread; media the thread may not read are read by
 * the caller alone, the same bytes, as are maps of one window and any
 * map when the caller may run on one CPU only.  Also in the 'tsan' suite.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "btt-check-int.h"
#include "logbook.h"
#include "tap.h"

#define WIN CHK_MAP_WINDOW
#define BASE 4096ULL			/* where the "map" starts */
#define NWIN 40
#define TAIL 1000			/* a short last window */
#define LEN ((uint64_t)NWIN * WIN + TAIL)
#define SIZE (BASE + LEN + 8192)

static bool is_hole(unsigned k)
{
	return k == 5 || k == 6 || k == 20;
}

static uint8_t pattern(uint64_t off)
{
	return (uint8_t)((off * 2654435761ULL >> 13) | 1);
}

static void put(int fd, const uint8_t *img, uint64_t off, uint64_t len)
{
	if (pwrite(fd, img + off, len, (off_t)off) != (ssize_t)len)
		abort();
}

/* The pattern everywhere but the hole windows (never written). */
static uint8_t *make_image(char *path)
{
	uint8_t *img = malloc(SIZE);
	int fd = mkstemp(path);

	for (uint64_t i = 0; i < SIZE; i++)
		img[i] = pattern(i);
	if (fd < 0 || ftruncate(fd, SIZE) < 0)
		abort();
	put(fd, img, 0, BASE);
	for (unsigned k = 0; k < NWIN; k++) {
		if (is_hole(k))
			memset(img + BASE + (uint64_t)k * WIN, 0, WIN);
		else
			put(fd, img, BASE + (uint64_t)k * WIN, WIN);
	}
	put(fd, img, BASE + (uint64_t)NWIN * WIN, SIZE - BASE - NWIN * WIN);
	close(fd);
	return img;
}

static struct btt_chk *new_chk(struct pmemctl_ctx *ctx, struct pmemctl_media *m)
{
	struct btt_chk *c = calloc(1, sizeof(*c));

	c->ctx = ctx;
	c->m = m;
	c->name = "map";
	c->size = pmemctl_media_size(m);
	c->buf = aligned_alloc(4096, CHK_MAP_WINDOW);
	return c;
}

static void free_chk(struct btt_chk *c)
{
	free(c->buf);
	free(c);
}

/* Every window, in order: its bytes, or a hole where @holes. */
static unsigned stream_all(struct btt_chk *c, const uint8_t *img, bool holes)
{
	struct chk_stream *s;
	unsigned bad = 0;

	if (chk_stream_open(c, BASE, LEN, &s))
		return ~0u;
	for (unsigned k = 0; k <= NWIN; k++) {
		size_t want = k < NWIN ? WIN : TAIL, bytes = 0;
		uint8_t *win;
		int rc = chk_stream_next(s, &win, &bytes);

		if (holes && k < NWIN && is_hole(k)) {
			bad += rc != 1 || bytes != want;
			continue;
		}
		bad += rc != 0 || bytes != want ||
		       memcmp(win, img + BASE + (uint64_t)k * WIN, want);
		memset(win, 0xEE, bytes);	/* the caller's to change */
	}
	bad += chk_stream_next(s, &(uint8_t *){ NULL }, &(size_t){ 0 }) !=
	       -EINVAL;
	chk_stream_close(s);
	return bad;
}

static int cpus(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) ? 0 : CPU_COUNT(&set);
}

/* Does a stream read ahead when this thread may run on one CPU only? */
static bool ahead_on_one_cpu(struct btt_chk *c)
{
	cpu_set_t old, one;
	struct chk_stream *s;
	bool ahead;

	if (sched_getaffinity(0, sizeof(old), &old))
		abort();
	CPU_ZERO(&one);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &old)) {
			CPU_SET(i, &one);
			break;
		}
	if (sched_setaffinity(0, sizeof(one), &one))
		abort();
	chk_stream_open(c, BASE, LEN, &s);
	ahead = chk_stream_reads_ahead(s);
	chk_stream_close(s);
	sched_setaffinity(0, sizeof(old), &old);
	return ahead;
}

static void test_file(struct tap *t, struct pmemctl_ctx *ctx)
{
	char path[] = "/tmp/pmemctl-chkread.XXXXXX";
	uint8_t *img = make_image(path);
	struct pmemctl_media *m;
	struct chk_stream *s;
	struct btt_chk *c;

	if (pmemctl_media_open_file(ctx, path, 0, SIZE, 0, &m))
		abort();
	c = new_chk(ctx, m);
	chk_stream_open(c, BASE, LEN, &s);
	tap_ok(t, chk_stream_reads_ahead(s) == (cpus() > 1),
	       "a file is read ahead by a thread (given %d CPUs)", cpus());
	chk_stream_close(s);
	tap_ok(t, !ahead_on_one_cpu(c), "not with one CPU to run on");
	chk_stream_open(c, BASE, WIN, &s);
	tap_ok(t, !chk_stream_reads_ahead(s), "nor for one window");
	chk_stream_close(s);
	for (int i = 0; i < 20; i++) {
		unsigned bad = stream_all(c, img, true);

		if (bad || i == 19) {
			tap_ok(t, bad == 0, "file: %d passes, every window in order with its bytes, holes as holes (%u bad)",
			       i + 1, bad);
			break;
		}
	}
	/* a close part way: the thread waits for room, then stops */
	chk_stream_open(c, BASE, LEN, &s);
	chk_stream_next(s, &(uint8_t *){ NULL }, &(size_t){ 0 });
	usleep(20000);
	chk_stream_close(s);
	tap_ok(t, true, "a close after one window stops the reader");
	free_chk(c);
	pmemctl_media_close(m);
	unlink(path);
	free(img);
}

/* A file cut short under the checker: the read fails, logged once. */
static void test_read_error(struct tap *t, struct pmemctl_ctx *ctx)
{
	char path[] = "/tmp/pmemctl-chkread.XXXXXX";
	uint8_t *img = make_image(path);
	struct logbook lb = { 0 };
	struct pmemctl_media *m;
	struct chk_stream *s;
	struct btt_chk *c;
	unsigned bad = 0, k;
	int rc = 0;

	if (pmemctl_media_open_file(ctx, path, 0, SIZE, 0, &m) ||
	    truncate(path, (off_t)(BASE + 30ULL * WIN + 8192)))
		abort();
	pmemctl_set_userdata(ctx, &lb);
	pmemctl_set_log_fn(ctx, logbook_capture);
	c = new_chk(ctx, m);
	chk_stream_open(c, BASE, LEN, &s);
	for (k = 0; k < NWIN && rc >= 0; k++) {
		size_t bytes;
		uint8_t *win;

		rc = chk_stream_next(s, &win, &bytes);
		if (rc == 0)
			bad += memcmp(win, img + BASE + (uint64_t)k * WIN, WIN);
		bad += rc == 1 && !is_hole(k);
	}
	chk_stream_close(s);
	tap_ok(t, rc == -EIO && k == 31 && bad == 0 && lb.n == 1 &&
	       strstr(lb.last, "unexpected end of file at 0x1e3000"),
	       "a short file: windows 0-29, then -EIO at window 30, one message (%d, window %u, %u messages: %s)",
	       rc, k - 1, lb.n, lb.last);
	pmemctl_set_log_fn(ctx, NULL);
	free_chk(c);
	pmemctl_media_close(m);
	unlink(path);
	free(img);
}

static int cb_read(void *arg, uint64_t off, void *buf, size_t len)
{
	memcpy(buf, (uint8_t *)arg + off, len);
	return 0;
}

static const struct media_callbacks cbs = { .read = cb_read };

/* Media only the caller's thread may read: read by it, the same bytes. */
static void test_callbacks(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t *img = malloc(SIZE);
	struct pmemctl_media *m;
	struct chk_stream *s;
	struct btt_chk *c;
	bool ahead;

	for (uint64_t i = 0; i < SIZE; i++)
		img[i] = pattern(i);
	if (media_new_callbacks(ctx, "dev", SIZE, false, &cbs, img, &m))
		abort();
	c = new_chk(ctx, m);
	chk_stream_open(c, BASE, LEN, &s);
	ahead = chk_stream_reads_ahead(s);
	chk_stream_close(s);
	tap_ok(t, !ahead && stream_all(c, img, false) == 0,
	       "callback media: no thread, every window with its bytes");
	free_chk(c);
	pmemctl_media_close(m);
	free(img);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	pmemctl_new(&ctx);
	test_file(&t, ctx);
	test_read_error(&t, ctx);
	test_callbacks(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
