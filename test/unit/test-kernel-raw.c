// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw access to a live namespace (pmemctl_namespace_open_raw) on a sysfs
 * tree laid out like the kernel's (PMEMCTL_SYSFS_ROOT): every refusal
 * comes before anything is written, and a switch that fails part way puts
 * force_raw and the driver binding back.  A child process plays the
 * kernel's part for the bind: it binds the namespace once force_raw is 1
 * and unbinds it when asked, so the undo is seen end to end.  (The real
 * kernel is the VM suite's check-kernel scenario.)
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <pmemctl/libpmemctl.h>
#include "tap.h"

static char root[] = "/tmp/pmemctl-raw-XXXXXX";
static char last_err[512];

static void logger(struct pmemctl_ctx *ctx, int prio, const char *file,
		   int line, const char *fn, const char *fmt, va_list ap)
{
	(void)ctx, (void)prio, (void)file, (void)line, (void)fn;
	vsnprintf(last_err, sizeof(last_err), fmt, ap);
}

static void put(const char *rel, const char *val)
{
	char path[4096], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = strchr(path + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (!val) {
		mkdir(path, 0755);
		return;
	}
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s\n", val);
		fclose(f);
	}
}

static void get(const char *rel, char *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static void link_rel(const char *target, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (symlink(target, path))
		perror(path);
}

#define BUS "devices/ndbus0"
#define R0 BUS "/region0"
#define R1 BUS "/region1"
#define R2 BUS "/region2"
#define DRV "/bus/nd/drivers/nd_pmem"
#define NS1_UUID "5a1e0c3b-7d2f-4e61-9b8a-0c1d2e3f4a5b"

/* A 32 MiB region of nstype @nstype with one mapping, @map. */
static void put_region(const char *region, const char *nstype,
		       const char *map)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s/size", region);
	put(rel, "33554432");
	snprintf(rel, sizeof(rel), "%s/nstype", region);
	put(rel, nstype);
	snprintf(rel, sizeof(rel), "%s/mappings", region);
	put(rel, "1");
	snprintf(rel, sizeof(rel), "%s/mapping0", region);
	put(rel, map);
}

static void make_tree(void)
{
	char drv[4096];

	snprintf(drv, sizeof(drv), "%s" DRV, root);
	put("bus/nd/devices", NULL);
	put(DRV "/bind", "");
	put(DRV "/unbind", "");
	put("bus/nd/drivers_probe", "");
	link_rel("../../../devices/ndbus0", "bus/nd/devices/ndbus0");
	put(BUS "/provider", "ACPI.NFIT");
	put(R0 "/size", "335544320");
	put(R0 "/nstype", "5");
	put(R0 "/namespace_seed", "namespace0.4");
	link_rel(drv, R0 "/driver");
	/* sector, enabled through btt0.1 */
	put(R0 "/namespace0.0/size", "33554432");
	put(R0 "/namespace0.0/mode", "safe");
	put(R0 "/namespace0.0/holder", "btt0.1");
	put(R0 "/namespace0.0/force_raw", "0");
	put(R0 "/btt0.1/namespace", "namespace0.0");
	put(R0 "/btt0.1/block/pmem0s", NULL);
	link_rel(drv, R0 "/btt0.1/driver");
	/* sector, disabled: its btt0.2 unbound but still attached */
	put(R0 "/namespace0.1/size", "16777216");
	put(R0 "/namespace0.1/mode", "safe");
	put(R0 "/namespace0.1/holder", "btt0.2");
	put(R0 "/namespace0.1/force_raw", "0");
	put(R0 "/btt0.2/namespace", "namespace0.1");
	/* "memory" with no claim (a region mapped with pages), disabled */
	put(R0 "/namespace0.2/size", "16777216");
	put(R0 "/namespace0.2/mode", "memory");
	put(R0 "/namespace0.2/holder", "");
	put(R0 "/namespace0.2/force_raw", "0");
	/* raw, disabled */
	put(R0 "/namespace0.3/size", "16777216");
	put(R0 "/namespace0.3/mode", "raw");
	put(R0 "/namespace0.3/holder", "");
	put(R0 "/namespace0.3/force_raw", "0");
	/* the seed */
	put(R0 "/namespace0.4/size", "0");
	put(R0 "/namespace0.4/mode", "raw");
	/* a DIMM: its NFIT facts are written after the bus is opened */
	put(BUS "/nmem0/nfit", NULL);
	/* a second region, enabled, one raw namespace; bound nmem0 */
	put_region(R1, "5", "nmem0,0,33554432,0");
	link_rel(drv, R1 "/driver");
	put(R1 "/namespace1.0/size", "16777216");
	put(R1 "/namespace1.0/mode", "raw");
	put(R1 "/namespace1.0/uuid", NS1_UUID);
	put(R1 "/namespace1.0/block/pmem1", NULL);
	link_rel(drv, R1 "/namespace1.0/driver");
	put("bus/nd/drivers/nvdimm/unbind", "");
	link_rel("../../../bus/nd/drivers/nvdimm", BUS "/nmem0/driver");
	/* label-less region2 maps nmem0 too; its namespace is enabled */
	put_region(R2, "4", "nmem0,33554432,33554432,0");
	put(R2 "/namespace2.0/size", "33554432");
	put(R2 "/namespace2.0/mode", "raw");
	link_rel(drv, R2 "/namespace2.0/driver");
	put("class/block", NULL);
	link_rel("../../" R1 "/namespace1.0/block/pmem1", "class/block/pmem1");
	link_rel("../../" R0 "/btt0.1/block/pmem0s", "class/block/pmem0s");
}

/* Every path, file content and link target under the tree. */
static unsigned long long tree_sum;

static int sum_one(const char *path, const struct stat *st, int type,
		   struct FTW *ftw)
{
	char buf[4096];
	ssize_t n = 0;
	int fd;

	(void)st, (void)ftw;
	for (const char *p = path; *p; p++)
		tree_sum = tree_sum * 131 + (unsigned char)*p;
	if (type == FTW_SL)
		n = readlink(path, buf, sizeof(buf));
	else if (type == FTW_F && (fd = open(path, O_RDONLY)) >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	for (ssize_t i = 0; i < n; i++)
		tree_sum = tree_sum * 131 + (unsigned char)buf[i];
	return 0;
}

static unsigned long long tree_hash(void)
{
	tree_sum = 0;
	nftw(root, sum_one, 16, FTW_PHYS);
	return tree_sum;
}

static struct pmemctl_namespace *find_ns(struct pmemctl_bus *bus,
					 const char *name)
{
	struct pmemctl_namespace *ns;

	return pmemctl_bus_find_namespace(bus, name, &ns) ? NULL : ns;
}

static unsigned count_ns(struct pmemctl_bus *bus, const char *region)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	unsigned n = 0;

	pmemctl_region_foreach(bus, r)
		if (!strcmp(pmemctl_region_get_devname(r), region))
			pmemctl_namespace_foreach(r, ns)
				n++;
	return n;
}

/*
 * A lookup reads only the named namespace's region: region0 changed after
 * a lookup in region1 is seen as it is now when iteration reaches it.
 */
static void test_lookup(struct tap *t, struct pmemctl_bus *bus)
{
	static const char *const bad[] = {
		"namespace1.7", "namespace9.0", "namespace1.0x", "namespace01.0",
		"1.0", "namespace1", "all", "",
	};
	struct pmemctl_namespace *ns = NULL;
	struct pmemctl_dimm *dimm = pmemctl_dimm_get_first(bus);
	int rc = pmemctl_bus_find_namespace(bus, "namespace1.0", &ns);
	char longname[4096];

	tap_ok(t, rc == 0 && ns &&
	       !strcmp(pmemctl_namespace_get_devname(ns), "namespace1.0") &&
	       pmemctl_namespace_get_size(ns) == 16777216 &&
	       !strcmp(pmemctl_region_get_devname(pmemctl_namespace_get_region(ns)),
		       "region1"),
	       "namespace1.0 is found in region1 (%d)", rc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ns = NULL;
		rc = pmemctl_bus_find_namespace(bus, bad[i], &ns);
		tap_ok(t, rc == -ENOENT && !ns, "'%s': -ENOENT (%d)", bad[i], rc);
	}
	ns = NULL;
	rc = pmemctl_bus_find_blockdev(bus, "pmem1", &ns);
	tap_ok(t, rc == 0 && ns &&
	       !strcmp(pmemctl_namespace_get_devname(ns), "namespace1.0"),
	       "/dev/pmem1 is namespace1.0's (%d)", rc);
	rc = pmemctl_bus_find_blockdev(bus, "pmem7", &ns);
	tap_ok(t, rc == -ENOENT, "pmem7: -ENOENT (%d)", rc);
	memset(longname, 'p', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	last_err[0] = '\0';
	rc = pmemctl_bus_find_blockdev(bus, longname, &ns);
	tap_ok(t, rc == -ENAMETOOLONG && strstr(last_err,
	       ": cannot look the block device up: File name too long"),
	       "a block device name too long for a path: said (%d, %s)", rc,
	       last_err);
	put(R0 "/namespace0.5/size", "16777216");
	put(R0 "/namespace0.5/mode", "raw");
	tap_ok(t, count_ns(bus, "region0") == 6,
	       "region0 was not read by the lookups: iteration reads it now (%u namespaces)",
	       count_ns(bus, "region0"));
	tap_ok(t, count_ns(bus, "region1") == 1, "region1: its one namespace");
	put(BUS "/nmem0/nfit/serial", "0x1234");
	put(BUS "/nmem0/nfit/id", "8680-34120000");
	tap_ok(t, dimm && pmemctl_dimm_get_serial(dimm) == 0x1234 &&
	       !strcmp(pmemctl_dimm_get_unique_id(dimm), "8680-34120000"),
	       "nmem0's NFIT facts are read on first use, not at open");
	rc = pmemctl_bus_find_blockdev(bus, "pmem0s", &ns);
	tap_ok(t, rc == 0 && ns &&
	       !strcmp(pmemctl_namespace_get_devname(ns), "namespace0.0"),
	       "/dev/pmem0s is namespace0.0's (%d)", rc);
}

/* A bus of its own, opened without pmemctl_bus_scan(): no region read. */
static struct pmemctl_bus *open_unread(struct tap *t, struct pmemctl_ctx *ctx)
{
	struct pmemctl_bus *bus = NULL;

	if (pmemctl_bus_open_kernel(ctx, true, &bus))
		tap_ok(t, false, "the fake sysfs tree opens: %s", last_err);
	return bus;
}

static int refuse_relabel(struct pmemctl_dimm *dimm)
{
	return pmemctl_dimm_refuse_relabel(dimm, false);
}

/*
 * Safety decisions read every region first.  On a bus nothing has read,
 * @call on nmem0 is refused (-EBUSY) with @msg, and nothing is written:
 * disabling it (region1, enabled, maps it) and labelling it (label-less
 * region2 maps it: its enabled namespace2.0 would be replaced).
 */
static void test_dimm_refused(struct tap *t, struct pmemctl_ctx *ctx,
			      int (*call)(struct pmemctl_dimm *),
			      const char *what, const char *msg)
{
	struct pmemctl_bus *bus = open_unread(t, ctx);
	struct pmemctl_dimm *dimm = bus ? pmemctl_dimm_get_first(bus) : NULL;
	unsigned long long before = tree_hash();
	int rc;

	if (!dimm)
		return;
	rc = call(dimm);
	tap_ok(t, rc == -EBUSY && strstr(last_err, msg),
	       "%s, regions never read: %d, %s", what, rc, last_err);
	tap_ok(t, tree_hash() == before, "nothing written");
	pmemctl_bus_close(bus);
}

/* The uuid of namespace1.0, in region1 never read, is taken. */
static void test_uuid_taken(struct tap *t, struct pmemctl_ctx *ctx)
{
	struct pmemctl_namespace *ns = NULL, *out = NULL;
	struct pmemctl_bus *bus = open_unread(t, ctx);
	struct pmemctl_ns_spec spec = { .mode = PMEMCTL_NS_MODE_RAW,
					.size = 16777216 };
	unsigned long long before = tree_hash();
	static const uint8_t uu[16] = {	/* NS1_UUID */
		0x5a, 0x1e, 0x0c, 0x3b, 0x7d, 0x2f, 0x4e, 0x61,
		0x9b, 0x8a, 0x0c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b,
	};
	int rc;

	if (!bus || pmemctl_bus_find_namespace(bus, "namespace0.3", &ns))
		goto out;
	spec.uuid = uu;
	rc = pmemctl_region_create_namespace(pmemctl_namespace_get_region(ns),
					     &spec, &out);
	tap_ok(t, rc == -EEXIST && strstr(last_err,
	       "region0: uuid already used by namespace1.0"),
	       "create in region0 with the uuid of namespace1.0 (region1 not read): %d, %s",
	       rc, last_err);
	tap_ok(t, tree_hash() == before, "nothing written");
out:
	if (bus)
		pmemctl_bus_close(bus);
}

/*
 * Disabled is not empty.  namespace0.1 (its btt0.2 unbound, still
 * attached) is refused by destroy and reconfigure without force, from
 * sysfs alone.  namespace0.2, "memory" with no claim, holds no layout:
 * its media are looked at, which here fails first (drivers_probe not
 * writable) rather than calling it fsdax.  Nothing is written.
 */
static void test_disabled_in_use(struct tap *t, struct pmemctl_ctx *ctx)
{
	struct pmemctl_ns_spec spec = { .mode = PMEMCTL_NS_MODE_RAW };
	struct pmemctl_namespace *ns = NULL, *out = NULL;
	struct pmemctl_bus *bus = open_unread(t, ctx);
	unsigned long long before = tree_hash();
	char probe[4096];
	int rc;

	if (!bus || pmemctl_bus_find_namespace(bus, "namespace0.1", &ns))
		goto out;
	rc = pmemctl_namespace_destroy(ns, false);
	tap_ok(t, rc == -EBUSY && strstr(last_err,
	       "namespace0.1 is disabled but holds a sector layout; use --force to destroy it"),
	       "destroy of a disabled claimed namespace: %d, %s", rc, last_err);
	rc = pmemctl_namespace_reconfigure(ns, &spec, &out);
	tap_ok(t, rc == -EBUSY && strstr(last_err,
	       "namespace0.1 is disabled but holds a sector layout; use --force to reconfigure it"),
	       "reconfigure of it: %d, %s", rc, last_err);
	tap_ok(t, pmemctl_namespace_check_use(ns) == 1, "in use");
	tap_ok(t, tree_hash() == before, "nothing written");
	if (pmemctl_bus_find_namespace(bus, "namespace0.2", &ns))
		goto out;
	snprintf(probe, sizeof(probe), "%s/bus/nd/drivers_probe", root);
	unlink(probe);
	before = tree_hash();
	rc = pmemctl_namespace_destroy(ns, false);
	tap_ok(t, rc == -EACCES && strstr(last_err, "drivers_probe is not writable"),
	       "unclaimed \"memory\" namespace: its media looked at, not called fsdax: %d, %s",
	       rc, last_err);
	tap_ok(t, tree_hash() == before, "nothing written");
	put("bus/nd/drivers_probe", "");
out:
	if (bus)
		pmemctl_bus_close(bus);
}

/*
 * The kernel's part, for namespace0.3: bind it (driver link, block
 * device) once force_raw is 1 and something was written to bind; unbind
 * it when its driver's unbind is written.  Ends after 20 s at most.
 */
static pid_t fake_kernel(void)
{
	pid_t pid = fork();
	char v[64], drv[4096], link[4096];
	struct timespec ms = { 0, 1000000L };

	if (pid)
		return pid;
	snprintf(drv, sizeof(drv), "%s" DRV, root);
	snprintf(link, sizeof(link), "%s/" R0 "/namespace0.3/driver", root);
	for (int i = 0; i < 20000; i++, nanosleep(&ms, NULL)) {
		struct stat st;
		bool bound = lstat(link, &st) == 0;

		get(R0 "/namespace0.3/force_raw", v, sizeof(v));
		if (!bound && !strcmp(v, "1")) {
			get(DRV "/bind", v, sizeof(v));
			if (!strcmp(v, "namespace0.3")) {
				put(DRV "/bind", "");
				put(R0 "/namespace0.3/block/pmem3", NULL);
				if (symlink(drv, link))
					_exit(1);
			}
		} else if (bound) {
			get(DRV "/unbind", v, sizeof(v));
			if (!strcmp(v, "namespace0.3")) {
				put(DRV "/unbind", "");
				unlink(link);
			}
		}
	}
	_exit(0);
}

int main(void)
{
	struct pmemctl_namespace *sec, *raw, *seed;
	struct pmemctl_media *m = NULL;
	struct pmemctl_bus *bus = NULL;
	struct pmemctl_ctx *ctx;
	unsigned long long before;
	struct tap t = { 0 };
	char v[64], bind[4096];
	pid_t kid;
	int rc;

	if (!mkdtemp(root) || pmemctl_new(&ctx))
		return 1;
	pmemctl_set_log_fn(ctx, logger);
	make_tree();
	setenv("PMEMCTL_SYSFS_ROOT", root, 1);
	if (pmemctl_bus_open_kernel(ctx, false, &bus)) {
		tap_ok(&t, false, "the fake sysfs tree opens: %s", last_err);
		return tap_done(&t);
	}
	test_dimm_refused(&t, ctx, pmemctl_dimm_disable, "disable nmem0",
			  "nmem0: region1 is enabled and uses it");
	test_uuid_taken(&t, ctx);
	test_dimm_refused(&t, ctx, refuse_relabel, "labels on nmem0",
			  "namespace2.0 is active; use --force to replace it");
	test_disabled_in_use(&t, ctx);
	test_lookup(&t, bus);
	sec = find_ns(bus, "namespace0.0");
	raw = find_ns(bus, "namespace0.3");
	seed = find_ns(bus, "namespace0.4");
	tap_ok(&t, sec && raw && seed, "three namespaces");
	if (!sec || !raw || !seed)
		return tap_done(&t);

	before = tree_hash();
	rc = pmemctl_namespace_open_raw(sec, PMEMCTL_RAW_WRITE, &m);
	tap_ok(&t, rc == -EBUSY && strstr(last_err,
	       "namespace0.0 is enabled (sector, /dev/pmem0s); raw access needs it disabled: disable it first (or force, where offered); nothing changed"),
	       "an enabled sector namespace is refused without force: %s",
	       last_err);
	rc = pmemctl_namespace_open_media(sec, &m);
	tap_ok(&t, rc == -EBUSY, "also through pmemctl_namespace_open_media");
	if (access("/dev/pmem0s", F_OK)) {
		rc = pmemctl_namespace_open_raw(sec, PMEMCTL_RAW_FORCE, &m);
		tap_ok(&t, rc == -EBUSY && strstr(last_err,
		       "cannot check whether /dev/pmem0s is in use"),
		       "forced, a block device that cannot be pinned is refused: %s",
		       last_err);
	}
	rc = pmemctl_namespace_open_raw(seed, PMEMCTL_RAW_FORCE, &m);
	tap_ok(&t, rc == -ENXIO, "the seed has no capacity: %s", last_err);
	tap_ok(&t, tree_hash() == before, "nothing written by the refusals");

	snprintf(bind, sizeof(bind), "%s/bus/nd/drivers_probe", root);
	unlink(bind);
	before = tree_hash();
	rc = pmemctl_namespace_open_raw(raw, 0, &m);
	tap_ok(&t, rc == -EACCES && strstr(last_err, "drivers_probe is not writable"),
	       "sysfs not writable: refused first: %s", last_err);
	tap_ok(&t, tree_hash() == before, "nothing written");
	put("bus/nd/drivers_probe", "");

	/* the switch goes through, /dev/pmem3 is missing: all undone */
	kid = fake_kernel();
	rc = pmemctl_namespace_open_raw(raw, 0, &m);
	tap_ok(&t, rc == -ENOENT && strstr(last_err, "/dev/pmem3: cannot open"),
	       "bound raw, its block device cannot be opened: %s", last_err);
	get(R0 "/namespace0.3/force_raw", v, sizeof(v));
	tap_ok(&t, !strcmp(v, "0"), "force_raw is back to 0 (%s)", v);
	snprintf(bind, sizeof(bind), "%s/" R0 "/namespace0.3/driver", root);
	tap_ok(&t, access(bind, F_OK) != 0, "the namespace is unbound again");
	kill(kid, SIGTERM);
	waitpid(kid, NULL, 0);

	pmemctl_bus_close(bus);
	pmemctl_free(ctx);
	snprintf(bind, sizeof(bind), "rm -rf '%s'", root);
	if (system(bind))
		return 1;
	return tap_done(&t);
}
