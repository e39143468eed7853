/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * CPU cache flushes for a persistent mapping: write each cache line of a
 * range back (CLWB, else CLFLUSHOPT, else CLFLUSH, picked at run time
 * from CPUID), then one store fence per ordering point.
 */
#ifndef PMEMCTL_PMEM_FLUSH_H
#define PMEMCTL_PMEM_FLUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#define PMEM_X86 1
#endif

#define PMEM_CACHELINE 64

enum pmem_flush {
	PMEM_FLUSH_NONE,	/* no cache-flush mode */
	PMEM_FLUSH_CLFLUSH,
	PMEM_FLUSH_CLFLUSHOPT,
	PMEM_FLUSH_CLWB,
};

/* What CPUID says the CPU has. */
struct pmem_cpu {
	bool clflush, clflushopt, clwb;
};

/* Names the PMEMCTL_PMEM_FLUSH environment variable takes to force one. */
#define PMEM_FLUSH_ENV "PMEMCTL_PMEM_FLUSH"

void pmem_cpu_probe(struct pmem_cpu *cpu);
/*
 * The best flush @cpu has, or the one named by @force ("clwb",
 * "clflushopt", "clflush"; NULL or "": the best).  -EINVAL: an unknown
 * name; -EOPNOTSUPP: the named one (or, unforced, any) is missing.
 */
int pmem_flush_pick(const struct pmem_cpu *cpu, const char *force,
		    enum pmem_flush *out);
const char *pmem_flush_name(enum pmem_flush f);
/*
 * Write back every cache line of [addr, addr + len); no fence.  Inline:
 * the BTT engine's hot path flushes a map entry or a log entry with it.
 * Each flush clobbers memory: the compiler may not move a store to the
 * range (which the operand, one byte of the line, does not name) past it.
 */
static inline void pmem_flush_range(enum pmem_flush f, const void *addr,
				    size_t len)
{
#ifdef PMEM_X86
	const char *p = (const char *)((uintptr_t)addr &
				       ~(uintptr_t)(PMEM_CACHELINE - 1));
	const char *end = (const char *)addr + len;

	if (!len || f == PMEM_FLUSH_NONE)
		return;
	for (; p < end; p += PMEM_CACHELINE)
		if (f == PMEM_FLUSH_CLWB)
			__asm__ volatile("clwb %0"
					 : "+m"(*(volatile char *)p)
					 : : "memory");
		else if (f == PMEM_FLUSH_CLFLUSHOPT)
			__asm__ volatile("clflushopt %0"
					 : "+m"(*(volatile char *)p)
					 : : "memory");
		else
			__asm__ volatile("clflush %0"
					 : "+m"(*(volatile char *)p)
					 : : "memory");
#else
	(void)f;
	(void)addr;
	(void)len;
#endif
}
/*
 * memcpy() and pmem_flush_range() in one: with CLWB or CLFLUSHOPT, from
 * PMEM_STREAM_MIN bytes on, the whole cache lines are written with
 * non-temporal stores, which bypass the cache (no read of the old line,
 * nothing to flush) and are ordered by the same SFENCE.  No fence.
 */
#define PMEM_STREAM_MIN 256
void pmem_copy_flush(enum pmem_flush f, void *dst, const void *src,
		     size_t len);
/* Order the flushes (and streaming stores) issued so far before any
 * later store: SFENCE; nothing after CLFLUSH, which is ordered itself. */
static inline void pmem_drain(enum pmem_flush f)
{
#ifdef PMEM_X86
	if (f == PMEM_FLUSH_CLWB || f == PMEM_FLUSH_CLFLUSHOPT)
		__asm__ volatile("sfence" ::: "memory");
#else
	(void)f;
#endif
}

#endif /* PMEMCTL_PMEM_FLUSH_H */
