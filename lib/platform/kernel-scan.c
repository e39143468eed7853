// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The live kernel's regions and namespaces, read from sysfs as ndctl reads
 * them (Documentation/design.md, live-kernel.md section 1): region
 * attributes and mappingN; each namespaceR.Y with the btt/pfn/dax device
 * that claims it (its "holder"), which gives the mode's size, uuid, sector
 * size, alignment and device node.  What cannot be read is left out.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "kernel.h"

/* ---- namespaces ------------------------------------------------------------ */

/* "512 [4096]" (the kernel's list of sizes, the selected one bracketed) */
static uint32_t selected_size(const char *dir, const char *attr)
{
	char buf[SYSFS_ATTR_MAX], *open;

	if (sysfs_read(dir, attr, buf, sizeof(buf)))
		return 0;
	open = strchr(buf, '[');
	return open ? (uint32_t)strtoul(open + 1, NULL, 10) : 0;
}

static bool read_uuid(const char *dir, uint8_t uu[16])
{
	char buf[SYSFS_ATTR_MAX];

	return !sysfs_read(dir, "uuid", buf, sizeof(buf)) &&
	       uuid_parse(buf, uu) == 0;
}

/*
 * The first entry of @dir/@sub whose name starts with @prefix ("": none,
 * also when @dir/@sub cannot be read); -ENOMEM when it could not be
 * looked at for want of memory.
 */
int sysfs_first_entry(const char *dir, const char *sub, const char *prefix,
		      char *out, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	out[0] = '\0';
	if (sysfs_join(path, dir, sub))
		return 0;
	d = opendir(path);
	if (!d)
		return errno == ENOMEM ? -ENOMEM : 0;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    strcmp(de->d_name, "dax_region") != 0) {
			snprintf(out, len, "%.*s", DEVNAME_LEN - 1, de->d_name);
			break;
		}
	closedir(d);
	return 0;
}

static enum pmemctl_ns_mode mode_of(const char *word)
{
	enum pmemctl_ns_mode mode;

	return pmemctl_ns_mode_parse(word, &mode) ? PMEMCTL_NS_MODE_UNKNOWN
						  : mode;
}

/* What the claim device (btt, pfn or dax) says about the namespace. */
static int read_claim(struct pmemctl_namespace *ns, const char *claim)
{
	char buf[SYSFS_ATTR_MAX];
	uint64_t v;

	ns->claim_uuid_valid = read_uuid(claim, ns->claim_uuid);
	if (!sysfs_u64(claim, "size", &v))
		ns->size = v;
	ns->disabled = !sysfs_bound(claim);
	if (ns->mode == PMEMCTL_NS_MODE_SECTOR) {
		ns->sector_size = selected_size(claim, "sector_size");
		ns->claim = CLAIM_BTT;
	} else {
		if (!sysfs_u64(claim, "align", &v))
			ns->align = v;
		if (!sysfs_read(claim, "mode", buf, sizeof(buf)))
			ns->map = strcmp(buf, "ram") == 0 ? PMEMCTL_MAP_MEM :
				  PMEMCTL_MAP_DEV;
		ns->claim = ns->mode == PMEMCTL_NS_MODE_DEVDAX ? CLAIM_DAX :
							       CLAIM_PFN;
	}
	if (ns->disabled)
		return 0;
	if (ns->mode == PMEMCTL_NS_MODE_DEVDAX)
		return sysfs_first_entry(claim, ".", "dax", ns->chardev,
					 sizeof(ns->chardev));
	return sysfs_first_entry(claim, "block", "pmem", ns->blockdev,
				 sizeof(ns->blockdev));
}

/* 0, or -ENOMEM: its devices could not be looked for. */
static int read_namespace(struct pmemctl_namespace *ns, const char *path)
{
	const char *rpath = kernel_region(ns->region)->path;
	char buf[SYSFS_ATTR_MAX], claim[PATH_MAX];
	uint64_t v;
	int rc = 0;

	ns->has_uuid = read_uuid(path, ns->uuid);
	if (!sysfs_u64(path, "size", &v))
		ns->raw_size = ns->size = v;
	if (sysfs_read(path, "alt_name", ns->name, sizeof(ns->name)))
		ns->name[0] = '\0';
	ns->has_numa_node = sysfs_int(path, "numa_node", &ns->numa_node) &&
			    ns->numa_node >= 0;
	ns->sector_size = selected_size(path, "sector_size");
	ns->mode = sysfs_read(path, "mode", buf, sizeof(buf)) ?
		   PMEMCTL_NS_MODE_RAW : mode_of(buf);
	ns->disabled = !sysfs_bound(path);
	if (ns->mode != PMEMCTL_NS_MODE_RAW &&
	    !sysfs_read(path, "holder", buf, sizeof(buf)) && buf[0] &&
	    !sysfs_join(claim, rpath, buf))
		rc = read_claim(ns, claim);
	else if (!ns->disabled)
		rc = sysfs_first_entry(path, "block", "pmem", ns->blockdev,
				       sizeof(ns->blockdev));
	if (!ns->sector_size)
		ns->sector_size = 512;
	/*
	 * No capacity: idle, like the seed.  namespaceR.0 stays after destroy
	 * (size 0), and another one lingers until the kernel's asynchronous
	 * unregister has run.
	 */
	ns->is_seed = ns->raw_size == 0;
	return rc;
}

