// SPDX-License-Identifier: LGPL-2.1-only
/* Bus, DIMM and region handles: iteration, getters and label commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

PMEMCTL_EXPORT void pmemctl_bus_close(struct pmemctl_bus *bus)
{
	while (bus) {
		struct pmemctl_bus *next = bus->next;

		bus->ops->close(bus);
		bus = next;
	}
}

PMEMCTL_EXPORT struct pmemctl_bus *pmemctl_bus_get_next(struct pmemctl_bus *bus)
{
	return bus->next;
}

PMEMCTL_EXPORT const char *pmemctl_bus_get_devname(struct pmemctl_bus *bus)
{
	return bus->devname;
}

PMEMCTL_EXPORT const char *pmemctl_bus_get_provider(struct pmemctl_bus *bus)
{
	return bus->provider[0] ? bus->provider : bus->ops->provider;
}

PMEMCTL_EXPORT const char *
pmemctl_bus_get_platform_path(struct pmemctl_bus *bus)
{
	return bus->ops->platform_path ? bus->ops->platform_path(bus) : NULL;
}

/* An image platform is one that lives in a directory. */
PMEMCTL_EXPORT bool pmemctl_bus_is_image(struct pmemctl_bus *bus)
{
	return pmemctl_bus_get_platform_path(bus) != NULL;
}

PMEMCTL_EXPORT int pmemctl_bus_get_qemu_args(struct pmemctl_bus *bus,
					     uint64_t ram_size, char ***argv,
					     unsigned *argc)
{
	if (!bus->ops->qemu_args) {
		err(bus->ctx, "%s: QEMU arguments exist only for image platforms",
		    bus->devname);
		return -EOPNOTSUPP;
	}
	return bus->ops->qemu_args(bus, ram_size, argv, argc);
}

/* ---- rescans ------------------------------------------------------------ */

int region_rescan(struct pmemctl_region *r)
{
	return r->bus->ops->scan_region(r);
}

int region_read(struct pmemctl_region *r)
{
	int rc;

	if (!r->unread)
		return 0;
	rc = region_rescan(r);
	if (rc == -ENOMEM)
		return log_oom(r->bus->ctx, r->devname);
	if (rc) {
		err(r->bus->ctx, "%s: cannot read the region: %s", r->devname,
		    strerror(-rc));
		return rc;
	}
	r->unread = false;
	return 0;
}

