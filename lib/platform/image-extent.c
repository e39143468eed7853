// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Free-space accounting on a region's DIMM physical address range, as the
 * kernel reports it (formats.md E.3): allocated extents are rounded outward
 * to the allocation unit (align / nmappings) and what is left is summed
 * (available_size) or its largest run taken (max_available_extent).
 * Image backend: the scan fills the region's fields from these, and
 * creating a namespace takes the lowest free extent.
 */
#include "image.h"

/*
 * Walk the free gaps of the single mapping; @fn is called with each gap
 * (aligned inward).  Returns false if an allocation crosses the end.
 *
 * The walk needs no memory: the scan keeps a region's namespaces sorted
 * by DPA (seeds, which own no space, last), and rounding every extent
 * outward to the same unit keeps them sorted.  A label-less region has no
 * namespace with a uuid, so all of it is free: what it offers once it
 * gets labels.
 */
static bool for_each_free_extent(struct pmemctl_region *r,
				 void (*fn)(uint64_t start, uint64_t len,
					    void *arg),
				 void *arg)
{
	uint64_t unit = r->align / r->nmappings;
	uint64_t map_start = r->mappings[0].offset;
	uint64_t map_end = map_start + r->mappings[0].length;
	uint64_t pos = ALIGN_UP(map_start, unit);

	for (unsigned i = 0; i < r->nnamespaces; i++) {
		struct image_namespace *ns = image_ns(r->namespaces[i]);
		uint64_t start, end;

		if (ns->ns.is_seed || !ns->ns.has_uuid)
			continue;
		start = ALIGN_DOWN(ns->dpa, unit);
		end = ALIGN_UP(ns->dpa + ns->ns.raw_size, unit);
		if (end > map_end)
			return false;
		if (start > pos)
			fn(pos, start - pos, arg);
		if (end > pos)
			pos = end;
	}
	if (ALIGN_DOWN(map_end, unit) > pos)
		fn(pos, ALIGN_DOWN(map_end, unit) - pos, arg);
	return true;
}

static void add_len(uint64_t start, uint64_t len, void *arg)
{
	(void)start;
	*(uint64_t *)arg += len;
}

struct largest {
	uint64_t start, len;
};

static void take_largest(uint64_t start, uint64_t len, void *arg)
{
	struct largest *l = arg;

	if (len > l->len) {
		l->start = start;
		l->len = len;
	}
}

uint64_t region_available_size(struct pmemctl_region *r)
{
	uint64_t total = 0;

	if (!r->labelled)
		return 0;	/* label-less regions cannot be carved */
	if (!for_each_free_extent(r, add_len, &total))
		return 0;
	return total * r->nmappings;
}

uint64_t region_max_available_extent(struct pmemctl_region *r)
{
	struct largest l = { 0, 0 };

	if (!r->labelled || !for_each_free_extent(r, take_largest, &l))
		return 0;
	return l.len * r->nmappings;
}

struct first_fit {
	uint64_t want, start;
	bool found;
};

static void first_fit(uint64_t start, uint64_t len, void *arg)
{
	struct first_fit *f = arg;

	if (!f->found && len >= f->want) {
		f->start = start;
		f->found = true;
	}
}

int region_find_free_dpa(struct pmemctl_region *r, uint64_t size,
			 uint64_t *dpa)
{
	struct first_fit f = { .want = size / r->nmappings };

	if (!for_each_free_extent(r, first_fit, &f) || !f.found)
		return -ENOSPC;
	*dpa = f.start;
	return 0;
}
