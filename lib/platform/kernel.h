/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The live-kernel backend: the model filled from /sys/bus/nd; drivers
 * bound and unbound (enable/disable).  Only the kernel backend's files include this header, and only
 * they read sysfs.
 */
#ifndef PMEMCTL_KERNEL_H
#define PMEMCTL_KERNEL_H

#include <limits.h>
#include <time.h>

#include "model.h"

#define SYSFS_ATTR_MAX 256	/* longest attribute value read */

struct kernel_dimm {
	struct pmemctl_dimm dimm;
	char path[PATH_MAX];		/* .../ndbusN/nmemN */
	struct pmemctl_media *lsa;	/* label area, opened on first use */
	bool lsa_writable;
};

struct kernel_region {
	struct pmemctl_region region;
	char path[PATH_MAX];		/* .../ndbusN/regionN */
};

struct kernel_bus {
	struct pmemctl_bus bus;
	char path[PATH_MAX];		/* the bus device directory */
	char root[PATH_MAX];		/* "/sys", or the test hook's tree */
};

static inline struct kernel_bus *kernel_bus(struct pmemctl_bus *bus)
{
	return container_of(bus, struct kernel_bus, bus);
}

static inline struct kernel_region *kernel_region(struct pmemctl_region *r)
{
	return container_of(r, struct kernel_region, region);
}

/* kernel.c: attribute reading (each -errno; unreadable is an error the
 * caller turns into "left out") */
int sysfs_open(const char *dir, const char *attr, int flags);
int sysfs_read(const char *dir, const char *attr, char *buf, size_t len);
int sysfs_u64(const char *dir, const char *attr, uint64_t *v);
bool sysfs_bound(const char *dir);
bool sysfs_int(const char *dir, const char *attr, int *v);
int sysfs_join(char *out, const char *dir, const char *name);
int sysfs_name_id(const char *name, const char *prefix, unsigned *id);
int sysfs_foreach(const char *dir, const char *prefix,
		  int (*fn)(void *arg, const char *name, unsigned id),
		  void *arg);

/* kernel-bind.c: enable/disable (bind and unbind drivers) */
int sysfs_write(const char *dir, const char *attr, const char *val);
int kernel_ns_enable(struct pmemctl_namespace *ns);
int kernel_ns_disable(struct pmemctl_namespace *ns);
int kernel_region_enable(struct pmemctl_region *r);
int kernel_region_disable(struct pmemctl_region *r);
int kernel_dimm_enable(struct pmemctl_dimm *dimm);
int kernel_dimm_disable(struct pmemctl_dimm *dimm);
int kernel_dimm_busy(struct pmemctl_dimm *dimm);

/*
 * kernel-modules.c (libpmemctl: libkmod and libudev, dlopen()ed when
 * needed) or kernel-modules-spawn.c (pmemctl.static: the kernel's modprobe
 * and udevadm, run when needed).  Load the modules @alias resolves to:
 * whether any may have been loaded (a failure is logged, not fatal: the
 * driver may be built in).  Wait, at most @timeout_ms, for udevd's queue
 * to drain, when udevd runs.
 */
bool kernel_load_modules(struct pmemctl_ctx *ctx, const char *alias);
void kernel_udev_settle(long timeout_ms);

static inline long kernel_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static inline void kernel_pause_ms(void)
{
	struct timespec ts = { 0, 1000000L };

	nanosleep(&ts, NULL);
}

/* kernel-label.c: the label area through /dev/nmemN ioctls */
int kernel_label_area(struct pmemctl_dimm *dimm, struct pmemctl_media **m);
int kernel_label_write_begin(struct pmemctl_dimm *dimm);
int kernel_label_write_end(struct pmemctl_dimm *dimm);
/* the steps, for raw access: -errno with a message */
int kernel_writable(struct kernel_bus *kb, const char *what);
bool kernel_ns_up(const char *dir, const char *region);
int kernel_bind(struct kernel_bus *kb, const char *dir, const char *name,
		const char *region);
int kernel_unbind(struct kernel_bus *kb, const char *dir, const char *name);
int kernel_ns_detach(struct pmemctl_namespace *ns);

/* kernel-raw.c: the namespace's raw block device as media
 * (pmemctl_namespace_open_raw()) */
int kernel_ns_open_raw(struct pmemctl_namespace *ns, unsigned flags,
		       struct pmemctl_media **m);

/* kernel-ns.c: create-namespace, reconfigure (-e), destroy-namespace */
int kernel_ns_apply(const struct ns_plan *plan);
int kernel_ns_destroy(struct pmemctl_namespace *ns);
bool kernel_ns_active(struct pmemctl_namespace *ns);
/*
 * -EBUSY with a message if @ns is in use, as ndctl decides it before a
 * disable: its block device is held (mounted, swapped on, opened
 * exclusively), or it is devdax with its memory online as system RAM
 * (kmem).  A disabled namespace is not in use.
 */
int kernel_ns_in_use(struct pmemctl_namespace *ns);

/* kernel-io.c: namespace I/O through the kernel's devices */
int kernel_ns_open_data(struct pmemctl_namespace *ns, unsigned flags,
			struct pmemctl_media **m, uint32_t *block);

/* kernel-scan.c */
int sysfs_first_entry(const char *dir, const char *sub, const char *prefix,
		      char *out, size_t len);
int kernel_scan_region(struct pmemctl_region *r);
int kernel_blockdev_region(struct pmemctl_bus *bus, const char *dev,
			   struct pmemctl_region **r);
int kernel_scan_regions(struct kernel_bus *kb);
void kernel_free_regions(struct pmemctl_bus *bus);

#endif /* PMEMCTL_KERNEL_H */
