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
 * The places a BTT's backup info blocks are looked for on @m (by check-btt,
 * ndctl and the arena split of either version): count the 4 KiB blocks there
 * that carry the BTT signature, and with @wipe zero them (not flushed).
 * *@first (may be NULL) gets the first one's offset.  Returns the count or
 * a negative errno.
 */
int btt_find_backups(struct pmemctl_media *m, bool wipe, uint64_t *first);
/* Zero and flush those blocks: no BTT can be restored from @m after. */
int btt_wipe_backups(struct pmemctl_media *m);

/*
 * A valid info block of another kind where the kernel probes: a PFN or DAX
 * info block at 4 KiB, or a BTT of the version other than @major (1 or 2;
 * 0 = none expected) at that version's start.  Valid means signature and
 * checksum (and the BTT version); the parent uuid is not compared, since
 * whichever namespace it names, the space was last laid out that way.
 * Returns 1 with *@what ("an fsdax (PFN)", "a BTT 2.0", ...) and *@where
 * set, 0 if there is none, or a negative errno.
 */
int infoblock_find_foreign(struct pmemctl_media *m, unsigned major,
			   const char **what, uint64_t *where);

/*
 * Why @sb is not a PFN (@sig == PFN_SIG) or DAX info block for a namespace
 * whose uuid is @ns_uuid (all zero / NULL for label-less), or NULL.
 */
const char *pfn_sb_invalid_reason(const struct nd_pfn_sb *sb, const char *sig,
				  const uint8_t *ns_uuid);

/* Alignment with the version defaults applied (formats.md D.3). */
uint64_t pfn_sb_align(const struct nd_pfn_sb *sb);

#endif /* PMEMCTL_INFOBLOCK_H */
