/* SPDX-License-Identifier: LGPL-2.1-only */
/* On-media PFN (fsdax) / DAX (devdax) info block (formats.md D). */
#ifndef PMEMCTL_PFN_H
#define PMEMCTL_PFN_H

#include <stddef.h>

#include "format.h"

#define PFN_SIG "NVDIMM_PFN_INFO\0"
#define DAX_SIG "NVDIMM_DAX_INFO\0"
#define PFN_SIG_LEN 16
#define PFN_INFO_OFFSET 4096
#define PFN_INFO_SIZE 4096
#define PFN_RESERVE SZ_8K		/* nd_info_block_reserve() */
#define PFN_MODE_NONE 0
#define PFN_MODE_RAM 1
#define PFN_MODE_PMEM 2
#define PFN_VERSION_MINOR 4
#define PFN_PAGE_SIZE 4096
#define PFN_PAGE_STRUCT_SIZE 64
#define PFN_COMPAT_ALIGN SZ_2M		/* memremap_compat_align() on x86 */

struct nd_pfn_sb {
	uint8_t signature[PFN_SIG_LEN];
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	le32 flags;
	le16 version_major;
	le16 version_minor;
	le64 dataoff;
	le64 npfns;
	le32 mode;
	le32 start_pad;		/* minor >= 1 */
	le32 end_trunc;		/* minor >= 1 */
	le32 align;		/* minor >= 2 */
	le32 page_size;		/* minor >= 4 */
	le16 page_struct_size;	/* minor >= 4 */
	uint8_t padding[3994];
	le64 checksum;
} __attribute__((packed));

static_assert(sizeof(struct nd_pfn_sb) == PFN_INFO_SIZE, "pfn sb is 4 KiB");
static_assert(offsetof(struct nd_pfn_sb, dataoff) == 56, "");
static_assert(offsetof(struct nd_pfn_sb, mode) == 72, "");
static_assert(offsetof(struct nd_pfn_sb, align) == 84, "");
static_assert(offsetof(struct nd_pfn_sb, page_struct_size) == 92, "");
static_assert(offsetof(struct nd_pfn_sb, checksum) == 4088, "");

#endif /* PMEMCTL_PFN_H */
