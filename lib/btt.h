/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * On-media layout of the Block Translation Table (formats.md C): the 4 KiB
 * arena info block, map entries and flog (log) groups.  Little-endian.
 */
#ifndef PMEMCTL_BTT_H
#define PMEMCTL_BTT_H

#include <stddef.h>

#include "private.h"

#define BTT_SIG "BTT_ARENA_INFO\0\0"
#define BTT_SIG_LEN 16
#define BTT_INFO_SIZE 4096
#define BTT_PG_SIZE 4096
#define BTT_NFREE 256			/* ND_MAX_LANES */
#define BTT_LOG_GROUP_SIZE 64
#define BTT_LOG_ENTRY_SIZE 16
#define BTT_MAP_ENTRY_SIZE 4
#define BTT_ARENA_MIN_SIZE (16ULL << 20)
#define BTT_ARENA_MAX_SIZE (512ULL << 30)
#define BTT_MIN_SIZE BTT_ARENA_MIN_SIZE
#define BTT_INT_LBASIZE_ALIGN 64	/* INT_LBASIZE_ALIGNMENT */
#define BTT1_START_OFFSET 4096		/* v1.1 */
#define BTT2_START_OFFSET 0		/* v2.0 */
#define BTT_IB_FLAG_ERROR 0x1

#define BTT_MAP_TRIM_FLAG 0x80000000u	/* Z */
#define BTT_MAP_ERR_FLAG 0x40000000u	/* E */
#define BTT_MAP_NORMAL 0xC0000000u
#define BTT_MAP_LBA_MASK 0x3FFFFFFFu

struct btt_sb {
	uint8_t signature[BTT_SIG_LEN];
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	le32 flags;
	le16 version_major;
	le16 version_minor;
	le32 external_lbasize;
	le32 external_nlba;
	le32 internal_lbasize;
	le32 internal_nlba;
	le32 nfree;
	le32 infosize;
	le64 nextoff;
	le64 dataoff;
	le64 mapoff;
	le64 logoff;
	le64 info2off;
	uint8_t padding[3968];
	le64 checksum;
} __attribute__((packed));

static_assert(sizeof(struct btt_sb) == BTT_INFO_SIZE, "btt_sb is 4 KiB");
static_assert(offsetof(struct btt_sb, flags) == 48, "");
static_assert(offsetof(struct btt_sb, external_lbasize) == 56, "");
static_assert(offsetof(struct btt_sb, nfree) == 72, "");
static_assert(offsetof(struct btt_sb, nextoff) == 80, "");
static_assert(offsetof(struct btt_sb, mapoff) == 96, "");
static_assert(offsetof(struct btt_sb, info2off) == 112, "");
static_assert(offsetof(struct btt_sb, checksum) == 4088, "");

struct btt_log_entry {
	le32 lba;
	le32 old_map;
	le32 new_map;
	le32 seq;
} __attribute__((packed));

struct btt_log_group {
	struct btt_log_entry ent[4];
} __attribute__((packed));

static_assert(sizeof(struct btt_log_entry) == BTT_LOG_ENTRY_SIZE, "");
static_assert(sizeof(struct btt_log_group) == BTT_LOG_GROUP_SIZE, "");

/* The flog: one 64-byte group per lane, rounded up to a page. */
#define BTT_LOG_SIZE \
	ALIGN_UP((uint64_t)BTT_NFREE * BTT_LOG_GROUP_SIZE, BTT_PG_SIZE)
#define BTT_LOG_SEQ_INIT 1
/* Post-map block numbers are 30 bits wide. */
#define BTT_MAX_INTERNAL_NLBA (BTT_MAP_LBA_MASK + 1ULL)

static_assert(BTT_LOG_SIZE == 16384, "flog of 256 lanes is 16 KiB");
static_assert(BTT_INT_LBASIZE_ALIGN == 64, "kernel INT_LBASIZE_ALIGNMENT");
static_assert(offsetof(struct btt_log_group, ent[1]) == 16, "");
static_assert(offsetof(struct btt_log_entry, seq) == 12, "");

/*
 * One arena as the kernel's create_arenas()/alloc_arena() lay it out
 * (formats.md C.3).  @offset is from the start of the BTT (the raw area
 * after initial_offset); the other offsets are relative to the arena
 * start, as they are stored in the info block.
 */
struct btt_arena_layout {
	uint64_t offset;
	uint64_t size;
	uint64_t nextoff, dataoff, mapoff, logoff, info2off;
	uint32_t internal_lbasize, internal_nlba, external_nlba;
};

bool btt_lbasize_supported(uint32_t lbasize);

/* roundup(lbasize, INT_LBASIZE_ALIGNMENT) */
static inline uint32_t btt_internal_lbasize(uint32_t lbasize)
{
	return (uint32_t)ALIGN_UP((uint64_t)lbasize, BTT_INT_LBASIZE_ALIGN);
}

/*
 * Split @rawsize bytes into arenas for @lbasize.  Returns 0 and a
 * malloc()ed array, or -EINVAL for an unsupported lbasize or a raw area
 * under 16 MiB.
 */
int btt_compute_layout(uint64_t rawsize, uint32_t lbasize,
		       struct btt_arena_layout **arenas, unsigned *narenas);

/* Bytes the BTT exports: sum of external_nlba * sector size; 0 if none. */
uint64_t btt_usable_size(uint64_t rawsize, uint32_t lbasize);

/*
 * The info block the kernel's btt_arena_write_layout() writes for @a,
 * checksum included.  @major is 1 (v1.1) or 2 (v2.0); @parent_uuid may be
 * NULL for a label-less namespace (all zero).
 */
void btt_layout_fill_sb(const struct btt_arena_layout *a, unsigned major,
			uint32_t lbasize, const uint8_t uuid[16],
			const uint8_t *parent_uuid, struct btt_sb *sb);

/* Media offset of the first arena for a BTT version (1: 4096, 2: 0). */
static inline uint64_t btt_start_offset(unsigned major)
{
	return major == 1 ? BTT1_START_OFFSET : BTT2_START_OFFSET;
}

/*
 * Write a fresh BTT over the whole of @ns exactly as the kernel's
 * btt_meta_init() does (formats.md C.6): per arena, the map is zeroed
 * (holes on sparse files), the flog zeroed and given its initial
 * entries, then the info block written at info2off and at offset 0, with
 * flushes in between.  The data area is not touched.
 */
int btt_write_layout(struct pmemctl_ctx *ctx, struct pmemctl_media *ns,
		     unsigned major, uint32_t lbasize, const uint8_t uuid[16],
		     const uint8_t parent_uuid[16]);

#endif /* PMEMCTL_BTT_H */
