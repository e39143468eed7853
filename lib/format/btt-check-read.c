// SPDX-License-Identifier: LGPL-2.1-only
/*
 * BTT checker, the map's reader: an arena's map in CHK_MAP_WINDOW pieces,
 * in order.  Where the media can be read from another thread
 * (media_read_quiet_ok()), a reader thread fills a ring of CHK_RING
 * windows ahead while the checking thread scans the current one, so with
 * two CPUs a pass takes about the longer of the read and the scan rather
 * than their sum.  The ring is all the memory it takes, whatever the map.
 *
 * The thread only reads (media_read_quiet()): it logs nothing and
 * decides nothing.  A window it could not read is read again by the
 * checking thread with pmemctl_media_read(), which logs and returns the
 * error in order, as without the thread; from there on the checking
 * thread reads every window itself.  The thread takes no signals and
 * stops when the pass is closed (a stop, an error, the end).  When the ring or the
 * thread cannot be had, the checking thread reads every window itself,
 * into the checker's own window: the same bytes, only slower.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>

#include "btt-check-int.h"

enum { WIN_DATA, WIN_HOLE, WIN_FAILED };

/*
 * Windows a waiting side waits for: the checker, when it caught up, for
 * this many filled; the reader, when the ring is full, for this many
 * free.  Fewer wake-ups (each costs two context switches) against a
 * later start after each.
 */
#define CHK_BATCH (CHK_RING * 3 / 4)

struct chk_stream {
	struct btt_chk *c;
	uint64_t off, end;	/* the map's bytes on the media */
	uint64_t nwin, next;	/* windows; the one next() gives next */
	uint8_t *ring;		/* CHK_RING windows, or NULL: no thread */
	uint8_t state[CHK_RING];
	pthread_t thread;
	pthread_mutex_t lock;	/* guards what follows */
	pthread_cond_t more;	/* the reader made windows, or stopped */
	pthread_cond_t room;	/* the checker let windows go, or quit */
	uint64_t made;		/* windows the reader has filled */
	uint64_t used;		/* windows the checker has let go */
	bool done;		/* the reader stopped */
	bool quit;		/* the checker asks it to stop */
	bool want_more, want_room;
	uint64_t more_at;	/* wake the checker once made reaches it */
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

/* Reader: wait until window @k has a free slot; false: stop. */
static bool wait_room(struct chk_stream *s, uint64_t k)
{
	bool go;

	pthread_mutex_lock(&s->lock);
	while (!s->quit && k - s->used >= CHK_RING) {
		s->want_room = true;
		pthread_cond_wait(&s->room, &s->lock);
	}
	go = !s->quit;
	pthread_mutex_unlock(&s->lock);
	return go;
}

/* Window @k is filled.  (Each side signals after unlocking: the thread
 * woken need not wait for the lock.) */
static void publish(struct chk_stream *s, uint64_t k, int st)
{
	bool wake;

	pthread_mutex_lock(&s->lock);
	s->state[k % CHK_RING] = st < 0 ? WIN_FAILED : (uint8_t)st;
	s->made = k + 1;
	s->done = st < 0 || s->made == s->nwin;
	wake = s->want_more && (s->done || s->made >= s->more_at);
	if (wake)
		s->want_more = false;
	pthread_mutex_unlock(&s->lock);
	if (wake)
		pthread_cond_signal(&s->more);
}

static void *reader(void *arg)
{
	struct chk_stream *s = arg;
	int st = WIN_DATA;

	for (uint64_t k = 0; k < s->nwin && st >= 0 && wait_room(s, k); k++) {
		st = fill(s, k, slot(s, k), true);
		publish(s, k, st);
	}
	pthread_mutex_lock(&s->lock);
	s->done = true;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* The lock and conditions: 0, or non-zero with none of them. */
static int sync_init(struct chk_stream *s)
{
	if (pthread_mutex_init(&s->lock, NULL))
		return -1;
	if (pthread_cond_init(&s->more, NULL))
		goto lock;
	if (pthread_cond_init(&s->room, NULL))
		goto more;
	return 0;
more:
	pthread_cond_destroy(&s->more);
lock:
	pthread_mutex_destroy(&s->lock);
	return -1;
}

static void sync_destroy(struct chk_stream *s)
{
	pthread_cond_destroy(&s->room);
	pthread_cond_destroy(&s->more);
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
	s->ring = aligned_alloc(4096, (size_t)CHK_RING * CHK_MAP_WINDOW);
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

/* The checker lets the windows before @k go. */
static void release(struct chk_stream *s, uint64_t k)
{
	bool wake;

	pthread_mutex_lock(&s->lock);
	s->used = k;
	wake = s->want_room && s->made - s->used <= CHK_RING - CHK_BATCH;
	if (wake)
		s->want_room = false;
	pthread_mutex_unlock(&s->lock);
	if (wake)
		pthread_cond_signal(&s->room);
}

/*
 * The checker: window @k's state in the ring, or -1 when the reader
 * stopped before it (or could not read it).  When behind, waits for
 * several windows, not one, so that neither side wakes the other for
 * every window.
 */
static int wait_more(struct chk_stream *s, uint64_t k)
{
	uint64_t want = k + CHK_BATCH < s->nwin ? k + CHK_BATCH : s->nwin;
	int st = -1;

	release(s, k);
	pthread_mutex_lock(&s->lock);
	if (s->made <= k) {
		while (!s->done && s->made < want) {
			s->want_more = true;
			s->more_at = want;
			pthread_cond_wait(&s->more, &s->lock);
		}
	}
	if (s->made > k && s->state[k % CHK_RING] != WIN_FAILED)
		st = s->state[k % CHK_RING];
	pthread_mutex_unlock(&s->lock);
	return st;
}

int chk_stream_next(struct chk_stream *s, uint8_t **win, size_t *bytes)
{
	uint64_t k = s->next;
	int st;

	if (k >= s->nwin)
		return -EINVAL;
	st = s->ring ? wait_more(s, k) : -1;
	s->next++;
	*bytes = win_bytes(s, k);
	*win = st >= 0 ? slot(s, k) : s->c->buf;
	return st >= 0 ? st : fill(s, k, s->c->buf, false);
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
