// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Free-space accounting on a region's DIMM physical address range, as the
 * kernel reports it (formats.md E.3): allocated extents are rounded outward
 * to the allocation unit (align / nmappings) and what is left is summed
 * (available_size) or its largest run taken (max_available_extent).
 * Image backend: the scan fills the region's fields from these, and
 * creating a namespace takes the lowest free extent.
 */
#include <stdlib.h>

#include "image.h"

struct extent {
	uint64_t start, end;	/* [start, end) */
};

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Allocated extents, rounded outward and sorted; caller frees. */
static struct extent *allocated_extents(struct pmemctl_region *r,
					unsigned *n)
{
	uint64_t unit = r->align / r->nmappings;
	struct extent *ext = calloc(r->nnamespaces + 1, sizeof(*ext));

	*n = 0;
	if (!ext)
		return NULL;
	for (unsigned i = 0; i < r->nnamespaces; i++) {
		struct image_namespace *ns = image_ns(r->namespaces[i]);

		if (ns->ns.is_seed || !ns->ns.has_uuid)
			continue;
		ext[*n].start = ALIGN_DOWN(ns->dpa, unit);
		ext[*n].end = ALIGN_UP(ns->dpa + ns->ns.raw_size, unit);
		(*n)++;
	}
	qsort(ext, *n, sizeof(*ext), cmp_extent);
	return ext;
}

/*
 * Walk the free gaps of the single mapping; @fn is called with each gap
 * (aligned inward).  Returns false if an allocation crosses the end.
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
	struct extent *ext;
	unsigned n;

	if (!r->labelled)
		return false;
	ext = allocated_extents(r, &n);
	if (!ext)
		return false;
	for (unsigned i = 0; i <= n; i++) {
		uint64_t end = i < n ? ext[i].start : ALIGN_DOWN(map_end, unit);

		if (i < n && ext[i].end > map_end) {
			free(ext);
			return false;
		}
		if (end > pos)
			fn(pos, end - pos, arg);
		if (i < n && ext[i].end > pos)
			pos = ext[i].end;
	}
	free(ext);
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

	if (!for_each_free_extent(r, take_largest, &l))
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
