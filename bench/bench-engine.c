// SPDX-License-Identifier: GPL-2.0-only
/*
 * The BTT engine against PMDK's libpmemblk and against the limit, on the
 * same pool file on tmpfs (issue 11 "Speed", issue 12 item 3):
 *   libpmemblk  pmemblk_write/read, PMEM_IS_PMEM_FORCE=1 (cache flushes)
 *   pmemctl     pmemctl_btt_write/read over pmemctl_media_open_pmemblk()
 *               on a PMEMCTL_MEDIA_PERSISTENT_MAPPING of the pool
 *   limit       memcpy into a block of the pool's data area, then the
 *               same cache flush of the block and one fence (reads: memcpy)
 *   limit-nt    the same with the copy the engine's data write uses
 *               (pmem_copy_flush(): non-temporal stores) and one fence
 *   floor       what any block translation layer pays.  Writes ("limit-2f"):
 *               limit-nt, then one 16-byte store into another line (the
 *               thread's own), its write-back and a second fence: a
 *               crash-safe protocol's two ordering points (data, then the
 *               record that commits it).  Reads: the block's map entry
 *               (4 bytes in the pool's BTT map), then the copy from the
 *               block it names: the copy depends on a random load
 * 4096- and 512-byte blocks, random LBAs, 1 and 2 threads, writes and
 * reads; each measurement runs for BENCH_SECONDS (default 0.5) and the
 * five alternate BENCH_ROUNDS times (default 3), keeping the best.
 * For profiling, BENCH_ONLY=NAME measures one of them, BENCH_SECTOR=512
 * or 4096 one block size, BENCH_THREADS=1 or 2 one thread count and
 * BENCH_OP=read or write one operation.
 * Rates are per second of the threads' CPU time (a shared machine's other
 * load does not count); prints them and the ratios, asserts nothing.
 *
 *   bench-engine [DIR]       (DIR: where the pool goes; default /dev/shm)
 */
#include <fcntl.h>
#include <libpmemblk.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "pmem-flush.h"
#include <pmemctl/libpmemctl.h>

#define POOL_SIZE (256ULL << 20)
#define MAX_THREADS 2
#define VIEW_OFF 4096		/* the pool's BTT view in the file */
#define BTT_AT 4096		/* its v1.1 BTT in the view */

enum impl { PMEMBLK, ENGINE, LIMIT, LIMIT_NT, FLOOR, NIMPL };
static const char *const impl_name[] = {
	"libpmemblk", "pmemctl", "limit", "limit-nt", "floor",
};

struct bench {
	const char *path;
	uint32_t bsize;
	uint64_t nblock;
	double seconds;
	enum pmem_flush flush;
	struct pmemctl_ctx *ctx;
	/* the implementation under test */
	PMEMblkpool *blk;
	struct pmemctl_media *file, *view;
	struct pmemctl_btt *btt;
	uint8_t *map;
	uint64_t dataoff;	/* LIMIT: file offset of block 0 */
	uint64_t mapoff;	/* FLOOR: file offset of the BTT map */
	uint32_t stride;	/* LIMIT: internal lbasize */
};

struct worker {
	struct bench *b;
	enum impl impl;
	unsigned idx;		/* thread number */
	bool write;
	uint64_t seed, ops;
	double cpu;		/* seconds of CPU the thread used */
	int rc;
	pthread_t tid;
};

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* FLOOR: the commit record, 16 bytes in the thread's own line (the
 * last blocks' first lines, which random I/O rarely touches). */
static void limit_commit(struct bench *b, const struct worker *w,
			 uint64_t lba)
{
	uint64_t *rec = (uint64_t *)(b->map + b->dataoff +
				     (b->nblock - 1 - w->idx) * b->stride);

	__atomic_store_n(&rec[0], lba, __ATOMIC_RELAXED);
	__atomic_store_n(&rec[1], w->ops, __ATOMIC_RELAXED);
	pmem_flush_range(b->flush, rec, 2 * sizeof(*rec));
	pmem_drain(b->flush);
}

/* FLOOR: the block @lba's map entry names (BTT map entry: flags in the
 * top two bits, none: the LBA itself). */
