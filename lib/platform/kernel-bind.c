// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Enable and disable on the live kernel (namespaces, regions, DIMMs): bind
 * and unbind nd drivers as ndctl does (live-kernel.md sections 1-2).
 * Bind: offer the device to each /sys/bus/nd/drivers/X/bind until one
 * accepts; when none did and the device is not up, load the modules its
 * modalias names (kernel-modules.c: libkmod, opened only then; in
 * pmemctl.static, kernel-modules-spawn.c: the kernel's modprobe) and, if
 * that loaded one, offer it again.  Unbind: <dev>/driver/unbind.  Then
 * wait for probing to settle: the bus's wait_probe, udev's queue (only
 * when udevd runs) and the driver link, each polled with a bounded
 * timeout.
 *
 * Disabling refuses, before anything is written, a namespace whose block
 * device is held (an O_EXCL open gives EBUSY: mounted, swapped on) or a
 * devdax namespace whose memory is system RAM (kmem); the block device
 * stays pinned by that open while the driver is unbound, as ndctl does.
 * A DIMM is refused while an enabled region maps it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kernel.h"

#define SETTLE_TIMEOUT_MS 5000

/* ---- writing ---------------------------------------------------------- */

int sysfs_write(const char *dir, const char *attr, const char *val)
{
	int fd = sysfs_open(dir, attr, O_WRONLY), rc;
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return fd;
	n = write(fd, val, len);
	rc = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return rc;
}

/*
 * Not root, or sysfs mounted read-only: one line before anything is
 * written.  The bus's drivers_probe is root-only and writable exactly
 * when binds are.
 */
static int check_writable(struct kernel_bus *kb, const char *what)
{
	char path[PATH_MAX];
	int rc = sysfs_join(path, kb->root, "bus/nd/drivers_probe");

	if (!rc && access(path, W_OK) == 0)
		return 0;
	rc = rc ? rc : -errno;
	err(kb->bus.ctx, "%s: cannot change drivers: %s is not writable (%s)%s",
	    what, path, strerror(-rc),
	    rc == -EROFS ? ": sysfs is mounted read-only" :
	    rc == -EACCES || rc == -EPERM ? ": run as root" : "");
	return rc == -EROFS ? rc : -EACCES;
}

static bool live_root(struct kernel_bus *kb)
{
	return strcmp(kb->root, "/sys") == 0;
}

/* ---- modules and settling ----------------------------------------------- */

/*
 * Load the modules @dir's modalias names (kernel-modules*.c); whether one
 * was.  Skipped under the test hook's sysfs tree, which has no real
 * modules.
 */
static bool load_modules(struct kernel_bus *kb, const char *dir)
{
	char alias[SYSFS_ATTR_MAX];

	if (!live_root(kb) || sysfs_read(dir, "modalias", alias, sizeof(alias)))
		return false;
	return kernel_load_modules(kb->bus.ctx, alias);
}

/*
 * The kernel's asynchronous probes (reading the bus's wait_probe flushes
 * them), then udev's queue when udevd runs; bounded.
 */
static void settle(struct kernel_bus *kb)
{
	char buf[SYSFS_ATTR_MAX];

	(void)sysfs_read(kb->path, "wait_probe", buf, sizeof(buf));
	if (live_root(kb))
		kernel_udev_settle(SETTLE_TIMEOUT_MS);
}

/* Poll @up until it equals @want (a driver link appears or goes); bounded. */
static bool wait_for(bool (*up)(const char *dir, const char *region),
		     const char *dir, const char *region, bool want)
{
	long end = kernel_now_ms() + SETTLE_TIMEOUT_MS;

	while (up(dir, region) != want && kernel_now_ms() < end)
		kernel_pause_ms();
	return up(dir, region) == want;
}

/* ---- bind and unbind ------------------------------------------------------ */

/* Offer @name to each nd driver until one takes it; 0 if one did. */
static int bind_any(struct kernel_bus *kb, const char *name)
{
	char drivers[PATH_MAX], drv[PATH_MAX];
	struct dirent *de;
	int rc = sysfs_join(drivers, kb->root, "bus/nd/drivers");
	DIR *d;

	if (rc)
		return rc;
	d = opendir(drivers);
	if (!d)
		return -errno;
	rc = -ENODEV;
	while (rc && (de = readdir(d)))
		if (de->d_name[0] != '.' && !sysfs_join(drv, drivers, de->d_name))
			rc = sysfs_write(drv, "bind", name);
	closedir(d);
	return rc;
}

static int unbind(struct kernel_bus *kb, const char *dir, const char *name)
{
	char drv[PATH_MAX];
	int rc;

	if (!sysfs_bound(dir))
		return 0;
	rc = sysfs_join(drv, dir, "driver");
	if (!rc)
		rc = sysfs_write(drv, "unbind", name);
	if (rc)
		err(kb->bus.ctx, "%s: unbinding the driver: %s", name,
		    strerror(-rc));
	return rc;
}

static bool plain_bound(const char *dir, const char *region)
{
	(void)region;
	return sysfs_bound(dir);
}

/* A namespace is enabled when it, or the btt/pfn/dax claiming it, is bound. */
static bool ns_up(const char *dir, const char *region)
{
	char holder[SYSFS_ATTR_MAX], claim[PATH_MAX];

	if (sysfs_bound(dir))
		return true;
	return !sysfs_read(dir, "holder", holder, sizeof(holder)) &&
	       holder[0] && !sysfs_join(claim, region, holder) &&
	       sysfs_bound(claim);
}

static int enable_dev(struct kernel_bus *kb, const char *dir, const char *name,
		      bool (*up)(const char *, const char *), const char *region)
{
	int rc;

	if (up(dir, region))
		return 0;
	rc = check_writable(kb, name);
	if (rc)
		return rc;
	/* a namespace's own probe fails (ENXIO) once a claim takes it over */
	rc = bind_any(kb, name);
	settle(kb);
	if (!up(dir, region) && load_modules(kb, dir)) {
		rc = bind_any(kb, name);
		settle(kb);
	}
	if (wait_for(up, dir, region, true))
		return 0;
	err(kb->bus.ctx, "%s: no driver took it (%s)", name,
	    strerror(rc ? -rc : ETIMEDOUT));
	return rc ? rc : -ETIMEDOUT;
}

/* After an unbind (@rc its result): settle, then @up must go false. */
static int wait_down(struct kernel_bus *kb,
		     bool (*up)(const char *, const char *), const char *dir,
		     const char *region, const char *name, int rc)
{
	settle(kb);
	if (rc || wait_for(up, dir, region, false))
		return rc;
	err(kb->bus.ctx, "%s: still enabled after unbinding", name);
	return -ETIMEDOUT;
}

/* ---- in use ------------------------------------------------------------- */

/*
 * Is a memory block of [@start, @start + @size) online?  Blocks that do
 * not exist are not; a block size that cannot be read counts as online.
 */
static bool range_online(struct kernel_bus *kb, uint64_t start, uint64_t size)
{
	char mem[PATH_MAX], blk[PATH_MAX], buf[SYSFS_ATTR_MAX], *end;
	uint64_t bs;

	if (!size)
		return false;
	if (sysfs_join(mem, kb->root, "devices/system/memory") ||
	    sysfs_read(mem, "block_size_bytes", buf, sizeof(buf)))
		return true;
	bs = strtoull(buf, &end, 16);	/* hex, without "0x" */
	if (!bs || *end)
		return true;
	for (uint64_t i = start / bs; i <= (start + size - 1) / bs; i++)
		if (snprintf(blk, sizeof(blk), "%s/memory%llu", mem,
			     (unsigned long long)i) < (int)sizeof(blk) &&
		    !sysfs_read(blk, "state", buf, sizeof(buf)) &&
		    strncmp(buf, "online", 6) == 0)
			return true;
	return false;
}

/*
 * A devdax namespace whose memory is online as system RAM, as ndctl
 * decides it: the kmem driver holds its dax device and a memory block in
 * the device's range is online (its range unreadable: counted online).
 */
static bool dax_is_ram(struct kernel_bus *kb, const char *chardev)
{
	char dev[PATH_MAX], link[PATH_MAX], target[PATH_MAX];
	uint64_t start, size;
	ssize_t n;

	if (snprintf(dev, sizeof(dev), "%s/bus/dax/devices/%s", kb->root,
		     chardev) >= (int)sizeof(dev) ||
	    sysfs_join(link, dev, "driver"))
		return false;
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	if (strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1 : target,
		   "kmem") != 0)
		return false;
	return sysfs_u64(dev, "resource", &start) ||
	       sysfs_u64(dev, "size", &size) || range_online(kb, start, size);
}

