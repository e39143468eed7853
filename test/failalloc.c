// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation-failure injection for the CLI tests, as an LD_PRELOAD shim:
 *
 *   FAILALLOC_NTH=N       the N-th malloc/calloc/realloc/aligned_alloc of
 *                         the process (counted from its start, 1-based)
 *                         fails with ENOMEM; every other one succeeds.
 *   FAILALLOC_REPORT=FILE when the failure is injected, FILE is created
 *                         (so a test knows whether N was reached).
 *   FAILALLOC_UUID=SEED   uuid_generate() returns uuids derived from SEED
 *                         and a counter, so that two runs of the same
 *                         command write the same bytes.
 *
 * glibc's own functions (strdup, asprintf, fopen, realpath, ...) allocate
 * through the public malloc symbols, so they fail here too.  This is a
 * test helper: its counters are process-global on purpose.  It cannot be
 * combined with AddressSanitizer, which must own malloc; the tests detect
 * that and skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);

static unsigned long nth, calls;
static const char *report;
static uint64_t uuid_seed, uuid_count;
static int armed;		/* 0: not yet read the environment */

static unsigned long env_ulong(const char *name)
{
	const char *v = getenv(name);

	return v ? strtoul(v, NULL, 0) : 0;
}

static void arm(void)
{
	if (armed)
		return;
	armed = 1;	/* getenv and strtoul do not allocate */
	nth = env_ulong("FAILALLOC_NTH");
	report = getenv("FAILALLOC_REPORT");
	uuid_seed = env_ulong("FAILALLOC_UUID");
}

static int should_fail(void)
{
	arm();
	if (!nth || ++calls != nth)
		return 0;
	if (report) {
		int fd = open(report, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);

		if (fd >= 0)
			close(fd);
	}
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t size)
{
	return should_fail() ? NULL : __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	return should_fail() ? NULL : __libc_realloc(p, size);
}

/* The BTT engine's state is allocated on whole cache lines. */
void *aligned_alloc(size_t align, size_t size)
{
	return should_fail() ? NULL : __libc_memalign(align, size);
}

/* Deterministic stand-in for libuuid's uuid_generate (version 4 bits). */
void uuid_generate(unsigned char out[16]);
void uuid_generate(unsigned char out[16])
{
	uint64_t a, b;

	arm();
	if (!uuid_seed) {
		/* not asked for: random as the real one, from the kernel */
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, out, 16) != 16)
			memset(out, 0x5a, 16);
		if (fd >= 0)
			close(fd);
	} else {
		a = uuid_seed * 0x9e3779b97f4a7c15ULL + ++uuid_count;
		b = a ^ 0xd1b54a32d192ed03ULL;
		memcpy(out, &a, 8);
		memcpy(out + 8, &b, 8);
	}
	out[6] = (out[6] & 0x0f) | 0x40;
	out[8] = (out[8] & 0x3f) | 0x80;
}