int bus_read_regions(struct pmemctl_bus *bus)
{
	int rc = 0;

	for (unsigned i = 0; !rc && i < bus->nregions; i++)
		rc = region_read(bus->regions[i]);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_bus_scan(struct pmemctl_bus *bus)
{
	int rc = 0;

	for (; !rc && bus; bus = bus->next)
		rc = bus_read_regions(bus);
	return rc;
}

/* namespaceR.N is in regionR: only that region is read. */
PMEMCTL_EXPORT int pmemctl_bus_find_namespace(struct pmemctl_bus *bus,
					      const char *name,
					      struct pmemctl_namespace **ns)
{
	unsigned rid, id;
	char end;

	if (sscanf(name, "namespace%u.%u%c", &rid, &id, &end) != 2)
		return -ENOENT;
	for (; bus; bus = bus->next)
		for (unsigned i = 0; i < bus->nregions; i++) {
			struct pmemctl_region *r = bus->regions[i];
			int rc;

			if (r->id != rid)
				continue;
			rc = region_read(r);
			if (rc)
				return rc;
			for (unsigned j = 0; j < r->nnamespaces; j++)
				if (!strcmp(r->namespaces[j]->devname, name)) {
					*ns = r->namespaces[j];
					return 0;
				}
		}
	return -ENOENT;
}

static bool region_maps(struct pmemctl_region *r, struct pmemctl_dimm *dimm)
{
	for (unsigned j = 0; j < r->nmappings; j++)
		if (r->mappings[j].dimm == dimm)
			return true;
	return false;
}

/* After a label change: every region the DIMM maps into, and no other. */
int dimm_rescan(struct pmemctl_dimm *dimm)
{
	struct pmemctl_bus *bus = dimm->bus;
	int rc = bus_read_regions(bus);

	for (unsigned i = 0; !rc && i < bus->nregions; i++)
		if (region_maps(bus->regions[i], dimm))
			rc = region_rescan(bus->regions[i]);
	return rc;
}

/* ---- dimms -------------------------------------------------------------- */

struct pmemctl_dimm *dimm_read(struct pmemctl_dimm *dimm)
{
	if (dimm->unread) {
		dimm->bus->ops->read_dimm(dimm);
		dimm->unread = false;
	}
	return dimm;
}

/* The first DIMM of @bus or of the buses after it. */
PMEMCTL_EXPORT struct pmemctl_dimm *pmemctl_dimm_get_first(struct pmemctl_bus *bus)
{
	for (; bus; bus = bus->next)
		if (bus->ndimms)
			return bus->dimms[0];
	return NULL;
}

/* By position: the live kernel's ids need not be contiguous. */
PMEMCTL_EXPORT struct pmemctl_dimm *pmemctl_dimm_get_next(struct pmemctl_dimm *dimm)
{
	struct pmemctl_bus *bus = dimm->bus;

	for (unsigned i = 0; i < bus->ndimms; i++)
		if (bus->dimms[i] == dimm)
			return i + 1 < bus->ndimms ? bus->dimms[i + 1] :
			       bus->next ? pmemctl_dimm_get_first(bus->next) :
			       NULL;
	return NULL;
}

PMEMCTL_EXPORT struct pmemctl_bus *pmemctl_dimm_get_bus(struct pmemctl_dimm *d)
{
	return d->bus;
}

PMEMCTL_EXPORT unsigned pmemctl_dimm_get_id(struct pmemctl_dimm *d)
{
	return d->id;
}

PMEMCTL_EXPORT const char *pmemctl_dimm_get_devname(struct pmemctl_dimm *d)
{
	return d->devname;
}

PMEMCTL_EXPORT const char *pmemctl_dimm_get_unique_id(struct pmemctl_dimm *d)
{
	return dimm_read(d)->unique_id;
}

PMEMCTL_EXPORT uint32_t pmemctl_dimm_get_handle(struct pmemctl_dimm *d)
{
	return dimm_read(d)->handle;
}

PMEMCTL_EXPORT uint16_t pmemctl_dimm_get_phys_id(struct pmemctl_dimm *d)
{
	return dimm_read(d)->phys_id;
}

PMEMCTL_EXPORT uint32_t pmemctl_dimm_get_serial(struct pmemctl_dimm *d)
{
	return dimm_read(d)->serial;
}

PMEMCTL_EXPORT uint16_t pmemctl_dimm_get_vendor(struct pmemctl_dimm *d)
{
	return dimm_read(d)->vendor;
}

PMEMCTL_EXPORT uint64_t pmemctl_dimm_get_label_size(struct pmemctl_dimm *d)
{
	return d->label_size;
}

PMEMCTL_EXPORT uint16_t pmemctl_dimm_get_device(struct pmemctl_dimm *d)
{
	return dimm_read(d)->device;
}

PMEMCTL_EXPORT uint16_t pmemctl_dimm_get_revision(struct pmemctl_dimm *d)
{
	return dimm_read(d)->revision;
}

PMEMCTL_EXPORT bool pmemctl_dimm_is_enabled(struct pmemctl_dimm *d)
{
	return !dimm_read(d)->disabled;
}

PMEMCTL_EXPORT unsigned pmemctl_dimm_get_flags(struct pmemctl_dimm *d)
{
	return dimm_read(d)->flags;
}

PMEMCTL_EXPORT const char *pmemctl_dimm_get_image_path(struct pmemctl_dimm *d)
{
	const struct platform_ops *ops = d->bus->ops;

	return ops->dimm_image_path ? ops->dimm_image_path(d) : NULL;
}

PMEMCTL_EXPORT int pmemctl_dimm_enable(struct pmemctl_dimm *dimm)
{
	return dimm->bus->ops->dimm_enable(dimm);
}

PMEMCTL_EXPORT int pmemctl_dimm_disable(struct pmemctl_dimm *dimm)
{
	return dimm->bus->ops->dimm_disable(dimm);
}

/* ---- label storage area ------------------------------------------------- */

static int label_area(struct pmemctl_dimm *dimm, struct pmemctl_media **m)
{
	return dimm->bus->ops->label_area(dimm, m);
}

static int label_write_begin(struct pmemctl_dimm *dimm,
			     struct pmemctl_media **m)
{
	const struct platform_ops *ops = dimm->bus->ops;
	int rc = label_area(dimm, m);

	return rc || !ops->label_write_begin ? rc : ops->label_write_begin(dimm);
}

/* The area changed: let the platform re-read it; rescan in any case. */
static int label_write_end(struct pmemctl_dimm *dimm)
{
	const struct platform_ops *ops = dimm->bus->ops;
	int rc = ops->label_write_end ? ops->label_write_end(dimm) : 0;
	/* the labels changed even if the platform could not re-read them */
	int rescan = dimm_rescan(dimm);

	return rc ? rc : rescan;
}

PMEMCTL_EXPORT int pmemctl_dimm_label_area_size(struct pmemctl_dimm *dimm,
						uint64_t *size)
{
	struct pmemctl_media *m;
	int rc = label_area(dimm, &m);

	if (!rc)
		*size = pmemctl_media_size(m);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_dimm_read_lsa(struct pmemctl_dimm *dimm,
					 uint64_t offset, void *buf,
					 size_t len)
{
	struct pmemctl_media *m;
	int rc = label_area(dimm, &m);

	return rc ? rc : pmemctl_media_read(m, offset, buf, len);
}

PMEMCTL_EXPORT int pmemctl_dimm_write_lsa(struct pmemctl_dimm *dimm,
					  uint64_t offset, const void *buf,
					  size_t len)
{
	struct pmemctl_media *m;
	int rc = label_write_begin(dimm, &m);

	if (!rc)
		rc = pmemctl_media_write(m, offset, buf, len);
	if (!rc)
		rc = pmemctl_media_flush(m);
	if (!rc)
		rc = label_write_end(dimm);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_lsa_load(struct pmemctl_dimm *dimm,
				    struct pmemctl_lsa **lsa)
{
	struct pmemctl_media *m;
	int rc = label_area(dimm, &m);

	return rc ? rc : lsa_load(dimm->bus->ctx, m, dimm->devname, lsa);
}

/*
 * Labels on a label-less DIMM replace its namespace with an empty labelled
 * region: refuse, as create-namespace does, when that namespace is in use.
 */
PMEMCTL_EXPORT int pmemctl_dimm_refuse_relabel(struct pmemctl_dimm *dimm,
					       bool force)
{
	struct pmemctl_bus *bus = dimm->bus;
	int rc = bus_read_regions(bus);

	for (unsigned i = 0; !rc && i < bus->nregions; i++)
		if (region_maps(bus->regions[i], dimm))
			rc = region_refuse_relabel(bus->regions[i], force);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_dimm_init_labels(struct pmemctl_dimm *dimm,
					    enum pmemctl_label_version version,
					    bool force)
{
	struct pmemctl_ctx *ctx = dimm->bus->ctx;
	struct pmemctl_media *m;
	struct pmemctl_lsa *lsa;
	int rc;

	rc = pmemctl_lsa_load(dimm, &lsa);
	if (rc == 0) {
		enum pmemctl_label_version v = pmemctl_lsa_get_version(lsa);

		pmemctl_lsa_free(lsa);
		if (!force) {
			err(ctx, "%s: label area already holds a valid v1.%d index; use --force to overwrite",
			    dimm->devname, v == PMEMCTL_LABEL_V1_2 ? 2 : 1);
			return -EEXIST;
		}
	} else if (rc != -ENODATA) {
		return rc;
	} else {
		rc = pmemctl_dimm_refuse_relabel(dimm, force);
		if (rc)
			return rc;
	}
	rc = label_write_begin(dimm, &m);
	if (!rc)
		rc = lsa_init(ctx, m, dimm->devname, version);
	if (!rc)
		rc = label_write_end(dimm);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_dimm_zero_labels(struct pmemctl_dimm *dimm)
{
	struct pmemctl_media *m;
	int rc = label_write_begin(dimm, &m);

	if (!rc)
		rc = pmemctl_media_zero(m, 0, pmemctl_media_size(m));
	if (!rc)
		rc = pmemctl_media_flush(m);
	if (!rc)
		rc = label_write_end(dimm);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_dimm_check_labels(struct pmemctl_dimm *dimm,
					     struct pmemctl_index_info info[2])
{
	uint64_t size;
	uint8_t *data;
	unsigned lsz;
	int rc = pmemctl_dimm_label_area_size(dimm, &size);

	if (rc)
		return rc;
	data = malloc(size);
	if (!data)
		return log_oom(dimm->bus->ctx, dimm->devname);
	rc = pmemctl_dimm_read_lsa(dimm, 0, data, size);
	if (!rc) {
		lsa_probe_indexes(data, size, info, &lsz);
		rc = info[0].valid || info[1].valid ? 0 : -EBADMSG;
	}
	free(data);
	return rc;
}

/* ---- regions ------------------------------------------------------------ */

static struct pmemctl_namespace *ns_of_blockdev(struct pmemctl_region *r,
						const char *dev)
{
	for (unsigned j = 0; j < r->nnamespaces; j++)
		if (!strcmp(r->namespaces[j]->blockdev, dev))
			return r->namespaces[j];
	return NULL;
}

/* The region the platform names, or every region. */
PMEMCTL_EXPORT int pmemctl_bus_find_blockdev(struct pmemctl_bus *bus,
					     const char *dev,
					     struct pmemctl_namespace **ns)
{
	if (!dev[0])
		return -ENOENT;
	for (; bus; bus = bus->next) {
		struct pmemctl_region *only = NULL;
		int rc = bus->ops->blockdev_region ?
			 bus->ops->blockdev_region(bus, dev, &only) : 0;

		if (rc == -ENOENT)
			continue;
		if (rc)
			return rc;
		for (unsigned i = 0; i < bus->nregions; i++) {
			struct pmemctl_region *r = bus->regions[i];

			if (only && r != only)
				continue;
			rc = region_read(r);
			if (rc)
				return rc;
			*ns = ns_of_blockdev(r, dev);
			if (*ns)
				return 0;
		}
	}
	return -ENOENT;
}

/* A region as iteration hands it out: read; NULL (said) if it cannot be. */
static struct pmemctl_region *region_handle(struct pmemctl_region *r)
{
	return r && region_read(r) ? NULL : r;
}

/* The first region of @bus or of the buses after it. */
PMEMCTL_EXPORT struct pmemctl_region *pmemctl_region_get_first(struct pmemctl_bus *bus)
{
	for (; bus; bus = bus->next)
		if (bus->nregions)
			return region_handle(bus->regions[0]);
	return NULL;
}

PMEMCTL_EXPORT struct pmemctl_region *pmemctl_region_get_next(struct pmemctl_region *r)
{
	struct pmemctl_bus *bus = r->bus;

	for (unsigned i = 0; i < bus->nregions; i++)
		if (bus->regions[i] == r)
			return i + 1 < bus->nregions ?
			       region_handle(bus->regions[i + 1]) :
			       bus->next ? pmemctl_region_get_first(bus->next) :
			       NULL;
	return NULL;
}

PMEMCTL_EXPORT struct pmemctl_bus *pmemctl_region_get_bus(struct pmemctl_region *r)
{
	return r->bus;
}

PMEMCTL_EXPORT unsigned pmemctl_region_get_id(struct pmemctl_region *r)
{
	return r->id;
}

PMEMCTL_EXPORT const char *pmemctl_region_get_devname(struct pmemctl_region *r)
{
	return r->devname;
}

PMEMCTL_EXPORT uint64_t pmemctl_region_get_size(struct pmemctl_region *r)
{
	return r->size;
}

PMEMCTL_EXPORT uint64_t pmemctl_region_get_align(struct pmemctl_region *r)
{
	return r->align;
}

PMEMCTL_EXPORT const char *pmemctl_region_get_type_name(struct pmemctl_region *r)
{
	(void)r;
	return "pmem";
}

PMEMCTL_EXPORT bool pmemctl_region_is_labelled(struct pmemctl_region *r)
{
	return r->labelled;
}

PMEMCTL_EXPORT uint64_t pmemctl_region_get_iset_cookie(struct pmemctl_region *r)
{
	return r->iset_cookie;
}

PMEMCTL_EXPORT uint64_t pmemctl_region_get_available_size(struct pmemctl_region *r)
{
	return r->available_size;
}

PMEMCTL_EXPORT uint64_t
pmemctl_region_get_max_available_extent(struct pmemctl_region *r)
{
	return r->max_available_extent;
}

PMEMCTL_EXPORT bool pmemctl_region_is_enabled(struct pmemctl_region *r)
{
	return !r->disabled;
}

PMEMCTL_EXPORT int pmemctl_region_get_numa_node(struct pmemctl_region *r)
{
	return r->has_numa_node ? r->numa_node : -1;
}

PMEMCTL_EXPORT const char *
pmemctl_region_get_persistence_domain(struct pmemctl_region *r)
{
	return r->persistence_domain[0] ? r->persistence_domain : NULL;
}

PMEMCTL_EXPORT int pmemctl_region_enable(struct pmemctl_region *r)
{
	return r->bus->ops->region_enable(r);
}

PMEMCTL_EXPORT int pmemctl_region_disable(struct pmemctl_region *r)
{
	return r->bus->ops->region_disable(r);
}

PMEMCTL_EXPORT unsigned pmemctl_region_get_nmappings(struct pmemctl_region *r)
{
	return r->nmappings;
}

PMEMCTL_EXPORT struct pmemctl_dimm *
pmemctl_region_get_mapping_dimm(struct pmemctl_region *r, unsigned i)
{
	return i < r->nmappings ? r->mappings[i].dimm : NULL;
}

PMEMCTL_EXPORT uint64_t pmemctl_region_get_mapping_offset(struct pmemctl_region *r,
							   unsigned i)
{
	return i < r->nmappings ? r->mappings[i].offset : 0;
}

PMEMCTL_EXPORT uint64_t pmemctl_region_get_mapping_length(struct pmemctl_region *r,
							   unsigned i)
{
	return i < r->nmappings ? r->mappings[i].length : 0;
}

PMEMCTL_EXPORT unsigned pmemctl_region_get_mapping_position(struct pmemctl_region *r,
							     unsigned i)
{
	return i < r->nmappings ? r->mappings[i].position : 0;
}
