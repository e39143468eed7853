// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The live-kernel backend: open every NVDIMM bus in /sys/bus/nd (chained,
 * the lowest first), read their DIMMs (kernel-scan.c reads regions and
 * namespaces), and the provider table.  Enable and disable bind drivers
 * (kernel-bind.c); labels go through /dev/nmemN ioctls (kernel-label.c);
 * raw access switches a namespace to its raw block device (kernel-raw.c);
 * namespace data goes through the kernel's own devices (kernel-io.c);
 * namespaces are created, reconfigured and destroyed in kernel-ns.c.
 *
 * DIMMs and the region list are read at open, each region when first used
 * (bus.c, region_read()); all hangs off the bus; nothing is global.
 * sysfs is world-readable except for a few admin-only attributes, so a
 * user who cannot read an attribute simply does not see that fact.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel.h"

/* ---- attributes ---------------------------------------------------------- */

int sysfs_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* @dir/@attr opened with @flags: a descriptor, or -errno. */
int sysfs_open(const char *dir, const char *attr, int flags)
{
	char path[PATH_MAX];
	int fd, rc = sysfs_join(path, dir, attr);

	if (rc)
		return rc;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* One attribute's value, without the trailing newline. */
int sysfs_read(const char *dir, const char *attr, char *buf, size_t len)
{
	int fd = sysfs_open(dir, attr, O_RDONLY), rc;
	ssize_t n;

	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int sysfs_u64(const char *dir, const char *attr, uint64_t *v)
{
	char buf[SYSFS_ATTR_MAX], *end;
	int rc = sysfs_read(dir, attr, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return errno || end == buf || *end ? -EINVAL : 0;
}

/* A signed attribute such as numa_node; false when absent or unreadable. */
bool sysfs_int(const char *dir, const char *attr, int *v)
{
	char buf[SYSFS_ATTR_MAX], *end;
	long n;

	if (sysfs_read(dir, attr, buf, sizeof(buf)))
		return false;
	errno = 0;
	n = strtol(buf, &end, 0);
	if (errno || end == buf || *end || n < INT_MIN || n > INT_MAX)
		return false;
	*v = (int)n;
	return true;
}

/* A device counts as enabled when a driver is bound: a "driver" link. */
bool sysfs_bound(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	return !sysfs_join(path, dir, "driver") && lstat(path, &st) == 0 &&
	       S_ISLNK(st.st_mode);
}

/* "regionN" with prefix "region": N */
int sysfs_name_id(const char *name, const char *prefix, unsigned *id)
{
	size_t n = strlen(prefix);
	unsigned long v;
	char *end;

	if (strncmp(name, prefix, n) != 0 || name[n] < '0' || name[n] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(name + n, &end, 10);
	if (errno || *end || v > UINT_MAX)
		return -EINVAL;
	*id = (unsigned)v;
	return 0;
}

/* Call @fn for every entry of @dir named @prefix<N>, until one fails. */
int sysfs_foreach(const char *dir, const char *prefix,
		  int (*fn)(void *arg, const char *name, unsigned id),
		  void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned id;
	int rc = 0;

	if (!d)
		return -errno;
	while (!rc && (de = readdir(d)))
		if (sysfs_name_id(de->d_name, prefix, &id) == 0)
			rc = fn(arg, de->d_name, id);
	closedir(d);
	return rc;
}

/* ---- DIMMs ---------------------------------------------------------------- */

static uint64_t nfit_u64(const char *nfit, const char *attr)
{
	uint64_t v;

	return sysfs_u64(nfit, attr, &v) ? 0 : v;
}

/* The kernel's nfit/flags words, as ndctl reads them. */
static unsigned nfit_flags(const char *nfit)
{
	static const struct {
		const char *word;
		unsigned flag;
	} words[] = {
		{ "save_fail", PMEMCTL_DIMM_FAILED_SAVE },
		{ "restore_fail", PMEMCTL_DIMM_FAILED_RESTORE },
		{ "flush_fail", PMEMCTL_DIMM_FAILED_FLUSH },
		{ "not_armed", PMEMCTL_DIMM_FAILED_ARM },
		{ "smart_event", PMEMCTL_DIMM_SMART_EVENT },
		{ "map_fail", PMEMCTL_DIMM_FAILED_MAP },
		{ "smart_notify", PMEMCTL_DIMM_SMART_NOTIFY },
	};
	char buf[SYSFS_ATTR_MAX], *save = NULL, *tok;
	unsigned flags = 0;

	if (sysfs_read(nfit, "flags", buf, sizeof(buf)))
		return 0;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		for (size_t i = 0; i < ARRAY_SIZE(words); i++)
			if (strcmp(tok, words[i].word) == 0)
				flags |= words[i].flag;
	return flags;
}

/* Identity, driver and health, on first use (dimm_read()). */
static void read_dimm(struct pmemctl_dimm *d)
{
	struct kernel_dimm *kd = container_of(d, struct kernel_dimm, dimm);
	char nfit[PATH_MAX];

	if (sysfs_join(nfit, kd->path, "nfit"))
		return;	/* checked when the DIMM was listed */
	d->disabled = !sysfs_bound(kd->path);
	if (sysfs_read(nfit, "id", d->unique_id, sizeof(d->unique_id)))
		d->unique_id[0] = '\0';
	d->handle = (uint32_t)nfit_u64(nfit, "handle");
	d->phys_id = (uint16_t)nfit_u64(nfit, "phys_id");
	d->vendor = (uint16_t)nfit_u64(nfit, "vendor");
	d->device = (uint16_t)nfit_u64(nfit, "device");
	d->revision = (uint16_t)nfit_u64(nfit, "rev_id");
	d->serial = (uint32_t)nfit_u64(nfit, "serial");
	d->flags = nfit_flags(nfit);
}

static int cmp_dimm(const void *a, const void *b)
{
	const struct pmemctl_dimm *x = *(void *const *)a;
	const struct pmemctl_dimm *y = *(void *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int add_dimm(void *arg, const char *name, unsigned id)
{
	char nfit[PATH_MAX];
	struct kernel_bus *kb = arg;
	struct pmemctl_bus *bus = &kb->bus;
	struct pmemctl_dimm **v;
	struct kernel_dimm *kd;
	int rc;

	v = realloc(bus->dimms, (bus->ndimms + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	bus->dimms = v;
	kd = calloc(1, sizeof(*kd));
	if (!kd)
		return -ENOMEM;
	kd->dimm.bus = bus;
	kd->dimm.id = id;
	snprintf(kd->dimm.devname, sizeof(kd->dimm.devname), "%.*s", DEVNAME_LEN - 1, name);
	kd->dimm.unread = true;
	rc = sysfs_join(kd->path, kb->path, name);
	if (!rc)	/* the path read_dimm() joins, checked once */
		rc = sysfs_join(nfit, kd->path, "nfit");
	if (rc) {
		free(kd);
		return rc;
	}
	v[bus->ndimms++] = &kd->dimm;
	return 0;
}

/* Every nmemN under the bus device, in id order; each one's facts are read
 * on first use. */
static int scan_dimms(struct kernel_bus *kb)
{
	struct pmemctl_bus *bus = &kb->bus;
	int rc = sysfs_foreach(kb->path, "nmem", add_dimm, kb);

	if (rc && rc != -ENOMEM)
		err(bus->ctx, "%s: cannot read the NVDIMM bus: %s", kb->path,
		    strerror(-rc));
	if (bus->ndimms)
		qsort(bus->dimms, bus->ndimms, sizeof(*bus->dimms), cmp_dimm);
	return rc;
}

/* ---- the bus ------------------------------------------------------------- */

static void kernel_close(struct pmemctl_bus *bus)
{
	kernel_free_regions(bus);
	for (unsigned i = 0; i < bus->ndimms; i++) {
		struct kernel_dimm *kd = container_of(bus->dimms[i],
						      struct kernel_dimm, dimm);

		pmemctl_media_close(kd->lsa);
		free(kd);
	}
	free(bus->dimms);
	free(kernel_bus(bus));
}

static int cmp_id(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

struct bus_ids {
	unsigned *ids;
	unsigned n;
};

static int add_bus_id(void *arg, const char *name, unsigned id)
{
	struct bus_ids *b = arg;
	unsigned *v = realloc(b->ids, (b->n + 1) * sizeof(*v));

	(void)name;
	if (!v)
		return -ENOMEM;
	b->ids = v;
	b->ids[b->n++] = id;
	return 0;
}

/* Every ndbusN in <root>/bus/nd/devices, in id order; -ENODEV if none. */
static int find_buses(const char *root, struct bus_ids *b)
{
	char devices[PATH_MAX];
	int rc = sysfs_join(devices, root, "bus/nd/devices");

	if (!rc)
		rc = sysfs_foreach(devices, "ndbus", add_bus_id, b);
	if (rc == -ENOENT || rc == -ENOTDIR || (!rc && !b->n))
		rc = -ENODEV;
	if (!rc)
		qsort(b->ids, b->n, sizeof(*b->ids), cmp_id);
	return rc;
}

static const struct platform_ops kernel_ops;

/* ndbus<id>: the device directory it links to, its DIMMs and regions. */
static int open_bus(struct pmemctl_ctx *ctx, const char *root, unsigned id,
		    bool writable, struct pmemctl_bus **out)
{
	struct kernel_bus *kb = calloc(1, sizeof(*kb));
	char link[PATH_MAX];
	struct pmemctl_bus *bus;
	int rc;

	if (!kb)
		return log_oom(ctx, root);
	bus = &kb->bus;
	bus->ctx = ctx;
	bus->ops = &kernel_ops;
	snprintf(bus->devname, sizeof(bus->devname), "ndbus%u", id);
	snprintf(kb->root, sizeof(kb->root), "%s", root);
	rc = snprintf(link, sizeof(link), "%s/bus/nd/devices/%s", root,
		      bus->devname) >= (int)sizeof(link) ? -ENAMETOOLONG : 0;
	if (!rc && !realpath(link, kb->path))
		rc = -errno;
	if (rc) {
		err(ctx, "%s: %s", link, strerror(-rc));
		free(kb);
		return rc;
	}
	/* the kernel serialises its own changes: nothing to lock here */
	bus->writable = writable;
	if (sysfs_read(kb->path, "provider", bus->provider,
		       sizeof(bus->provider)))
		bus->provider[0] = '\0';
	rc = scan_dimms(kb);
	if (!rc) {
		rc = kernel_scan_regions(kb);
		if (rc && rc != -ENOMEM)
			err(ctx, "%s: cannot read the regions: %s", kb->path,
			    strerror(-rc));
	}
	if (rc == -ENOMEM)
		log_oom(ctx, bus->devname);
	if (rc) {
		kernel_close(bus);
		return rc;
	}
	*out = bus;
	return 0;
}

PMEMCTL_EXPORT int pmemctl_bus_open_kernel(struct pmemctl_ctx *ctx,
					   bool writable,
					   struct pmemctl_bus **out)
{
	/* test hook: read a sysfs tree laid out elsewhere */
	const char *root = getenv("PMEMCTL_SYSFS_ROOT");
	struct pmemctl_bus *first = NULL, **link = &first;
	struct bus_ids b = { NULL, 0 };
	int rc;

	if (!root || !root[0])
		root = "/sys";
	rc = find_buses(root, &b);
	if (rc == -ENODEV)
		err(ctx, "no NVDIMM platform found: no NVDIMM bus in %s/bus/nd and no --platform DIR (or PMEMCTL_PLATFORM); create one with 'pmemctl platform create DIR'",
		    root);
	else if (rc)
		err(ctx, "%s/bus/nd: %s", root,
		    rc == -ENOMEM ? "out of memory" : strerror(-rc));
	for (unsigned i = 0; !rc && i < b.n; i++) {
		rc = open_bus(ctx, root, b.ids[i], writable, link);
		if (!rc)
			link = &(*link)->next;
	}
	free(b.ids);
	if (rc) {
		pmemctl_bus_close(first);
		return rc;
	}
	*out = first;
	return 0;
}

static void kernel_region_placement(struct pmemctl_region *r,
				    struct region_placement *pl)
{
	(void)r;
	pl->start_align = SZ_2M;
}

static const struct platform_ops kernel_ops = {
	.provider = "unknown",
	.scan_region = kernel_scan_region,
	.close = kernel_close,
	.label_area = kernel_label_area,
	.label_write_begin = kernel_label_write_begin,
	.label_write_end = kernel_label_write_end,
	.region_placement = kernel_region_placement,
	.ns_open_media = kernel_ns_open_raw,
	.ns_open_data = kernel_ns_open_data,
	.ns_apply = kernel_ns_apply,
	.ns_destroy = kernel_ns_destroy,
	.ns_active = kernel_ns_active,
	.ns_enable = kernel_ns_enable,
	.ns_disable = kernel_ns_disable,
	.region_enable = kernel_region_enable,
	.region_disable = kernel_region_disable,
	.dimm_enable = kernel_dimm_enable,
	.dimm_disable = kernel_dimm_disable,
	.blockdev_region = kernel_blockdev_region,
	.read_dimm = read_dimm,
};
