// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The image backend's provider table, and its ops small enough to live
 * beside it.  The rest: image.c (open, close, QEMU arguments), scan.c
 * (scan), provision.c (apply, destroy).
 */
#include "image.h"

static int image_label_area(struct pmemctl_dimm *dimm,
			    struct pmemctl_media **m)
{
	*m = image_dimm(dimm)->lsa_media;
	return 0;
}

/*
 * QEMU places DIMMs one after the other in its device memory, each at its
 * backend alignment; the first starts where that area starts, which is at
 * least 2 MiB-aligned.
 */
static void image_region_placement(struct pmemctl_region *r,
				   struct region_placement *pl)
{
	struct image_dimm *dimm = region_dimm(r);

	pl->start_align = dimm->slot > 0 ? dimm->align : SZ_2M;
}

/* Nothing on an image platform is enabled: PMEMCTL_RAW_FORCE has no use. */
static int image_ns_open_media(struct pmemctl_namespace *ns, unsigned flags,
			       struct pmemctl_media **media)
{
	struct image_dimm *dimm = region_dimm(ns->region);

	if ((flags & PMEMCTL_RAW_WRITE) && !ns->region->bus->writable) {
		err(ns->region->bus->ctx, "%s: platform opened read-only",
		    ns->devname);
		return -EROFS;
	}
	if (ns->region->nmappings != 1) {
		err(ns->region->bus->ctx, "%s: interleaved namespaces have no linear media view",
		    ns->devname);
		return -EOPNOTSUPP;
	}
	return pmemctl_media_new_slice(dimm->media, image_ns(ns)->dpa,
				       ns->raw_size, media);
}

/* ---- drivers: there are none on an image platform ----------------------- */

static int needs_kernel(struct pmemctl_bus *bus, const char *devname,
			bool bind)
{
	err(bus->ctx, "%s: needs the live kernel: an image platform has no drivers to %s; boot it (pmemctl platform qemu-args) and use the guest's kernel",
	    devname, bind ? "bind" : "unbind");
	return -EOPNOTSUPP;
}

static int image_ns_enable(struct pmemctl_namespace *ns)
{
	return needs_kernel(ns->region->bus, ns->devname, true);
}

static int image_ns_disable(struct pmemctl_namespace *ns)
{
	return needs_kernel(ns->region->bus, ns->devname, false);
}

static int image_region_enable(struct pmemctl_region *r)
{
	return needs_kernel(r->bus, r->devname, true);
}

static int image_region_disable(struct pmemctl_region *r)
{
	return needs_kernel(r->bus, r->devname, false);
}

static int image_dimm_enable(struct pmemctl_dimm *dimm)
{
	return needs_kernel(dimm->bus, dimm->devname, true);
}

static int image_dimm_disable(struct pmemctl_dimm *dimm)
{
	return needs_kernel(dimm->bus, dimm->devname, false);
}

/* ---- where the platform lives ------------------------------------------- */

static const char *image_platform_path(struct pmemctl_bus *bus)
{
	return image_bus(bus)->path;
}

static const char *image_dimm_path(struct pmemctl_dimm *dimm)
{
	return image_dimm(dimm)->image_path;
}

const struct platform_ops image_ops = {
	.provider = "ACPI.NFIT",
	.scan_region = image_scan_region,
	.close = image_close,
	.label_area = image_label_area,
	.region_placement = image_region_placement,
	.ns_open_media = image_ns_open_media,
	.ns_apply = image_ns_apply,
	.ns_destroy = image_ns_destroy,
	.ns_enable = image_ns_enable,
	.ns_disable = image_ns_disable,
	.region_enable = image_region_enable,
	.region_disable = image_region_disable,
	.dimm_enable = image_dimm_enable,
	.dimm_disable = image_dimm_disable,
	.platform_path = image_platform_path,
	.dimm_image_path = image_dimm_path,
	.qemu_args = image_qemu_args,
};