static uint64_t limit_block(struct bench *b, uint64_t lba)
{
	uint32_t raw = __atomic_load_n((uint32_t *)(b->map + b->mapoff) + lba,
				       __ATOMIC_RELAXED);

	return raw >> 30 ? (raw & 0x3fffffff) % b->nblock : lba;
}

static int limit_io(struct bench *b, const struct worker *w, uint64_t lba,
		    uint8_t *buf)
{
	uint8_t *p = b->map + b->dataoff + lba * b->stride;

	if (!w->write) {
		if (w->impl == FLOOR)
			p = b->map + b->dataoff +
			    limit_block(b, lba) * b->stride;
		memcpy(buf, p, b->bsize);
		return 0;
	}
	if (w->impl != LIMIT) {
		pmem_copy_flush(b->flush, p, buf, b->bsize);
	} else {
		memcpy(p, buf, b->bsize);
		pmem_flush_range(b->flush, p, b->bsize);
	}
	pmem_drain(b->flush);
	if (w->impl == FLOOR)
		limit_commit(b, w, lba);
	return 0;
}

static int one_io(struct worker *w, uint64_t lba, uint8_t *buf)
{
	struct bench *b = w->b;

	switch (w->impl) {
	case PMEMBLK:
		return w->write ? pmemblk_write(b->blk, buf, (long long)lba) :
				  pmemblk_read(b->blk, buf, (long long)lba);
	case ENGINE:
		return w->write ? pmemctl_btt_write(b->btt, lba, buf) :
				  pmemctl_btt_read(b->btt, lba, buf);
	default:
		return limit_io(b, w, lba, buf);
	}
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint8_t buf[4096];
	double end = now() + w->b->seconds;
	double cpu = clock_s(CLOCK_THREAD_CPUTIME_ID);

	memset(buf, (int)w->seed, sizeof(buf));
	while (!w->rc) {
		for (unsigned i = 0; i < 64 && !w->rc; i++, w->ops++) {
			buf[0] = (uint8_t)w->ops;
			w->rc = one_io(w, rnd(&w->seed) % w->b->nblock, buf);
		}
		if (now() >= end)
			break;
	}
	w->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - cpu;
	return NULL;
}

