// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Deriving regions and namespaces from DIMM labels and info blocks, the
 * way the kernel does at probe time (formats.md B.3, C.7, D.5, E.3), for
 * platforms where no kernel has done it for us: the image provider's
 * scan, at open (image_scan) and after a change (image_scan_region).
 */
#include <stdio.h>
#include <stdlib.h>

#include "image.h"
#include "infoblock.h"

static enum claim_class claim_from_guid(const uint8_t guid[16])
{
	static const uint8_t zero[16];

	if (!memcmp(guid, zero, 16))
		return CLAIM_NONE;
	if (!memcmp(guid, nvdimm_btt_guid, 16))
		return CLAIM_BTT;
	if (!memcmp(guid, nvdimm_btt2_guid, 16))
		return CLAIM_BTT2;
	if (!memcmp(guid, nvdimm_pfn_guid, 16))
		return CLAIM_PFN;
	if (!memcmp(guid, nvdimm_dax_guid, 16))
		return CLAIM_DAX;
	return CLAIM_UNKNOWN;
}

void namespace_set_names(struct pmemctl_namespace *ns)
{
	unsigned r = ns->region->id;

	snprintf(ns->devname, sizeof(ns->devname), "namespace%u.%u", r, ns->id);
	if (ns->id == 0)
		snprintf(ns->blockdev, sizeof(ns->blockdev), "pmem%u", r);
	else
		snprintf(ns->blockdev, sizeof(ns->blockdev), "pmem%u.%u", r,
			 ns->id);
	ns->chardev[0] = '\0';
	if (ns->mode == PMEMCTL_NS_MODE_SECTOR)
		strcat(ns->blockdev, "s");
	if (ns->mode == PMEMCTL_NS_MODE_DEVDAX) {
		snprintf(ns->chardev, sizeof(ns->chardev), "dax%u.%u", r,
			 ns->id);
		ns->blockdev[0] = '\0';
	}
}

static bool probe_btt(struct pmemctl_namespace *ns, struct pmemctl_media *m,
		      unsigned major)
{
	uint64_t start = btt_start_offset(major);
	struct btt_summary sum;

	if (ns->raw_size < BTT_MIN_SIZE ||
	    btt_summarize(m, start, major, ns->has_uuid ? ns->uuid : NULL,
			  &sum))
		return false;
	ns->mode = PMEMCTL_NS_MODE_SECTOR;
	ns->sector_size = sum.external_lbasize;
	ns->size = sum.external_nlba * btt_sector_size(sum.external_lbasize);
	ns->claim_uuid_valid = true;
	memcpy(ns->claim_uuid, sum.uuid, 16);
	return true;
}

/*
 * fsdax and devdax share the info block at 4 KiB: read it once, accept the
 * signatures the namespace's claim class allows (PFN first, as the kernel).
 */
static bool probe_pfn(struct pmemctl_namespace *ns, struct pmemctl_media *m,
		      bool pfn, bool dax)
{
	const uint8_t *uuid = ns->has_uuid ? ns->uuid : NULL;
	struct nd_pfn_sb sb;
	uint64_t used;

	if (ns->raw_size < PFN_INFO_OFFSET + PFN_INFO_SIZE ||
	    pmemctl_media_read(m, PFN_INFO_OFFSET, &sb, sizeof(sb)))
		return false;
	if (pfn && !pfn_sb_invalid_reason(&sb, PFN_SIG, uuid))
		ns->mode = PMEMCTL_NS_MODE_FSDAX;
	else if (dax && !pfn_sb_invalid_reason(&sb, DAX_SIG, uuid))
		ns->mode = PMEMCTL_NS_MODE_DEVDAX;
	else
		return false;
	ns->map = get_le32(&sb.mode) == PFN_MODE_RAM ? PMEMCTL_MAP_MEM
						     : PMEMCTL_MAP_DEV;
	ns->align = pfn_sb_align(&sb);
	used = get_le64(&sb.dataoff);
	if (get_le16(&sb.version_minor) >= 1)
		used += (uint64_t)get_le32(&sb.start_pad) +
			get_le32(&sb.end_trunc);
	ns->size = used < ns->raw_size ? ns->raw_size - used : 0;
	ns->claim_uuid_valid = true;
	memcpy(ns->claim_uuid, sb.uuid, 16);
	return true;
}

/*
 * Decide the namespace's personality: BTT, then PFN, then DAX, else raw.
 * Fails only when the namespace cannot be looked at (no memory for its
 * media view): that is an error, never "raw".
 */
