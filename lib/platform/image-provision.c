// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Carving namespaces on image platforms: the image provider's ns_apply
 * (create, reconfigure) and ns_destroy carry out a plan (plan.c) by writing
 * labels and laying out each mode (raw, sector, fsdax, devdax) the way the
 * kernel and ndctl would have.  Order for crash safety: wipe and lay out
 * the media range first, commit the label last.  A layout written into
 * free space is invisible until its label commits; a label commit is one
 * index write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <uuid/uuid.h>

#include "image.h"
#include "infoblock.h"
#include "pfnlayout.h"

static struct pmemctl_ctx *region_ctx(struct pmemctl_region *r)
{
	return r->bus->ctx;
}

/*
 * Retire whatever layout the range holds, the BTT backup info blocks
 * first (check-btt would restore a BTT from one): cut off in between, the
 * old BTT is whole but without backups (check-btt --repair restores them),
 * never a raw-looking range beside a backup that could be "recovered".
 * Then [0, 8K), which holds every primary BTT, PFN and DAX info block.
 */
static int wipe_layout(struct pmemctl_media *m)
{
	uint64_t size = pmemctl_media_size(m);
	int rc = btt_wipe_backups(m);

	return rc ?: pmemctl_media_zero(m, 0, size < INFO_RESERVE ?
					size : INFO_RESERVE);
}

/* Wipe the old layout of the range and write the mode's. */
static int write_layout(struct pmemctl_media *m, const struct ns_plan *p,
			enum pmemctl_label_version v, struct pmemctl_ctx *ctx)
{
	uint8_t claim_uuid[16];
	int rc;

	rc = wipe_layout(m);
	if (rc)
		return rc;
	uuid_generate(claim_uuid);
	switch (p->mode) {
	case PMEMCTL_NS_MODE_SECTOR:
		/* v1.2 labels carry the BTT2 claim: BTT 2.0 at offset 0 */
		rc = btt_write_layout(ctx, m, v == PMEMCTL_LABEL_V1_2 ? 2 : 1,
				      p->sector_size, claim_uuid, p->uuid);
		break;
	case PMEMCTL_NS_MODE_FSDAX:
	case PMEMCTL_NS_MODE_DEVDAX:
		rc = pfn_write_layout(m, p->mode == PMEMCTL_NS_MODE_DEVDAX,
				      p->map == PMEMCTL_MAP_MEM ? PFN_MODE_RAM
								: PFN_MODE_PMEM,
				      p->align, claim_uuid, p->uuid);
		break;
	default:
		break;
	}
	return rc ? rc : pmemctl_media_flush(m);
}

static const uint8_t *claim_guid(enum pmemctl_ns_mode mode)
{
	static const uint8_t none[16];

	switch (mode) {
	case PMEMCTL_NS_MODE_SECTOR:
		return nvdimm_btt2_guid;
	case PMEMCTL_NS_MODE_FSDAX:
		return nvdimm_pfn_guid;
	case PMEMCTL_NS_MODE_DEVDAX:
		return nvdimm_dax_guid;
	default:
		return none;
	}
}

/* Stage the namespace's label, free @old_slot (or -1), commit. */
static int commit_label(struct pmemctl_region *r, const struct ns_plan *p,
			uint64_t dpa, int old_slot)
{
	struct pmemctl_lsa *lsa = region_dimm(r)->lsa;
	enum pmemctl_label_version v = pmemctl_lsa_get_version(lsa);
	struct nd_namespace_label l;
	unsigned slot;
	int rc;

	memset(&l, 0, sizeof(l));
	memcpy(l.uuid, p->uuid, 16);
	memcpy(l.name, p->name, NSLABEL_NAME_LEN);
	put_le16(&l.nlabel, (uint16_t)r->nmappings);
	put_le16(&l.position, 0);
	put_le64(&l.isetcookie, pmemctl_region_compute_cookie(r, v));
	put_le64(&l.lbasize, p->label_lbasize);
	put_le64(&l.dpa, dpa);
	put_le64(&l.rawsize, p->size);
	if (v == PMEMCTL_LABEL_V1_2) {
		memcpy(l.type_guid, nvdimm_pmem_type_guid, 16);
		memcpy(l.abstraction_guid, claim_guid(p->mode), 16);
	}
	rc = lsa_stage_label(lsa, &l, &slot);
	if (rc)
		return rc;
	if (old_slot >= 0)
		lsa_stage_free(lsa, (unsigned)old_slot);
	return lsa_commit(lsa);
}

