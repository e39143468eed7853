// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Raw access to a live namespace's capacity (live-kernel.md sections 1
 * and 3): the namespace's own block device /dev/pmemX, which the kernel
 * gives only to a namespace bound with no btt/pfn/dax claiming it.
 *
 * Open: refuse an enabled claimed namespace unless forced; disable it
 * (refused while its block device is held, or its devdax memory is system
 * RAM); save force_raw and write 1, so the namespace's driver skips the
 * info blocks; bind the namespace; open /dev/pmemX exclusively.
 * Close (the media's release hook, so every caller gets it): unbind the
 * namespace, write force_raw back, and enable the namespace again if it
 * was enabled; the kernel then finds its claim from the info block.
 * A failure part way runs the same undo before returning.
 *
 * The undo owns copies of what it needs (paths, the bus's sysfs root and
 * context), so the media may be closed after the bus.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel.h"

struct kernel_raw {
	/* a copy: the bind helpers read only its root, path and ctx */
	struct kernel_bus kb;
	char path[PATH_MAX];		/* the namespace */
	char rpath[PATH_MAX];		/* its region */
	char devname[DEVNAME_LEN];
	char force_raw[SYSFS_ATTR_MAX];	/* as it was */
	bool force_raw_set;		/* we wrote force_raw */
	bool bound;			/* we bound the namespace raw */
	bool was_enabled;		/* enable it again */
};

/* Put the namespace back as it was; 0, or -errno with a message. */
static int raw_undo(struct kernel_raw *kr)
{
	struct pmemctl_ctx *ctx = kr->kb.bus.ctx;
	int rc = 0;

	if (kr->bound)
		rc = kernel_unbind(&kr->kb, kr->path, kr->devname);
	if (!rc && kr->force_raw_set)
		rc = sysfs_write(kr->path, "force_raw", kr->force_raw);
	if (rc) {
		err(ctx, "%s: could not give it back to its driver (%s): check force_raw and run 'pmemctl enable-namespace %s'",
		    kr->devname, strerror(-rc), kr->devname);
		return rc;
	}
	if (kr->was_enabled) {
		rc = kernel_bind(&kr->kb, kr->path, kr->devname, kr->rpath);
		if (rc)
			err(ctx, "%s: was enabled and could not be enabled again: run 'pmemctl enable-namespace %s'",
			    kr->devname, kr->devname);
	}
	return rc;
}

static int raw_release(void *arg)
{
	struct kernel_raw *kr = arg;
	int rc = raw_undo(kr);

	free(kr);
	return rc;
}

static struct kernel_raw *raw_new(struct pmemctl_namespace *ns)
{
	struct kernel_bus *kb = kernel_bus(ns->region->bus);
	struct kernel_raw *kr = calloc(1, sizeof(*kr));

	if (!kr)
		return NULL;
	memcpy(kr->kb.root, kb->root, sizeof(kr->kb.root));
	memcpy(kr->kb.path, kb->path, sizeof(kr->kb.path));
	kr->kb.bus.ctx = kb->bus.ctx;
	memcpy(kr->rpath, kernel_region(ns->region)->path, sizeof(kr->rpath));
	memcpy(kr->devname, ns->devname, sizeof(kr->devname));
	if (sysfs_join(kr->path, kr->rpath, ns->devname)) {
		free(kr);
		return NULL;
	}
	return kr;
}

/* The raw block device of the namespace bound at @kr->path. */
static int open_blockdev(struct kernel_raw *kr, unsigned flags,
			 struct pmemctl_media **m)
{
	unsigned mflags = PMEMCTL_MEDIA_EXCL |
			  (flags & PMEMCTL_RAW_WRITE ? PMEMCTL_MEDIA_WRITE : 0);
	char bdev[DEVNAME_LEN], dev[PATH_MAX];

	if (sysfs_first_entry(kr->path, "block", "pmem", bdev, sizeof(bdev)))
		return log_oom(kr->kb.bus.ctx, kr->devname);
	if (!bdev[0]) {
		err(kr->kb.bus.ctx, "%s: bound in raw mode but has no block device",
		    kr->devname);
		return -ENODEV;
	}
	snprintf(dev, sizeof(dev), "/dev/%s", bdev);
	return pmemctl_media_open_blockdev(kr->kb.bus.ctx, dev, mflags, m);
}

/* Enabled through a btt, pfn or dax device, and not forced. */
static int refuse_enabled(struct pmemctl_namespace *ns)
{
	const char *dev = ns->blockdev[0] ? ns->blockdev : ns->chardev;

	err(ns->region->bus->ctx, "%s is enabled (%s%s%s); raw access needs it disabled: disable it first (or force, where offered); nothing changed",
	    ns->devname, pmemctl_ns_mode_name(ns->mode), dev[0] ? ", /dev/" : "",
	    dev);
	return -EBUSY;
}

/* Disabled now: raw mode, bound, opened; undone here on failure. */
static int switch_to_raw(struct kernel_raw *kr, unsigned flags,
			 struct pmemctl_media **m)
{
	int rc = sysfs_read(kr->path, "force_raw", kr->force_raw,
			    sizeof(kr->force_raw));

	if (rc) {
		err(kr->kb.bus.ctx, "%s: cannot read force_raw: %s",
		    kr->devname, strerror(-rc));
	} else {
		rc = sysfs_write(kr->path, "force_raw", "1");
		kr->force_raw_set = !rc;
		if (rc)
			err(kr->kb.bus.ctx, "%s: cannot write force_raw: %s",
			    kr->devname, strerror(-rc));
	}
	if (!rc) {
		kr->bound = true;
		rc = kernel_bind(&kr->kb, kr->path, kr->devname, NULL);
	}
	if (!rc)
		rc = open_blockdev(kr, flags, m);
	if (rc)
		(void)raw_undo(kr);
	return rc;
}

int kernel_ns_open_raw(struct pmemctl_namespace *ns, unsigned flags,
		       struct pmemctl_media **m)
{
	struct pmemctl_ctx *ctx = ns->region->bus->ctx;
	struct kernel_raw *kr;
	int rc;

	if (ns->is_seed || !ns->raw_size) {
		err(ctx, "%s has no capacity (an idle seed)", ns->devname);
		return -ENXIO;
	}
	kr = raw_new(ns);
	if (!kr) {
		err(ctx, "%s: out of memory", ns->devname);
		return -ENOMEM;
	}
	if (sysfs_bound(kr->path)) {	/* enabled in raw mode: as it is */
		rc = open_blockdev(kr, flags, m);
		free(kr);
		return rc;
	}
	kr->was_enabled = kernel_ns_up(kr->path, kr->rpath);
	rc = kr->was_enabled && !(flags & PMEMCTL_RAW_FORCE) ?
	     refuse_enabled(ns) : kernel_writable(&kr->kb, ns->devname);
	if (!rc)	/* disable_safe: refused while held */
		rc = kr->was_enabled ? kernel_ns_disable(ns) :
		     kernel_ns_detach(ns);
	if (!rc)
		rc = switch_to_raw(kr, flags, m);
	else if (kr->was_enabled && !kernel_ns_up(kr->path, kr->rpath))
		(void)raw_undo(kr);	/* disabled part way: enable it again */
	if (rc) {
		free(kr);
		return rc;
	}
	media_on_release(*m, raw_release, kr);
	return 0;
}