int namespace_probe_mode(struct pmemctl_namespace *ns)
{
	struct pmemctl_media *m = NULL;
	enum claim_class c = ns->claim;
	int rc = 0;

	ns->mode = PMEMCTL_NS_MODE_RAW;
	ns->map = PMEMCTL_MAP_NONE;
	ns->size = ns->raw_size;
	ns->sector_size = image_ns(ns)->lbasize ? image_ns(ns)->lbasize : 512;
	ns->align = 0;
	ns->claim_uuid_valid = false;
	if (!ns->is_seed)
		rc = pmemctl_namespace_open_media(ns, &m);
	if (ns->is_seed || rc)
		goto out;
	if (c == CLAIM_BTT2 && probe_btt(ns, m, 2))
		goto out;
	if ((c == CLAIM_NONE || c == CLAIM_BTT) && probe_btt(ns, m, 1))
		goto out;
	if (c == CLAIM_NONE || c == CLAIM_PFN || c == CLAIM_DAX)
		probe_pfn(ns, m, c != CLAIM_DAX, c != CLAIM_PFN);
out:
	pmemctl_media_close(m);
	namespace_set_names(ns);
	return rc;
}

static struct image_namespace *ns_new(struct pmemctl_region *region)
{
	struct pmemctl_namespace **v;
	struct image_namespace *ns;

	v = realloc(region->namespaces,
		    (region->nnamespaces + 1) * sizeof(*v));
	if (!v)
		return NULL;
	region->namespaces = v;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ns->ns.region = region;
	v[region->nnamespaces++] = &ns->ns;
	return ns;
}

/* Why the label in @slot cannot form a namespace here, or NULL. */
static const char *label_reject_reason(struct pmemctl_region *region,
				       struct pmemctl_lsa *lsa, unsigned slot)
{
	struct nd_namespace_label *l = lsa_label(lsa, slot);
	enum pmemctl_label_version v = pmemctl_lsa_get_version(lsa);
	struct region_mapping *map = &region->mappings[0];
	uint64_t dpa = get_le64(&l->dpa), rawsize = get_le64(&l->rawsize);
	uint64_t cookie = get_le64(&l->isetcookie);

	if (get_le32(&l->flags) & NSLABEL_FLAG_LOCAL)
		return "BLK (local) labels are not supported";
	if (dpa < map->offset || dpa > map->offset + map->length)
		return "outside the region";
	if (cookie != pmemctl_region_compute_cookie(region, v))
		return "interleave-set cookie does not match the region";
	if (v == PMEMCTL_LABEL_V1_2 &&
	    memcmp(l->type_guid, nvdimm_pmem_type_guid, 16) != 0)
		return "type GUID is not persistent memory";
	if (get_le16(&l->nlabel) != region->nmappings ||
	    get_le16(&l->position) >= region->nmappings)
		return "nlabel/position do not match the interleave set";
	if (rawsize == 0 || rawsize > map->offset + map->length - dpa)
		return "extent exceeds the region";
	return NULL;
}

static int cmp_ns_dpa(const void *a, const void *b)
{
	const struct image_namespace *x = image_ns(*(void *const *)a);
	const struct image_namespace *y = image_ns(*(void *const *)b);

	if (x->ns.is_seed != y->ns.is_seed)
		return x->ns.is_seed ? 1 : -1;
	return x->dpa < y->dpa ? -1 : x->dpa > y->dpa;
}

static bool uuid_seen(struct pmemctl_region *region, const uint8_t *uuid)
{
	for (unsigned i = 0; i < region->nnamespaces; i++)
		if (region->namespaces[i]->has_uuid &&
		    !memcmp(region->namespaces[i]->uuid, uuid, 16))
			return true;
	return false;
}

