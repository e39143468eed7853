// SPDX-License-Identifier: LGPL-2.1-only
/*
 * BTT checker, the map's reader: an arena's map in CHK_MAP_WINDOW pieces,
 * in order.  Where the media can be read from another thread
 * (media_read_quiet_ok()) and there is a second CPU, a reader thread
 * reads windows ahead into a ring of CHK_RING while the checking thread
 * scans, so the copy out of the page cache and the scan overlap.  The
 * checking thread never waits for the reader: a window nobody has
 * claimed yet it reads itself; when it catches up with the window the
 * reader is reading, it reads the one after into its own buffer
 * meanwhile (both threads copying), and if the reader has still not
 * finished (it lost its CPU) it reads the window itself too.  So a
 * machine with no CPU to spare costs little more than without the
 * thread.  The ring and the checker's buffer are all the memory it
 * takes, whatever the map.
 *
 * The thread only reads (media_read_quiet()): it logs nothing and
 * decides nothing, and neither do the checking thread's reads ahead.  A
 * window so read that failed is read again when the check gets to it,
 * with pmemctl_media_read(), which logs and returns the error in order,
 * as without the thread.  The thread stops at a failed read, at the end
 * and when the pass is closed (a stop, an error); it takes no signals.
 * When the ring or the thread cannot be had, the checking thread reads
 * every window itself: the same bytes, only slower.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#include "btt-check-int.h"

enum { WIN_DATA, WIN_HOLE };

#define NONE UINT64_MAX

/* A reader that found the ring full is woken when this many are free. */
#define CHK_BATCH (CHK_RING * 3 / 4)

struct chk_stream {
	struct btt_chk *c;
	uint64_t off, end;	/* the map's bytes on the media */
	uint64_t nwin, next;	/* windows; the one next() gives next */
	uint8_t *ring;		/* CHK_RING windows and one more (the
				 * checker's own), or NULL: no thread */
	uint64_t ahead;		/* the window in the checker's own, or NONE */
	int ahead_st;		/* and what reading it gave */
	pthread_t thread;
	pthread_mutex_t lock;	/* guards what follows */
	pthread_cond_t room;	/* the checker let windows go, or quit */
	uint64_t claim;		/* the next window nobody reads yet */
	uint64_t used;		/* windows the checker has let go */
	uint64_t reading;	/* the window the reader reads, or NONE */
	uint64_t ready[CHK_RING];	/* the window each slot holds, or NONE */
	uint8_t state[CHK_RING];	/* and its WIN_DATA or WIN_HOLE */
	bool quit;		/* the checker asks the reader to stop */
	bool want_room;
};

static uint64_t win_off(const struct chk_stream *s, uint64_t k)
{
	return s->off + k * CHK_MAP_WINDOW;
}

static size_t win_bytes(const struct chk_stream *s, uint64_t k)
{
	uint64_t left = s->end - win_off(s, k);

	return left < CHK_MAP_WINDOW ? (size_t)left : CHK_MAP_WINDOW;
}

/*
 * A window's tail rounded up to 4 KiB when the media goes on (a block
 * device then reads it with O_DIRECT); the window holds it.
 */
static size_t read_len(const struct chk_stream *s, uint64_t off,
		       size_t bytes)
{
	size_t up = ALIGN_UP(bytes, 4096);

	return up <= CHK_MAP_WINDOW && off + up <= s->c->size ? up : bytes;
}

/*
 * Window @k into @buf: WIN_HOLE (a hole of a sparse file, not read),
 * WIN_DATA, or a negative errno (logged unless @quiet).
 */
static int fill(struct chk_stream *s, uint64_t k, uint8_t *buf, bool quiet)
{
	uint64_t off = win_off(s, k);
	size_t bytes = win_bytes(s, k), len;
	int rc;

	if (media_data_from(s->c->m, off, off + bytes) >= off + bytes)
		return WIN_HOLE;
	len = read_len(s, off, bytes);
	rc = quiet ? media_read_quiet(s->c->m, off, buf, len) :
		     pmemctl_media_read(s->c->m, off, buf, len);
	return rc ? rc : WIN_DATA;
}

static uint8_t *slot(struct chk_stream *s, uint64_t k)
{
	return s->ring + (k % CHK_RING) * CHK_MAP_WINDOW;
}

/* The checker's own window, after the ring. */
static uint8_t *own(struct chk_stream *s)
{
	return s->ring + (size_t)CHK_RING * CHK_MAP_WINDOW;
}

/*
 * The reader: claims the next window when its slot is free (the checker
 * has let the window CHK_RING before it go), reads it, marks it ready;
 * stops at the end, at a failed read (the checker will read that window
 * itself) or when the checker quits.
 */
