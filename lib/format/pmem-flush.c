// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Cache flushes for persistent mappings (pmem-flush.h).  CLWB and
 * CLFLUSHOPT are weakly ordered: the writer issues them for every line of
 * each range it must make durable and then one SFENCE where its protocol
 * orders one step before the next.  CLFLUSH is ordered with respect to
 * later stores by itself, so it needs no fence.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pmem-flush.h"

#ifdef PMEM_X86
#include <cpuid.h>
#include <emmintrin.h>
#endif

#define ALIGN_DOWN_LINE(x) ((x) & ~(size_t)(PMEM_CACHELINE - 1))

void pmem_cpu_probe(struct pmem_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
#ifdef PMEM_X86
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d))
		cpu->clflush = d & (1u << 19);
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		cpu->clflushopt = b & (1u << 23);
		cpu->clwb = b & (1u << 24);
	}
#endif
}

static const char *const flush_names[] = {
	[PMEM_FLUSH_NONE] = "none",
	[PMEM_FLUSH_CLFLUSH] = "clflush",
	[PMEM_FLUSH_CLFLUSHOPT] = "clflushopt",
	[PMEM_FLUSH_CLWB] = "clwb",
};

const char *pmem_flush_name(enum pmem_flush f)
{
	return flush_names[f];
}

static bool cpu_has(const struct pmem_cpu *cpu, enum pmem_flush f)
{
	return f == PMEM_FLUSH_CLWB ? cpu->clwb :
	       f == PMEM_FLUSH_CLFLUSHOPT ? cpu->clflushopt :
	       f == PMEM_FLUSH_CLFLUSH ? cpu->clflush : false;
}

int pmem_flush_pick(const struct pmem_cpu *cpu, const char *force,
		    enum pmem_flush *out)
{
	enum pmem_flush f;

	*out = PMEM_FLUSH_NONE;
	if (force && *force) {
		for (f = PMEM_FLUSH_CLFLUSH; f <= PMEM_FLUSH_CLWB; f++)
			if (!strcmp(force, flush_names[f]))
				break;
		if (f > PMEM_FLUSH_CLWB)
			return -EINVAL;
		if (!cpu_has(cpu, f))
			return -EOPNOTSUPP;
		*out = f;
		return 0;
	}
	for (f = PMEM_FLUSH_CLWB; f >= PMEM_FLUSH_CLFLUSH; f--)
		if (cpu_has(cpu, f)) {
			*out = f;
			return 0;
		}
	return -EOPNOTSUPP;
}

#ifdef PMEM_X86
/* Whole 64-byte lines from @src to the 64-byte aligned @dst, bypassing
 * the cache (SSE2 streaming stores: no read of the old line, no flush). */
static void stream_lines(char *dst, const char *src, size_t len)
{
	for (; len >= PMEM_CACHELINE; len -= PMEM_CACHELINE) {
		__m128i a = _mm_loadu_si128((const __m128i *)src);
		__m128i b = _mm_loadu_si128((const __m128i *)(src + 16));
		__m128i c = _mm_loadu_si128((const __m128i *)(src + 32));
		__m128i d = _mm_loadu_si128((const __m128i *)(src + 48));

		_mm_stream_si128((__m128i *)dst, a);
		_mm_stream_si128((__m128i *)(dst + 16), b);
		_mm_stream_si128((__m128i *)(dst + 32), c);
		_mm_stream_si128((__m128i *)(dst + 48), d);
		dst += PMEM_CACHELINE;
		src += PMEM_CACHELINE;
	}
}
#endif

void pmem_copy_flush(enum pmem_flush f, void *dst, const void *src,
		     size_t len)
{
	char *d = dst;
	const char *s = src;
#ifdef PMEM_X86
	size_t head = -(uintptr_t)d & (PMEM_CACHELINE - 1), body;

	if ((f == PMEM_FLUSH_CLWB || f == PMEM_FLUSH_CLFLUSHOPT) &&
	    len >= PMEM_STREAM_MIN + head) {
		memcpy(d, s, head);
		pmem_flush_range(f, d, head);
		body = ALIGN_DOWN_LINE(len - head);
		stream_lines(d + head, s + head, body);
		d += head + body;
		s += head + body;
		len -= head + body;
	}
#endif
	memcpy(d, s, len);
	pmem_flush_range(f, d, len);
}
