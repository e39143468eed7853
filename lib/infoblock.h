/* SPDX-License-Identifier: LGPL-2.1-only */
/* Recognising BTT and PFN/DAX info blocks the way the kernel probes them. */
#ifndef PMEMCTL_INFOBLOCK_H
#define PMEMCTL_INFOBLOCK_H

#include "btt.h"
#include "pfn.h"

struct btt_summary {
	unsigned narenas;
	uint64_t external_nlba;		/* summed over the valid arenas */
	uint32_t external_lbasize;
	uint8_t uuid[16];
	bool complete;			/* every arena in the chain is valid */
};

/*
 * Walk the arena chain of a BTT starting at @start in @media as the
 * kernel's probe sees it: the arenas up to the first invalid one.
 * -ENODEV if the first is not valid.
 */
int btt_summarize(struct pmemctl_media *media, uint64_t start,
		  unsigned major, const uint8_t *ns_uuid,
		  struct btt_summary *sum);

/*
 * Why @sb is not a PFN (@sig == PFN_SIG) or DAX info block for a namespace
 * whose uuid is @ns_uuid (all zero / NULL for label-less), or NULL.
 */
const char *pfn_sb_invalid_reason(const struct nd_pfn_sb *sb, const char *sig,
				  const uint8_t *ns_uuid);

/* Alignment with the version defaults applied (formats.md D.3). */
uint64_t pfn_sb_align(const struct nd_pfn_sb *sb);

#endif /* PMEMCTL_INFOBLOCK_H */