struct ns_scan {
	struct pmemctl_region *r;
};

static int add_namespace(void *arg, const char *name, unsigned id)
{
	struct ns_scan *s = arg;
	struct pmemctl_region *r = s->r;
	struct pmemctl_namespace **v, *ns;
	char path[PATH_MAX];
	int rc = sysfs_join(path, kernel_region(r)->path, name);

	if (rc)
		return rc;
	v = realloc(r->namespaces, (r->nnamespaces + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->namespaces = v;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->region = r;
	ns->id = id;
	snprintf(ns->devname, sizeof(ns->devname), "%s", name);
	rc = read_namespace(ns, path);
	if (rc) {
		free(ns);
		return rc;
	}
	v[r->nnamespaces++] = ns;
	return 0;
}

static int cmp_ns(const void *a, const void *b)
{
	const struct pmemctl_namespace *x = *(void *const *)a;
	const struct pmemctl_namespace *y = *(void *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void free_namespaces(struct pmemctl_region *r)
{
	for (unsigned i = 0; i < r->nnamespaces; i++)
		free(r->namespaces[i]);
	free(r->namespaces);
	r->namespaces = NULL;
	r->nnamespaces = 0;
}

/* Every namespaceR.Y under the region, in id order. */
static int scan_namespaces(struct pmemctl_region *r)
{
	const char *path = kernel_region(r)->path;
	struct ns_scan s = { .r = r };
	char prefix[DEVNAME_LEN];
	int rc;

	free_namespaces(r);
	snprintf(prefix, sizeof(prefix), "namespace%u.", r->id);
	rc = sysfs_foreach(path, prefix, add_namespace, &s);
	if (rc == -ENOMEM)
		return rc;	/* otherwise unreadable: what was read is shown */
	if (r->nnamespaces)
		qsort(r->namespaces, r->nnamespaces, sizeof(*r->namespaces),
		      cmp_ns);
	return 0;
}

/* ---- regions --------------------------------------------------------------- */

static struct pmemctl_dimm *dimm_by_name(struct pmemctl_bus *bus,
					 const char *name)
{
	for (unsigned i = 0; i < bus->ndimms; i++)
		if (strcmp(bus->dimms[i]->devname, name) == 0)
			return bus->dimms[i];
	return NULL;
}

/* mappingN: "nmemX,offset,length,position" */
static void read_mappings(struct pmemctl_region *r, const char *path)
{
	char attr[32], buf[SYSFS_ATTR_MAX], dimm[DEVNAME_LEN];
	unsigned long long offset, length;
	uint64_t n = 0;
	unsigned pos;

	r->nmappings = 0;
	if (sysfs_u64(path, "mappings", &n))
		return;
	if (n > REGION_MAX_MAPPINGS) {
		warn(r->bus->ctx, "%s: %llu mappings, only the first %u are shown",
		     r->devname, (unsigned long long)n, REGION_MAX_MAPPINGS);
		n = REGION_MAX_MAPPINGS;
	}
	for (unsigned i = 0; i < n; i++) {
		struct region_mapping *m = &r->mappings[r->nmappings];

		snprintf(attr, sizeof(attr), "mapping%u", i);
		if (sysfs_read(path, attr, buf, sizeof(buf)) ||
		    sscanf(buf, "%31[^,],%llu,%llu,%u", dimm, &offset, &length,
			   &pos) != 4)
			continue;
		m->dimm = dimm_by_name(r->bus, dimm);
		if (!m->dimm)
			continue;
		m->offset = offset;
		m->length = length;
		m->position = pos;
		r->nmappings++;
	}
}

static void read_region(struct pmemctl_region *r, const char *path)
{
	char buf[SYSFS_ATTR_MAX];
	uint64_t v;

	if (!sysfs_u64(path, "size", &v))
		r->size = v;
	if (!sysfs_u64(path, "align", &v))
		r->align = v;
	if (!sysfs_u64(path, "set_cookie", &v))
		r->iset_cookie = v;
	/* nstype 5 (pmem) means labels; 4 (io) is label-less */
	r->labelled = !sysfs_u64(path, "nstype", &v) && v == 5;
	/* a label-less region cannot be carved: nothing available (ndctl) */
	if (r->labelled && !sysfs_u64(path, "available_size", &v))
		r->available_size = v;
	if (r->labelled && !sysfs_u64(path, "max_available_extent", &v))
		r->max_available_extent = v;
	r->disabled = !sysfs_bound(path);
	r->has_numa_node = sysfs_int(path, "numa_node", &r->numa_node) &&
			   r->numa_node >= 0;
	/* hidden by the kernel when it knows no domain: "unknown" (ndctl) */
	if (sysfs_read(path, "persistence_domain", buf, sizeof(buf)))
		buf[0] = '\0';
	snprintf(r->persistence_domain, sizeof(r->persistence_domain), "%.*s",
		 DEVNAME_LEN - 1, buf[0] ? buf : "unknown");
	read_mappings(r, path);
}

int kernel_scan_region(struct pmemctl_region *r)
{
	read_region(r, kernel_region(r)->path);
	return scan_namespaces(r);
}

/*
 * <root>/class/block/@dev links into the device tree below its region;
 * no such link: no such block device.  Without class/block (a tree laid
 * out by hand) *r stays NULL: every region is looked in.
 */
int kernel_blockdev_region(struct pmemctl_bus *bus, const char *dev,
			   struct pmemctl_region **r)
{
	char link[PATH_MAX], real[PATH_MAX];
	int rc;

	if (strchr(dev, '/') || dev[0] == '.')
		return -ENOENT;
	rc = snprintf(link, sizeof(link), "%s/class/block/%s",
		      kernel_bus(bus)->root, dev) >= (int)sizeof(link) ?
	     -ENAMETOOLONG : 0;
	if (rc) {
		err(bus->ctx, "%.64s: cannot look the block device up: %s",
		    dev, strerror(-rc));
		return rc;
	}
	if (!realpath(link, real)) {
		if (errno == ENOMEM)
			return log_oom(bus->ctx, dev);
		*strrchr(link, '/') = '\0';
		return access(link, F_OK) == 0 ? -ENOENT : 0;
	}
	for (unsigned i = 0; i < bus->nregions; i++) {
		const char *path = kernel_region(bus->regions[i])->path;
		size_t n = strlen(path);

		if (!strncmp(real, path, n) && real[n] == '/') {
			*r = bus->regions[i];
			return 0;
		}
	}
	return -ENOENT;
}

static int cmp_region(const void *a, const void *b)
{
	const struct pmemctl_region *x = *(void *const *)a;
	const struct pmemctl_region *y = *(void *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int add_region(void *arg, const char *name, unsigned id)
{
	struct kernel_bus *kb = arg;
	struct pmemctl_bus *bus = &kb->bus;
	struct pmemctl_region **v;
	struct kernel_region *kr;
	int rc;

	v = realloc(bus->regions, (bus->nregions + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	bus->regions = v;
	kr = calloc(1, sizeof(*kr));
	if (!kr)
		return -ENOMEM;
	kr->region.bus = bus;
	kr->region.id = id;
	snprintf(kr->region.devname, sizeof(kr->region.devname), "%.*s", DEVNAME_LEN - 1, name);
	kr->region.unread = true;
	v[bus->nregions++] = &kr->region;
	rc = sysfs_join(kr->path, kb->path, name);
	return rc;
}

/* Every regionN under the bus device, in id order; each is read on first
 * use (region_read()). */
int kernel_scan_regions(struct kernel_bus *kb)
{
	struct pmemctl_bus *bus = &kb->bus;
	int rc = sysfs_foreach(kb->path, "region", add_region, kb);

	if (bus->nregions)
		qsort(bus->regions, bus->nregions, sizeof(*bus->regions),
		      cmp_region);
	return rc;
}

void kernel_free_regions(struct pmemctl_bus *bus)
{
	for (unsigned i = 0; i < bus->nregions; i++) {
		free_namespaces(bus->regions[i]);
		free(kernel_region(bus->regions[i]));
	}
	free(bus->regions);
}
