/* SPDX-License-Identifier: LGPL-2.1-only */
/* Internal declarations shared by libpmemctl's source files. */
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

/* Packed on-media integers: the struct fields are plain integers holding
 * little-endian bytes; these read and write them. */
typedef uint16_t le16;
typedef uint32_t le32;
typedef uint64_t le64;

/*
 * Little-endian access to packed on-media fields, given the field's
 * address.  The field is copied bytewise, so the access is alignment-safe
 * on every architecture.  The width is checked at compile time: the
 * pointer must point at an object of exactly that many bytes, so
 * get_le64(&sb->nfree) on a 32-bit field (or a void * or byte pointer)
 * does not build.
 */
static inline uint16_t load16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t load64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void store16(void *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void store32(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void store64(void *p, uint64_t v) { memcpy(p, &v, 8); }

#define LE_FIELD(p, n) ({ \
	_Static_assert(sizeof(*(p)) == (n), \
		       "little-endian field of the wrong width"); \
	(p); })

#define get_le16(p) le16toh(load16(LE_FIELD(p, 2)))
#define get_le32(p) le32toh(load32(LE_FIELD(p, 4)))
#define get_le64(p) le64toh(load64(LE_FIELD(p, 8)))
#define put_le16(p, v) store16(LE_FIELD(p, 2), htole16(v))
#define put_le32(p, v) store32(LE_FIELD(p, 4), htole32(v))
#define put_le64(p, v) store64(LE_FIELD(p, 8), htole64(v))

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

/*
 * Power-cut injection: a media that passes the first @budget write, zero
 * and flush operations through, then loses power: the operation at the
 * cut reaches the media only in part (its first half, 8-byte aligned) when
 * @tear is set, and nothing after it does.  Writes after the cut still
 * "succeed", as they would to a caller that cannot see the power go.
 * One media_fault may be shared by several media: one power domain.
 */
struct media_fault {
	uint64_t budget;
	uint64_t ops;		/* operations seen so far */
	bool tear;
	bool cut;
};

int media_new_faulty(struct pmemctl_media *parent, struct media_fault *f,
		     struct pmemctl_media **out);

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

struct pmemctl_ctx *pmemctl_media_get_ctx(struct pmemctl_media *media);

/*
 * The first offset at or after @off (below @end) that may hold data: on a
 * sparse file everything before it is a hole and reads as zeroes.  Media
 * that cannot tell (memory, block devices) answer @off.  Never an error:
 * when in doubt, there is data.
 */
uint64_t media_data_from(struct pmemctl_media *media, uint64_t off,
			 uint64_t end);

/* Sorted-insertion-free helpers for fixed strings */
static inline bool mem_is_zero(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* fsync-free checksum for 4 KiB info blocks: checksum in the last 8 bytes */
uint64_t pmemctl_sb_checksum(const void *block4k);

#endif /* PMEMCTL_PRIVATE_H */
