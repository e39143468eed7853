/* SPDX-License-Identifier: LGPL-2.1-only */
#ifndef PMEMCTL_PFNLAYOUT_H
#define PMEMCTL_PFNLAYOUT_H

#include "pfn.h"

struct pfn_layout {
	uint64_t dataoff;
	uint64_t npfns;
	uint64_t end_trunc;
};

/*
 * Layout for a namespace at guest physical @start of @size bytes, PFN
 * @mode (PFN_MODE_RAM or PFN_MODE_PMEM) and mapping @align.  -EINVAL if
 * @start is not 2 MiB-aligned, -ENOSPC if nothing would be left.
 */
int pfn_compute(uint64_t start, uint64_t size, uint32_t mode, uint64_t align,
		struct pfn_layout *out);
void pfn_fill_sb(const struct pfn_layout *l, bool dax, uint32_t mode,
		 uint64_t align, const uint8_t uuid[16],
		 const uint8_t *parent_uuid, struct nd_pfn_sb *sb);
/* Write the info block at 4 KiB of @ns (the caller wiped [0, 8K)). */
int pfn_write_layout(struct pmemctl_media *ns, bool dax, uint32_t mode,
		     uint64_t align, const uint8_t uuid[16],
		     const uint8_t *parent_uuid);

#endif