/*
 * Refuse (-EBUSY) a namespace in use; else *fd pins its block device
 * (O_EXCL: no new mount while it is disabled), or -1 if it has none.
 */
static int pin_namespace(struct pmemctl_namespace *ns, int *fd)
{
	struct kernel_bus *kb = kernel_bus(ns->region->bus);
	char path[PATH_MAX];

	*fd = -1;
	if (ns->disabled)
		return 0;
	if (ns->chardev[0] && dax_is_ram(kb, ns->chardev)) {
		err(kb->bus.ctx, "%s: %s is online as system RAM (kmem); nothing changed",
		    ns->devname, ns->chardev);
		return -EBUSY;
	}
	if (!ns->blockdev[0])
		return 0;
	snprintf(path, sizeof(path), "/dev/%s", ns->blockdev);
	*fd = open(path, O_RDWR | O_EXCL | O_CLOEXEC);
	if (*fd >= 0)
		return 0;
	if (errno == EBUSY)
		err(kb->bus.ctx, "%s: %s is in use (mounted, swapped on or held open); nothing changed",
		    ns->devname, path);
	else
		err(kb->bus.ctx, "%s: cannot check whether %s is in use: %s; nothing changed",
		    ns->devname, path, strerror(errno));
	return -EBUSY;
}