static int limit_map(struct bench *b)
{
	int fd = open(b->path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	b->map = mmap(NULL, POOL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	close(fd);
	return b->map == MAP_FAILED ? -1 : 0;
}

static int impl_open(struct bench *b, enum impl impl)
{
	int rc;

	if (impl == PMEMBLK) {
		b->blk = pmemblk_open(b->path, b->bsize);
		return b->blk ? 0 : -1;
	}
	if (impl >= LIMIT)
		return limit_map(b);
	rc = pmemctl_media_map_file(b->ctx, b->path, 0, PMEMCTL_MEDIA_WRITE |
				    PMEMCTL_MEDIA_PERSISTENT_MAPPING, &b->file);
	rc = rc ?: pmemctl_media_open_pmemblk(b->file, &b->view);
	return rc ?: pmemctl_btt_open(b->ctx, b->view, NULL,
				      PMEMCTL_MEDIA_WRITE, &b->btt);
}

static void impl_close(struct bench *b)
{
	if (b->blk)
		pmemblk_close(b->blk);
	pmemctl_btt_close(b->btt);
	pmemctl_media_close(b->view);
	pmemctl_media_close(b->file);
	if (b->map && b->map != MAP_FAILED)
		munmap(b->map, POOL_SIZE);
	b->blk = NULL;
	b->btt = NULL;
	b->view = b->file = NULL;
	b->map = NULL;
}

/*
 * Fault every page of the mapping in before timing (tmpfs maps 4 KiB
 * pages; every implementation would otherwise pay a fault per first
 * touch): write one block per page, in order, then read every block.
 * The reads matter for a BTT: its writes land in free blocks, not in
 * the pages of the LBAs written, so after the writes alone about a
 * third of the data pages of a 512-byte pool were still unmapped and
 * the engine's timed reads faulted them in.
 */
static int warm_up(struct bench *b, enum impl impl)
{
	struct worker w = { .b = b, .impl = impl, .write = true };
	uint64_t step = b->bsize < 4096 ? 4096 / b->bsize : 1;
	uint8_t buf[4096];
	int rc = 0;

	memset(buf, 0xa5, sizeof(buf));
	for (uint64_t lba = 0; !rc && lba < b->nblock; lba += step)
		rc = one_io(&w, lba, buf);
	w.write = false;
	for (uint64_t lba = 0; !rc && lba < b->nblock; lba++)
		rc = one_io(&w, lba, buf);
	return rc;
}

/*
 * Operations per second of @impl with @nthreads, each thread's operations
 * over the CPU time it used (summed over the threads: the rate with a CPU
 * each), so that time the machine gave to other processes does not
 * count; < 0 on failure.
 */
static double measure(struct bench *b, enum impl impl, unsigned nthreads,
		      bool write)
{
	const char *only = getenv("BENCH_ONLY");	/* profiling: one impl */
	struct worker w[MAX_THREADS];
	unsigned started = 0;
	double rate = 0;
	int rc = 0;

	if (only && strcmp(only, impl_name[impl]))
		return 1;
	if (impl_open(b, impl) || warm_up(b, impl)) {
		fprintf(stderr, "bench-engine: cannot open %s as %s\n",
			b->path, impl_name[impl]);
		impl_close(b);
		return -1;
	}
	for (unsigned i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .b = b, .impl = impl, .idx = i,
					.write = write, .seed = 0x9E3779B97F4A7C15ULL * (i + 1) };
		started += !pthread_create(&w[i].tid, NULL, work, &w[i]);
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		rate += w[i].cpu > 0 ? w[i].ops / w[i].cpu : 0;
		rc |= w[i].rc;
	}
	impl_close(b);
	if (rc || started != nthreads) {
		fprintf(stderr, "bench-engine: %s: an I/O failed\n",
			impl_name[impl]);
		return -1;
	}
	return rate;
}

/* A pool with its BTT laid out (libpmemblk does on its first write). */
static int pool_create(struct bench *b)
{
	struct pmemctl_media *file = NULL, *view = NULL;
	struct pmemctl_btt_info info;
	uint8_t buf[4096] = { 0 };
	PMEMblkpool *p;
	int rc;

	unlink(b->path);
	p = pmemblk_create(b->path, b->bsize, POOL_SIZE, 0600);
	if (!p || pmemblk_write(p, buf, 0)) {
		fprintf(stderr, "bench-engine: pmemblk_create %s: %s\n",
			b->path, pmemblk_errormsg());
		return -1;
	}
	b->nblock = pmemblk_nblock(p);
	pmemblk_close(p);
	rc = pmemctl_media_open_file(b->ctx, b->path, 0, POOL_SIZE, 0, &file);
	rc = rc ?: pmemctl_media_open_pmemblk(file, &view);
	rc = rc ?: pmemctl_media_get_btt_info(view, BTT_AT, &info);
	pmemctl_media_close(view);
	pmemctl_media_close(file);
	b->dataoff = VIEW_OFF + BTT_AT + info.dataoff;
	b->mapoff = VIEW_OFF + BTT_AT + info.mapoff;
	b->stride = info.internal_lbasize;
	return rc;
}

/* Every block written once (by the engine), so reads read data. */
static int pool_fill(struct bench *b)
{
	uint8_t buf[4096];
	int rc = impl_open(b, ENGINE);

	memset(buf, 0x5a, sizeof(buf));
	for (uint64_t lba = 0; !rc && lba < b->nblock; lba++)
		rc = pmemctl_btt_write(b->btt, lba, buf);
	impl_close(b);
	return rc;
}

static void describe(struct bench *b)
{
	char model[256] = "?", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			snprintf(model, sizeof(model), "%s",
				 strchr(line, ':') + 2);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	if (f)
		fclose(f);
	uname(&u);
	printf("# machine: %s, %ld CPUs online, kernel %s\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.release);
	printf("# pool: %s (%llu MiB), flush: %s + sfence, libpmemblk %d.%d with PMEM_IS_PMEM_FORCE=%s\n",
	       b->path, POOL_SIZE >> 20, pmem_flush_name(b->flush),
	       PMEMBLK_MAJOR_VERSION, PMEMBLK_MINOR_VERSION,
	       getenv("PMEM_IS_PMEM_FORCE"));
	printf("# %.2f s per measurement, best of %s rounds; thousands of ops per second of thread CPU time, summed over the threads\n",
	       b->seconds, getenv("BENCH_ROUNDS") ? getenv("BENCH_ROUNDS") : "3");
}

/*
 * The last two columns are what no BTT on the kernel's format could beat
 * (the floor) against libpmemblk and against the limit: where they fall
 * below a target, the target is out of reach on this machine.
 */
static void print_row(uint32_t bsize, unsigned threads, bool write,
		      const double *best)
{
	printf("%6u %7u %-5s %10.1f %10.1f %10.1f %10.1f %10.1f %10.2fx %9.0f%% %9.0f%% %9.0f%% %10.2fx %9.0f%%\n",
	       bsize, threads, write ? "write" : "read", best[PMEMBLK] / 1e3,
	       best[ENGINE] / 1e3, best[LIMIT] / 1e3, best[LIMIT_NT] / 1e3,
	       best[FLOOR] / 1e3, best[ENGINE] / best[PMEMBLK],
	       100 * best[ENGINE] / best[LIMIT],
	       100 * best[ENGINE] / best[LIMIT_NT],
	       100 * best[ENGINE] / best[FLOOR],
	       best[FLOOR] / best[PMEMBLK], 100 * best[FLOOR] / best[LIMIT]);
	fflush(stdout);
}

/* The cell is one BENCH_THREADS and BENCH_OP leave out (profiling). */
static bool cell_skipped(unsigned threads, bool write)
{
	const char *t = getenv("BENCH_THREADS"), *op = getenv("BENCH_OP");

	return (t && (unsigned)atoi(t) != threads) ||
	       (op && strcmp(op, write ? "write" : "read"));
}

static void run_block_size(struct bench *b, unsigned rounds)
{
	static const unsigned threads[] = { 1, 2 };

	if (pool_create(b) || pool_fill(b))
		return;
	for (unsigned wr = 0; wr < 2; wr++)
		for (unsigned t = 0; t < 2; t++) {
			double best[NIMPL] = { 0 };

			if (cell_skipped(threads[t], !wr))
				continue;
			for (unsigned r = 0; r < rounds; r++)
				for (unsigned i = 0; i < NIMPL; i++) {
					double x = measure(b, i, threads[t],
							   !wr);

					best[i] = x > best[i] ? x : best[i];
				}
			print_row(b->bsize, threads[t], !wr, best);
		}
	unlink(b->path);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/dev/shm";
	const char *secs = getenv("BENCH_SECONDS");
	const char *rounds = getenv("BENCH_ROUNDS");
	const char *sector = getenv("BENCH_SECTOR");
	struct bench b = { .seconds = secs ? atof(secs) : 0.5 };
	struct pmem_cpu cpu;
	char path[4096];

	/* libpmem reads it when it loads: set it and start again */
	if (!getenv("PMEM_IS_PMEM_FORCE")) {
		setenv("PMEM_IS_PMEM_FORCE", "1", 1);
		execv("/proc/self/exe", argv);
		perror("bench-engine: execv");
		return 1;
	}
	pmem_cpu_probe(&cpu);
	if (pmem_flush_pick(&cpu, getenv(PMEM_FLUSH_ENV), &b.flush) ||
	    pmemctl_new(&b.ctx)) {
		fprintf(stderr, "bench-engine: no cache flush on this CPU\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/pmemctl-bench-engine-%d.pool", dir,
		 (int)getpid());
	b.path = path;
	describe(&b);
	printf("%6s %7s %-5s %10s %10s %10s %10s %10s %11s %10s %10s %9s %11s %10s\n",
	       "sector", "threads", "op", impl_name[0], impl_name[1],
	       impl_name[2], impl_name[3], impl_name[4], "vs pmemblk",
	       "of limit", "of lim-nt", "of floor", "floor/pmblk",
	       "floor/lim");
	for (uint32_t bs = 4096; bs >= 512; bs /= 8) {
		if (sector && (uint32_t)atoi(sector) != bs)
			continue;
		b.bsize = bs;
		run_block_size(&b, rounds ? (unsigned)atoi(rounds) : 3);
	}
	pmemctl_free(b.ctx);
	return 0;
}