static void *reader(void *arg)
{
	struct chk_stream *s = arg;
	int st = WIN_DATA;

	pthread_mutex_lock(&s->lock);
	while (st >= 0) {
		uint64_t k = s->claim;

		if (!s->quit && k < s->nwin && k - s->used >= CHK_RING) {
			s->want_room = true;
			pthread_cond_wait(&s->room, &s->lock);
			continue;
		}
		if (s->quit || k >= s->nwin)
			break;
		s->claim++;
		s->reading = k;
		s->ready[k % CHK_RING] = NONE;
		pthread_mutex_unlock(&s->lock);
		st = fill(s, k, slot(s, k), true);
		pthread_mutex_lock(&s->lock);
		s->reading = NONE;
		if (st >= 0) {
			s->ready[k % CHK_RING] = k;
			s->state[k % CHK_RING] = (uint8_t)st;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* The lock and condition: 0, or non-zero with neither. */
static int sync_init(struct chk_stream *s)
{
	if (pthread_mutex_init(&s->lock, NULL))
		return -1;
	if (pthread_cond_init(&s->room, NULL) == 0)
		return 0;
	pthread_mutex_destroy(&s->lock);
	return -1;
}

static void sync_destroy(struct chk_stream *s)
{
	pthread_cond_destroy(&s->room);
	pthread_mutex_destroy(&s->lock);
}

/* The reader takes no signals: they stay for the caller's threads. */
static int spawn(struct chk_stream *s)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, reader, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/* Can this thread run on more than one CPU (else the reader only costs)? */
static bool cpus_to_share(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) != 0 ||
	       CPU_COUNT(&set) > 1;
}

/*
 * A reader thread and its ring where it can pay for itself (media it may
 * read, two windows or more, a second CPU), else neither.
 */
static void start_reader(struct chk_stream *s)
{
	if (!media_read_quiet_ok(s->c->m) || s->nwin < 2 || !cpus_to_share())
		return;
	/* page-aligned windows: a block device may read with O_DIRECT */
	s->ring = aligned_alloc(4096, (size_t)(CHK_RING + 1) * CHK_MAP_WINDOW);
	s->ahead = NONE;
	s->reading = NONE;
	for (unsigned i = 0; i < CHK_RING; i++)
		s->ready[i] = NONE;
	if (s->ring && sync_init(s) == 0) {
		if (spawn(s) == 0)
			return;
		sync_destroy(s);
	}
	free(s->ring);
	s->ring = NULL;
}

int chk_stream_open(struct btt_chk *c, uint64_t off, uint64_t len,
		    struct chk_stream **out)
{
	struct chk_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->c = c;
	s->off = off;
	s->end = off + len;
	s->nwin = (len + CHK_MAP_WINDOW - 1) / CHK_MAP_WINDOW;
	start_reader(s);
	*out = s;
	return 0;
}

/*
 * The checker at window @k, having let the windows before it go: the
 * reader's slot when it holds @k (its state), else -1 and who reads @k
 * next is the checker.  Wakes a reader waiting for room once a batch is
 * free.  Never waits for the reader: a window nobody has claimed is
 * claimed by the checker; while the reader is still reading @k, the
 * checker reads the window after it into its own buffer (in parallel,
 * quietly: an error there is the checker's to report when it gets
 * there), then takes @k if the reader has finished it by then.
 */
static int take(struct chk_stream *s, uint64_t k)
{
	bool wake;
	int st = -1;

	pthread_mutex_lock(&s->lock);
	s->used = k;
	wake = s->want_room && s->claim - s->used <= CHK_RING - CHK_BATCH;
	if (wake)
		s->want_room = false;
	if (s->ready[k % CHK_RING] == k) {
		st = s->state[k % CHK_RING];
	} else if (s->claim <= k) {
		s->claim = k + 1;
	} else if (s->reading == k && s->ahead == NONE && s->claim < s->nwin) {
		uint64_t j = s->claim++;

		pthread_mutex_unlock(&s->lock);
		if (wake)
			pthread_cond_signal(&s->room);
		wake = false;
		s->ahead_st = fill(s, j, own(s), true);
		s->ahead = j;
		pthread_mutex_lock(&s->lock);
		if (s->ready[k % CHK_RING] == k)
			st = s->state[k % CHK_RING];
	}
	pthread_mutex_unlock(&s->lock);
	if (wake)
		pthread_cond_signal(&s->room);
	return st;
}

int chk_stream_next(struct chk_stream *s, uint8_t **win, size_t *bytes)
{
	uint64_t k = s->next;
	int st = -1;

	if (k >= s->nwin)
		return -EINVAL;
	s->next++;
	*bytes = win_bytes(s, k);
	*win = s->c->buf;
	if (s->ring && s->ahead == k) {
		/* read already, by this thread: again, loudly, if it failed */
		s->ahead = NONE;
		*win = own(s);
		st = s->ahead_st;
	} else if (s->ring) {
		st = take(s, k);
		if (st >= 0)
			*win = slot(s, k);
	}
	return st >= 0 ? st : fill(s, k, *win, false);
}

bool chk_stream_reads_ahead(const struct chk_stream *s)
{
	return s->ring != NULL;
}

void chk_stream_close(struct chk_stream *s)
{
	if (!s)
		return;
	if (s->ring) {
		pthread_mutex_lock(&s->lock);
		s->quit = true;
		pthread_cond_signal(&s->room);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->thread, NULL);
		sync_destroy(s);
		free(s->ring);
	}
	free(s);
}

int chk_poll_stop(struct btt_chk *c)
{
	if (!c->o.stop || !c->o.stop(c->o.stop_arg))
		return 0;
	err(c->ctx, "%s: check stopped part way; nothing repaired", c->name);
	return -EINTR;
}
