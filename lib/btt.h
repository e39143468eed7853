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

static const uint32_t btt_supported_lbasizes[] = {
	512, 520, 528, 4096, 4104, 4160, 4224,
};

#endif /* PMEMCTL_BTT_H */