static void unpin(int fd)
{
	if (fd >= 0)
		close(fd);
}

int kernel_ns_in_use(struct pmemctl_namespace *ns)
{
	int fd, rc = pin_namespace(ns, &fd);

	unpin(fd);
	return rc;
}

/* ---- the ops ------------------------------------------------------------ */

static int ns_path(struct pmemctl_namespace *ns, char *path)
{
	return sysfs_join(path, kernel_region(ns->region)->path, ns->devname);
}

int kernel_ns_enable(struct pmemctl_namespace *ns)
{
	struct kernel_bus *kb = kernel_bus(ns->region->bus);
	const char *rpath = kernel_region(ns->region)->path;
	char path[PATH_MAX];
	int rc = ns_path(ns, path);

	return rc ? rc : enable_dev(kb, path, ns->devname, ns_up, rpath);
}

/* Unbind the claim device (and detach it, as ndctl), then the namespace. */
static int ns_unbind(struct kernel_bus *kb, struct pmemctl_namespace *ns,
		     const char *path)
{
	const char *rpath = kernel_region(ns->region)->path;
	char holder[SYSFS_ATTR_MAX], claim[PATH_MAX];
	int rc = 0;

	if (!sysfs_read(path, "holder", holder, sizeof(holder)) && holder[0] &&
	    !sysfs_join(claim, rpath, holder)) {
		rc = unbind(kb, claim, holder);
		if (!rc)
			(void)sysfs_write(claim, "namespace", "\n");
	}
	if (!rc)
		rc = unbind(kb, path, ns->devname);
	return wait_down(kb, ns_up, path, rpath, ns->devname, rc);
}

int kernel_ns_disable(struct pmemctl_namespace *ns)
{
	struct kernel_bus *kb = kernel_bus(ns->region->bus);
	const char *rpath = kernel_region(ns->region)->path;
	char path[PATH_MAX];
	int rc = ns_path(ns, path), fd;

	if (rc || !ns_up(path, rpath))
		return rc;
	rc = check_writable(kb, ns->devname);
	if (!rc)
		rc = pin_namespace(ns, &fd);
	if (rc)
		return rc;
	rc = ns_unbind(kb, ns, path);
	unpin(fd);
	return rc;
}