static int scan_labelled(struct pmemctl_region *region, struct pmemctl_lsa *lsa)
{
	struct pmemctl_ctx *ctx = region->bus->ctx;
	unsigned nslot = pmemctl_lsa_get_nslot(lsa);
	struct image_namespace *ns;

	for (unsigned s = 0; s < nslot; s++) {
		struct nd_namespace_label *l;
		const char *why;

		if (!lsa_slot_active(lsa, s))
			continue;
		l = lsa_label(lsa, s);
		why = label_reject_reason(region, lsa, s);
		if (!why && uuid_seen(region, l->uuid))
			why = "more than one label for the namespace (discontiguous namespaces are not supported)";
		if (why) {
			info(ctx, "%s: label in slot %u ignored: %s",
			     region->devname, s, why);
			continue;
		}
		ns = ns_new(region);
		if (!ns)
			return log_oom(ctx, region->devname);
		ns->ns.has_uuid = true;
		memcpy(ns->ns.uuid, l->uuid, 16);
		memcpy(ns->ns.name, l->name, NSLABEL_NAME_LEN);
		ns->dpa = get_le64(&l->dpa);
		ns->ns.raw_size = get_le64(&l->rawsize);
		ns->lbasize = (uint32_t)get_le64(&l->lbasize);
		if (ns->lbasize != 4096)
			ns->lbasize = 512;
		ns->label_slot = s;
		ns->ns.claim = pmemctl_lsa_get_version(lsa) == PMEMCTL_LABEL_V1_2 ?
			    claim_from_guid(l->abstraction_guid) : CLAIM_NONE;
	}
	/* the kernel numbers label namespaces by address, then adds a seed */
	ns = ns_new(region);
	if (!ns)
		return log_oom(ctx, region->devname);
	ns->ns.is_seed = true;
	/* sorted by DPA: extent.c walks free space in this order */
	qsort(region->namespaces, region->nnamespaces,
	      sizeof(*region->namespaces), cmp_ns_dpa);
	for (unsigned i = 0; i < region->nnamespaces; i++) {
		int rc;

		region->namespaces[i]->id = i;
		rc = namespace_probe_mode(region->namespaces[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int scan_labelless(struct pmemctl_region *region)
{
	struct image_namespace *ns = ns_new(region);

	if (!ns)
		return log_oom(region->bus->ctx, region->devname);
	ns->ns.raw_size = region->size;
	ns->ns.claim = CLAIM_NONE;
	return namespace_probe_mode(&ns->ns);
}

static int scan_region(struct pmemctl_bus *bus, unsigned i)
{
	struct pmemctl_region *region = bus->regions[i];
	struct image_dimm *dimm = image_dimm(bus->dimms[i]);
	int rc;

	region->bus = bus;
	region->id = i;
	snprintf(region->devname, sizeof(region->devname), "region%u", i);
	region->size = dimm->media_size;
	/* the kernel's default_align(): 16 MiB unless the region is smaller */
	region->align = region->size >= SZ_16M ? SZ_16M : SZ_4K;
	region->nmappings = 1;
	region->mappings[0] = (struct region_mapping){
		.dimm = &dimm->dimm, .offset = 0, .length = dimm->media_size,
	};
	pmemctl_lsa_free(dimm->lsa);
	dimm->lsa = NULL;
	rc = lsa_load(bus->ctx, dimm->lsa_media, dimm->dimm.devname,
		      &dimm->lsa);
	if (rc == -ENODATA) {
		region->labelled = false;
		return scan_labelless(region);
	}
	if (rc)
		return rc;
	region->labelled = true;
	region->label_version = pmemctl_lsa_get_version(dimm->lsa);
	return scan_labelled(region, dimm->lsa);
}

/* What the kernel's region attributes would say after the scan. */
static void region_set_facts(struct pmemctl_region *r)
{
	/* the kernel uses cookie2 unless the index is v1.1 */
	r->iset_cookie = pmemctl_region_compute_cookie(r,
		r->labelled ? r->label_version : PMEMCTL_LABEL_V1_2);
	r->available_size = region_available_size(r);
	r->max_available_extent = region_max_available_extent(r);
}

static void region_free_namespaces(struct pmemctl_region *r)
{
	for (unsigned j = 0; j < r->nnamespaces; j++)
		free(image_ns(r->namespaces[j]));
	free(r->namespaces);
	r->namespaces = NULL;
	r->nnamespaces = 0;
}

void image_free_regions(struct pmemctl_bus *bus)
{
	struct image_bus *ib = image_bus(bus);

	for (unsigned i = 0; i < bus->nregions; i++)
		region_free_namespaces(bus->regions[i]);
	free(bus->regions);
	free(ib->regions);
	bus->regions = NULL;
	ib->regions = NULL;
	bus->nregions = 0;
}

/* Replace one region's namespace handles; the others stay valid. */
int image_scan_region(struct pmemctl_region *r)
{
	int rc;

	region_free_namespaces(r);
	rc = scan_region(r->bus, r->id);
	region_set_facts(r);
	return rc;
}

/* One region per DIMM, as QEMU presents non-interleaved NVDIMMs. */
int image_scan(struct pmemctl_bus *bus)
{
	struct image_bus *ib = image_bus(bus);
	int rc = 0;

	ib->regions = calloc(bus->ndimms, sizeof(*ib->regions));
	bus->regions = calloc(bus->ndimms, sizeof(*bus->regions));
	if (!ib->regions || !bus->regions)
		return log_oom(bus->ctx, bus->devname);
	for (unsigned i = 0; i < bus->ndimms && !rc; i++) {
		bus->regions[i] = &ib->regions[i];
		bus->nregions = i + 1;
		rc = scan_region(bus, i);
		region_set_facts(bus->regions[i]);
	}
	return rc;
}