/*
 * A label-less region gets v1.2 labels first, as ndctl's autolabel.  No
 * rescan (that needs memory, and the labels are already on the media):
 * the region is now labelled and empty, its label-less namespace has no
 * uuid and so owns no space.
 */
static int ensure_labels(struct pmemctl_region *r)
{
	struct image_dimm *dimm = region_dimm(r);
	struct pmemctl_lsa *lsa;
	int rc;

	if (r->labelled)
		return 0;
	info(region_ctx(r), "%s: initialising v1.2 labels", dimm->dimm.devname);
	rc = lsa_create(region_ctx(r), dimm->lsa_media, dimm->dimm.devname,
			PMEMCTL_LABEL_V1_2, &lsa);
	if (rc)
		return rc;
	pmemctl_lsa_free(dimm->lsa);
	dimm->lsa = lsa;
	r->labelled = true;
	r->label_version = PMEMCTL_LABEL_V1_2;
	return 0;
}

/*
 * Label the region if it has no labels, write the layout at @dpa, commit
 * the label.  Every allocation comes before the first write (the media
 * view here, the label area in lsa_create()), and nothing between the
 * first write and the commit allocates: a failed allocation leaves the
 * media as it was (only the caller's rescan after the commit allocates
 * again).
 */
static int provision(struct pmemctl_region *r, const struct ns_plan *p,
		     uint64_t dpa, int old_slot)
{
	struct image_dimm *dimm = region_dimm(r);
	struct pmemctl_media *m;
	int rc;

	/* the label must fit before any byte of the layout is written */
	if (r->labelled && pmemctl_lsa_get_nfree(dimm->lsa) <= 1) {
		err(region_ctx(r), "%s: no free label slots (one stays free for updates)",
		    dimm->dimm.devname);
		return -ENOSPC;
	}
	rc = pmemctl_media_new_slice(dimm->media, dpa, p->size, &m);
	if (rc)
		return rc;
	rc = ensure_labels(r);
	if (!rc)
		rc = write_layout(m, p, pmemctl_lsa_get_version(dimm->lsa),
				  region_ctx(r));
	pmemctl_media_close(m);
	if (!rc)
		rc = commit_label(r, p, dpa, old_slot);
	return rc;
}

/*
 * Reconfigure rewrites the target's range and replaces its label; create
 * takes the lowest free extent (of a label-less region: all of it, once
 * labelled), giving a label-less region labels first.
 */
int image_ns_apply(const struct ns_plan *p)
{
	struct pmemctl_region *r = p->region;
	bool was_labelled = r->labelled;
	uint64_t dpa;
	int rc;

	if (p->target)
		return provision(r, p, image_ns(p->target)->dpa,
				 (int)image_ns(p->target)->label_slot);
	rc = region_find_free_dpa(r, p->size, &dpa);
	rc = rc ?: provision(r, p, dpa, -1);
	/* failed after labelling: the handles must show the new labels */
	if (rc && r->labelled != was_labelled)
		image_scan_region(r);
	return rc;
}

int image_ns_destroy(struct pmemctl_namespace *ns)
{
	struct pmemctl_region *r = ns->region;
	struct pmemctl_lsa *lsa = region_dimm(r)->lsa;
	struct pmemctl_media *m;
	int rc;

	rc = pmemctl_namespace_open_media(ns, &m);
	if (rc)
		return rc;
	/*
	 * Free the label first, then wipe the info blocks and BTT backups
	 * (ndctl wipes first, and only the info blocks): interrupted, the
	 * namespace is either still whole or gone, with stale metadata only
	 * in free space, which every create wipes the same way before use.
	 * Label-less namespaces only get wiped.
	 */
	if (r->labelled) {
		lsa_stage_free(lsa, image_ns(ns)->label_slot);
		rc = lsa_commit(lsa);
	}
	rc = rc ?: wipe_layout(m);
	rc = rc ?: pmemctl_media_flush(m);
	pmemctl_media_close(m);
	return rc;
}