int kernel_region_enable(struct pmemctl_region *r)
{
	struct kernel_region *kr = kernel_region(r);

	return enable_dev(kernel_bus(r->bus), kr->path, r->devname,
			  plain_bound, NULL);
}

/* Every namespace is checked (and pinned) before the region is unbound. */
int kernel_region_disable(struct pmemctl_region *r)
{
	struct kernel_bus *kb = kernel_bus(r->bus);
	struct kernel_region *kr = kernel_region(r);
	unsigned i, n = 0;
	int rc, *fds;

	if (!sysfs_bound(kr->path))
		return 0;
	rc = check_writable(kb, r->devname);
	if (rc)
		return rc;
	fds = calloc(r->nnamespaces + 1, sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	for (; n < r->nnamespaces && !rc; n++)
		rc = pin_namespace(r->namespaces[n], &fds[n]);
	if (!rc)
		rc = unbind(kb, kr->path, r->devname);
	rc = wait_down(kb, plain_bound, kr->path, NULL, r->devname, rc);
	for (i = 0; i < n; i++)
		unpin(fds[i]);
	free(fds);
	return rc;
}

int kernel_dimm_enable(struct pmemctl_dimm *dimm)
{
	struct kernel_dimm *kd = container_of(dimm, struct kernel_dimm, dimm);

	return enable_dev(kernel_bus(dimm->bus), kd->path, dimm->devname,
			  plain_bound, NULL);
}

/* An enabled region maps the DIMM: refused, as ndctl ("regions active"). */
int kernel_dimm_busy(struct pmemctl_dimm *dimm)
{
	struct pmemctl_bus *bus = dimm->bus;
	int rc = bus_read_regions(bus);

	if (rc)
		return rc;
	for (unsigned i = 0; i < bus->nregions; i++) {
		struct pmemctl_region *r = bus->regions[i];

		if (!sysfs_bound(kernel_region(r)->path))
			continue;
		for (unsigned m = 0; m < r->nmappings; m++)
			if (r->mappings[m].dimm == dimm) {
				err(bus->ctx, "%s: %s is enabled and uses it; disable the region first; nothing changed",
				    dimm->devname, r->devname);
				return -EBUSY;
			}
	}
	return 0;
}

int kernel_dimm_disable(struct pmemctl_dimm *dimm)
{
	struct kernel_dimm *kd = container_of(dimm, struct kernel_dimm, dimm);
	struct kernel_bus *kb = kernel_bus(dimm->bus);
	int rc;

	if (!sysfs_bound(kd->path))
		return 0;
	rc = check_writable(kb, dimm->devname);
	if (!rc)
		rc = kernel_dimm_busy(dimm);
	if (!rc)
		rc = unbind(kb, kd->path, dimm->devname);
	return wait_down(kb, plain_bound, kd->path, NULL, dimm->devname, rc);
}

/* ---- for raw access, create and destroy (kernel-raw.c, kernel-ns.c) ----- */

int kernel_writable(struct kernel_bus *kb, const char *what)
{
	return check_writable(kb, what);
}

bool kernel_ns_up(const char *dir, const char *region)
{
	return ns_up(dir, region);
}

/*
 * Bind the device at @dir: until it is bound itself, or with @region (a
 * namespace), until it or the btt/pfn/dax claiming it is.
 */
int kernel_bind(struct kernel_bus *kb, const char *dir, const char *name,
		const char *region)
{
	return enable_dev(kb, dir, name, region ? ns_up : plain_bound, region);
}

/* Unbind the device at @dir itself and wait until it is gone. */
int kernel_unbind(struct kernel_bus *kb, const char *dir, const char *name)
{
	return wait_down(kb, plain_bound, dir, NULL, name,
			 unbind(kb, dir, name));
}

/* A disabled namespace: detach a claim device still naming it. */
int kernel_ns_detach(struct pmemctl_namespace *ns)
{
	char path[PATH_MAX];
	int rc = ns_path(ns, path);

	return rc ? rc : ns_unbind(kernel_bus(ns->region->bus), ns, path);
}
