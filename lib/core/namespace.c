// SPDX-License-Identifier: LGPL-2.1-only
/* Namespace handles: iteration and getters. */
#include <stdio.h>

#include "model.h"

static const char *const mode_names[] = {
	[PMEMCTL_NS_MODE_RAW] = "raw",
	[PMEMCTL_NS_MODE_SECTOR] = "sector",
	[PMEMCTL_NS_MODE_FSDAX] = "fsdax",
	[PMEMCTL_NS_MODE_DEVDAX] = "devdax",
	[PMEMCTL_NS_MODE_UNKNOWN] = "unknown",
};

PMEMCTL_EXPORT const char *pmemctl_ns_mode_name(enum pmemctl_ns_mode mode)
{
	return (unsigned)mode < ARRAY_SIZE(mode_names) ? mode_names[mode]
						       : "unknown";
}

PMEMCTL_EXPORT int pmemctl_ns_mode_parse(const char *name,
					 enum pmemctl_ns_mode *mode)
{
	static const struct {
		const char *name;
		enum pmemctl_ns_mode mode;
	} aliases[] = {
		{ "raw", PMEMCTL_NS_MODE_RAW },
		{ "sector", PMEMCTL_NS_MODE_SECTOR },
		{ "safe", PMEMCTL_NS_MODE_SECTOR },
		{ "fsdax", PMEMCTL_NS_MODE_FSDAX },
		{ "memory", PMEMCTL_NS_MODE_FSDAX },
		{ "devdax", PMEMCTL_NS_MODE_DEVDAX },
		{ "dax", PMEMCTL_NS_MODE_DEVDAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
		if (strcmp(name, aliases[i].name) == 0) {
			*mode = aliases[i].mode;
			return 0;
		}
	return -EINVAL;
}

PMEMCTL_EXPORT const char *pmemctl_map_name(enum pmemctl_pfn_map map)
{
	switch (map) {
	case PMEMCTL_MAP_MEM:
		return "mem";
	case PMEMCTL_MAP_DEV:
		return "dev";
	default:
		return "none";
	}
}

PMEMCTL_EXPORT struct pmemctl_namespace *
pmemctl_namespace_get_first(struct pmemctl_region *r)
{
	return r->nnamespaces ? r->namespaces[0] : NULL;
}

PMEMCTL_EXPORT struct pmemctl_namespace *
pmemctl_namespace_get_next(struct pmemctl_namespace *ns)
{
	struct pmemctl_region *r = ns->region;

	for (unsigned i = 0; i + 1 < r->nnamespaces; i++)
		if (r->namespaces[i] == ns)
			return r->namespaces[i + 1];
	return NULL;
}

PMEMCTL_EXPORT struct pmemctl_region *
pmemctl_namespace_get_region(struct pmemctl_namespace *ns)
{
	return ns->region;
}

PMEMCTL_EXPORT const char *pmemctl_namespace_get_devname(struct pmemctl_namespace *ns)
{
	return ns->devname;
}

PMEMCTL_EXPORT unsigned pmemctl_namespace_get_id(struct pmemctl_namespace *ns)
{
	return ns->id;
}

PMEMCTL_EXPORT uint64_t pmemctl_namespace_get_raw_size(struct pmemctl_namespace *ns)
{
	return ns->raw_size;
}

PMEMCTL_EXPORT uint64_t pmemctl_namespace_get_size(struct pmemctl_namespace *ns)
{
	return ns->size;
}

PMEMCTL_EXPORT enum pmemctl_ns_mode
pmemctl_namespace_get_mode(struct pmemctl_namespace *ns)
{
	return ns->mode;
}

PMEMCTL_EXPORT enum pmemctl_pfn_map
pmemctl_namespace_get_map(struct pmemctl_namespace *ns)
{
	return ns->map;
}

PMEMCTL_EXPORT bool pmemctl_namespace_has_uuid(struct pmemctl_namespace *ns)
{
	return ns->has_uuid;
}

PMEMCTL_EXPORT void pmemctl_namespace_get_uuid(struct pmemctl_namespace *ns,
					       uint8_t uu[16])
{
	memcpy(uu, ns->uuid, 16);
}

PMEMCTL_EXPORT bool pmemctl_namespace_get_claim_uuid(struct pmemctl_namespace *ns,
						     uint8_t uu[16])
{
	if (ns->claim_uuid_valid) {
		memcpy(uu, ns->claim_uuid, 16);
		return true;
	}
	memcpy(uu, ns->uuid, 16);
	return ns->has_uuid;
}

PMEMCTL_EXPORT const char *pmemctl_namespace_get_name(struct pmemctl_namespace *ns)
{
	return ns->name;
}

PMEMCTL_EXPORT uint32_t pmemctl_namespace_get_sector_size(struct pmemctl_namespace *ns)
{
	return ns->sector_size;
}

PMEMCTL_EXPORT uint64_t pmemctl_namespace_get_align(struct pmemctl_namespace *ns)
{
	return ns->align;
}

PMEMCTL_EXPORT const char *pmemctl_namespace_get_blockdev(struct pmemctl_namespace *ns)
{
	return ns->blockdev;
}

PMEMCTL_EXPORT const char *pmemctl_namespace_get_chardev(struct pmemctl_namespace *ns)
{
	return ns->chardev;
}

PMEMCTL_EXPORT bool pmemctl_namespace_is_seed(struct pmemctl_namespace *ns)
{
	return ns->is_seed;
}

PMEMCTL_EXPORT bool pmemctl_namespace_is_active(struct pmemctl_namespace *ns)
{
	return !ns->is_seed && !ns->disabled;
}

PMEMCTL_EXPORT int pmemctl_namespace_get_numa_node(struct pmemctl_namespace *ns)
{
	return ns->has_numa_node ? ns->numa_node : -1;
}

PMEMCTL_EXPORT int pmemctl_namespace_open_media(struct pmemctl_namespace *ns,
						struct pmemctl_media **media)
{
	struct pmemctl_bus *bus = ns->region->bus;

	return bus->ops->ns_open_media(ns, bus->writable ? PMEMCTL_RAW_WRITE : 0,
				       media);
}

PMEMCTL_EXPORT int pmemctl_namespace_open_raw(struct pmemctl_namespace *ns,
					      unsigned flags,
					      struct pmemctl_media **media)
{
	return ns->region->bus->ops->ns_open_media(ns, flags, media);
}

PMEMCTL_EXPORT int pmemctl_namespace_open_io(struct pmemctl_namespace *ns,
					     unsigned flags,
					     struct pmemctl_ns_io **io)
{
	const struct platform_ops *ops = ns->region->bus->ops;
	struct pmemctl_ctx *ctx = ns->region->bus->ctx;
	struct pmemctl_media *m = NULL;
	uint32_t block = 1;
	int rc;

	*io = NULL;
	if (ops->ns_open_data) {
		rc = ops->ns_open_data(ns, flags, &m, &block);
		return rc ?: ns_io_open_device(ctx, m, ns->mode, block, io);
	}
	rc = pmemctl_namespace_open_media(ns, &m);
	rc = rc ?: pmemctl_ns_io_open_media(ctx, m, ns->mode,
					    ns->has_uuid ? ns->uuid : NULL,
					    flags, io);
	if (rc) {
		pmemctl_media_close(m);
		return rc;
	}
	ns_io_own_media(*io);
	return 0;
}

PMEMCTL_EXPORT int pmemctl_namespace_enable(struct pmemctl_namespace *ns)
{
	return ns->region->bus->ops->ns_enable(ns);
}

PMEMCTL_EXPORT int pmemctl_namespace_disable(struct pmemctl_namespace *ns)
{
	return ns->region->bus->ops->ns_disable(ns);
}
