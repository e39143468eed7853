// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Namespace data on the live kernel (read-namespace, write-namespace):
 * always through the kernel's own device for the namespace's mode, never
 * around the kernel's BTT or info block: /dev/pmemX for raw and fsdax
 * (the pmem driver starts it past the info block), /dev/pmemXs for sector
 * (the kernel's BTT, in whole sectors), and /dev/daxX.Y mapped MAP_SHARED
 * for devdax (a devdax device has no read or write).  Block devices are
 * opened O_EXCL by writers (and excluding readers), so a mounted or held
 * device is refused.
 */
#include <stdio.h>

#include "format.h"
#include "kernel.h"

/* The namespace has to be enabled: its device exists only then. */
static int need_device(struct pmemctl_namespace *ns)
{
	struct pmemctl_ctx *ctx = ns->region->bus->ctx;

	if (ns->disabled) {
		err(ctx, "%s is disabled, so the kernel offers no device for its data; enable it first: pmemctl enable-namespace %s",
		    ns->devname, ns->devname);
		return -ENXIO;
	}
	if (!ns->blockdev[0] && !ns->chardev[0]) {
		err(ctx, "%s: the kernel shows no block or dax device for it",
		    ns->devname);
		return -ENODEV;
	}
	return 0;
}

/* devdax: the whole device, at its alignment (the mapping's unit). */
static int open_dax(struct pmemctl_namespace *ns, unsigned flags,
		    struct pmemctl_media **m)
{
	struct pmemctl_ctx *ctx = ns->region->bus->ctx;
	uint64_t align = ns->align ? ns->align : SZ_2M;
	char path[PATH_MAX];
	int rc = kernel_ns_in_use(ns);

	if (rc)
		return rc;
	if (snprintf(path, sizeof(path), "/dev/%s", ns->chardev) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (ns->size < align) {
		err(ctx, "%s: %s is smaller than its %llu-byte alignment",
		    ns->devname, path, (unsigned long long)align);
		return -EIO;
	}
	/* device DAX: no page cache, so a persistent mapping (cache flushes) */
	return pmemctl_media_map_file(ctx, path, ns->size / align * align,
				      (flags & PMEMCTL_MEDIA_WRITE) |
				      PMEMCTL_MEDIA_PERSISTENT_MAPPING, m);
}

int kernel_ns_open_data(struct pmemctl_namespace *ns, unsigned flags,
			struct pmemctl_media **m, uint32_t *block)
{
	char path[PATH_MAX];
	int rc = need_device(ns);

	*block = 1;
	if (rc)
		return rc;
	if (ns->mode == PMEMCTL_NS_MODE_DEVDAX || !ns->blockdev[0])
		return open_dax(ns, flags, m);
	/* the BTT's logical block: its metadata bytes (520, 4160...) are
	 * not part of the data */
	if (ns->mode == PMEMCTL_NS_MODE_SECTOR)
		*block = ns->sector_size < 4096 ? 512 : 4096;
	if (snprintf(path, sizeof(path), "/dev/%s", ns->blockdev) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	return pmemctl_media_open_blockdev(ns->region->bus->ctx, path, flags,
					   m);
}
