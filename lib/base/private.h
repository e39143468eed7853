/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The base of libpmemctl's layers, shared by every source file: compiler
 * helpers, little-endian on-media integers, the context and its logger.
 */
#ifndef PMEMCTL_PRIVATE_H
#define PMEMCTL_PRIVATE_H

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>

#include "libpmemctl.h"

#define PMEMCTL_EXPORT __attribute__((visibility("default")))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) ((((x) + (a) - 1) / (a)) * (a))
#define ALIGN_DOWN(x, a) (((x) / (a)) * (a))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define SZ_4K 0x1000ULL
#define SZ_8K 0x2000ULL
#define SZ_2M 0x200000ULL
#define SZ_16M 0x1000000ULL
#define SZ_128K 0x20000ULL

/*
 * Packed on-media integers, little-endian.  Each width is its own type of
 * alignment 1: a field's address is always safe to take, and the
 * accessors below take only a field of exactly their width.  A field of
 * another width, a void * or a byte pointer does not build, and neither
 * does a write to a const field:
 *
 *	get_le64(&sb->nfree)	on a le32 field: no _Generic association
 */
typedef struct { uint16_t v; } __attribute__((packed)) le16;
typedef struct { uint32_t v; } __attribute__((packed)) le32;
typedef struct { uint64_t v; } __attribute__((packed)) le64;

static_assert(sizeof(le16) == 2 && _Alignof(le16) == 1, "le16");
static_assert(sizeof(le32) == 4 && _Alignof(le32) == 1, "le32");
static_assert(sizeof(le64) == 8 && _Alignof(le64) == 1, "le64");

static inline uint16_t le16_get(const le16 *p) { return le16toh(p->v); }
static inline uint32_t le32_get(const le32 *p) { return le32toh(p->v); }
static inline uint64_t le64_get(const le64 *p) { return le64toh(p->v); }
static inline void le16_put(le16 *p, uint16_t v) { p->v = htole16(v); }
static inline void le32_put(le32 *p, uint32_t v) { p->v = htole32(v); }
static inline void le64_put(le64 *p, uint64_t v) { p->v = htole64(v); }

#define get_le16(p) \
	_Generic((p), le16 *: le16_get, const le16 *: le16_get)(p)
#define get_le32(p) \
	_Generic((p), le32 *: le32_get, const le32 *: le32_get)(p)
#define get_le64(p) \
	_Generic((p), le64 *: le64_get, const le64 *: le64_get)(p)
#define put_le16(p, v) _Generic((p), le16 *: le16_put)(p, v)
#define put_le32(p, v) _Generic((p), le32 *: le32_put)(p, v)
#define put_le64(p, v) _Generic((p), le64 *: le64_put)(p, v)

struct pmemctl_ctx {
	pmemctl_log_fn log_fn;
	int log_priority;
	void *userdata;
	/*
	 * Test hook: wrap every backing file a platform opens (power-cut
	 * injection).  Returns 0 and a media holding a reference on @m.
	 */
	int (*media_wrap)(struct pmemctl_media *m, void *arg,
			  struct pmemctl_media **out);
	void *media_wrap_arg;
};

void pmemctl_log(struct pmemctl_ctx *ctx, int priority, const char *file,
		 int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

#define pmemctl_log_cond(ctx, prio, ...) \
	do { \
		if ((ctx) && (ctx)->log_priority >= (prio)) \
			pmemctl_log(ctx, prio, __FILE__, __LINE__, __func__, \
				    __VA_ARGS__); \
	} while (0)

#define err(ctx, ...) pmemctl_log_cond(ctx, LOG_ERR, __VA_ARGS__)
#define warn(ctx, ...) pmemctl_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define notice(ctx, ...) pmemctl_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define info(ctx, ...) pmemctl_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define dbg(ctx, ...) pmemctl_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)

/* Sorted-insertion-free helpers for fixed strings */
static inline bool mem_is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/*
 * An allocation failed: say so through the logger and return -ENOMEM.
 * Allocation failures are reported where they happen, once, and are never
 * turned into a finding about the media.
 */
#define log_oom(ctx, who) \
	({ err(ctx, "%s: out of memory", (who)); -ENOMEM; })

#endif /* PMEMCTL_PRIVATE_H */
