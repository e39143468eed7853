// SPDX-License-Identifier: LGPL-2.1-only
/*
 * PFN (fsdax) and DAX (devdax) info blocks as the kernel's nd_pfn_init()
 * lays them out (formats.md D.4): struct pages in DRAM (map=mem) or on the
 * device between 8 KiB and dataoff (map=dev), data aligned to
 * max(align, 2 MiB).
 */
#include "pfn.h"
#include "pfnlayout.h"

int pfn_compute(uint64_t start, uint64_t size, uint32_t mode, uint64_t align,
		struct pfn_layout *out)
{
	uint64_t a = align > PFN_COMPAT_ALIGN ? align : PFN_COMPAT_ALIGN;
	uint64_t npfns0, offset, end_trunc;

	if (start % PFN_COMPAT_ALIGN || size <= PFN_RESERVE)
		return -EINVAL;
	end_trunc = start + size - ALIGN_DOWN(start + size, a);
	npfns0 = (size - PFN_RESERVE) / PFN_PAGE_SIZE;
	if (mode == PFN_MODE_PMEM)
		offset = ALIGN_UP(start + PFN_RESERVE +
				  PFN_PAGE_STRUCT_SIZE * npfns0, a) - start;
	else if (mode == PFN_MODE_RAM)
		offset = ALIGN_UP(start + PFN_RESERVE, a) - start;
	else
		return -EINVAL;
	if (offset >= size - end_trunc)
		return -ENOSPC;
	out->dataoff = offset;
	out->end_trunc = end_trunc;
	out->npfns = (size - offset - end_trunc) / PFN_PAGE_SIZE;
	return 0;
}

void pfn_fill_sb(const struct pfn_layout *l, bool dax, uint32_t mode,
		 uint64_t align, const uint8_t uuid[16],
		 const uint8_t *parent_uuid, struct nd_pfn_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
	memcpy(sb->signature, dax ? DAX_SIG : PFN_SIG, PFN_SIG_LEN);
	memcpy(sb->uuid, uuid, 16);
	if (parent_uuid)
		memcpy(sb->parent_uuid, parent_uuid, 16);
	put_le16(&sb->version_major, 1);
	put_le16(&sb->version_minor, PFN_VERSION_MINOR);
	put_le64(&sb->dataoff, l->dataoff);
	put_le64(&sb->npfns, l->npfns);
	put_le32(&sb->mode, mode);
	put_le32(&sb->end_trunc, (uint32_t)l->end_trunc);
	put_le32(&sb->align, (uint32_t)align);
	put_le32(&sb->page_size, PFN_PAGE_SIZE);
	put_le16(&sb->page_struct_size, PFN_PAGE_STRUCT_SIZE);
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

int pfn_write_layout(struct pmemctl_media *ns, bool dax, uint32_t mode,
		     uint64_t align, const uint8_t uuid[16],
		     const uint8_t *parent_uuid)
{
	struct pfn_layout l;
	struct nd_pfn_sb sb;
	int rc;

	/* the namespace starts 2 MiB-aligned in guest physical space */
	rc = pfn_compute(0, pmemctl_media_size(ns), mode, align, &l);
	if (rc)
		return rc;
	pfn_fill_sb(&l, dax, mode, align, uuid, parent_uuid, &sb);
	rc = pmemctl_media_write(ns, PFN_INFO_OFFSET, &sb, sizeof(sb));
	return rc ? rc : pmemctl_media_flush(ns);
}
