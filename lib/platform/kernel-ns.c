// SPDX-License-Identifier: LGPL-2.1-only
/*
 * create-namespace, reconfigure (-e) and destroy-namespace on the live
 * kernel, in ndctl's write order (live-kernel.md section 1,
 * Documentation/design.md "The kernel backend's writes"):
 *
 * create:  the namespace (namespaceR.0 when idle, else the region's
 *          namespace_seed): uuid, alt_name, size (label-less: none of
 *          these), sector_size, holder_class; then the claim device from
 *          the region's btt_seed/pfn_seed/dax_seed: uuid, sector_size or
 *          mode and align, namespace; bind it (raw: bind the namespace).
 * rollback: a failure part way detaches the claim device ("\n" to its
 *          namespace), clears holder_class, puts sector_size, alt_name
 *          and (-e) uuid back and writes size 0 (not -e), so the region
 *          is as before; unlike ndctl, a failed btt bind too.
 * -e and destroy: disable (a held block device is refused, even with
 *          --force), detach the claim, holder_class "", wipe the first
 *          8 KiB through the raw block device (kernel-raw.c: force_raw,
 *          O_EXCL), then set up again (-e) or size 0 (destroy).
 * label-less: create on its one namespace is -e's prep.  Whether it
 *          may be replaced is planning's (plan.c namespace_use): without
 *          --force, refused while active, claimed, or holding an info
 *          block, data or a BTT backup (read raw).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "infoblock.h"
#include "kernel.h"

#define NS_MIN_CLAIM_SIZE SZ_16M	/* the kernel's claim minimum */

/* One namespace being set up, and what was done to it so far. */
struct ns_job {
	struct kernel_bus *kb;
	struct pmemctl_region *r;
	const char *rpath;
	const struct ns_plan *p;
	bool io;			/* label-less: no uuid, name, size */
	char name[DEVNAME_LEN];
	char path[PATH_MAX];
	char cname[SYSFS_ATTR_MAX];	/* the claim device, "" for raw */
	char cpath[PATH_MAX];
	/* what the namespace had, put back by a rollback */
	char old_name[SYSFS_ATTR_MAX];
	char old_uuid[SYSFS_ATTR_MAX];	/* "" if it had none */
	uint32_t old_lbasize;
	bool uuid_written, named, sized, claimed;
};

static struct pmemctl_ctx *job_ctx(struct ns_job *j)
{
	return j->kb->bus.ctx;
}

/* Write one attribute; a failure names the device and attribute. */
static int put(struct ns_job *j, const char *dir, const char *dev,
	       const char *attr, const char *val)
{
	int rc = sysfs_write(dir, attr, val);

	if (rc)
		err(job_ctx(j), "%s: writing %s: %s", dev, attr,
		    strerror(-rc));
	return rc;
}

static int put_u64(struct ns_job *j, const char *dir, const char *dev,
		   const char *attr, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%#llx\n", (unsigned long long)v);
	return put(j, dir, dev, attr, buf);
}

static int put_uuid(struct ns_job *j, const char *dir, const char *dev,
		    const uint8_t uu[16])
{
	char buf[40];

	uuid_unparse(uu, buf);
	return put(j, dir, dev, "uuid", buf);
}

/*
 * Is @v one of the sizes in @dir/@attr ("512 [4096]")?  *@selected: the
 * bracketed one.
 */
static bool size_listed(const char *dir, const char *attr, uint32_t v,
			uint32_t *selected)
{
	char buf[SYSFS_ATTR_MAX], *save = NULL, *tok;
	bool found = false;

	*selected = 0;
	if (sysfs_read(dir, attr, buf, sizeof(buf)))
		return false;
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		uint32_t n = (uint32_t)strtoul(tok + (tok[0] == '['), NULL, 10);

		found |= n == v;
		if (tok[0] == '[')
			*selected = n;
	}
	return found;
}

/* ---- before the first write -------------------------------------------- */

/* Every attribute about to be written must be writable: one clear line. */
static int check_attrs(struct ns_job *j, const char *dir, const char *dev,
		       const char *const *attrs)
{
	char path[PATH_MAX];
	int rc;

	for (; *attrs; attrs++) {
		rc = sysfs_join(path, dir, *attrs);
		if (rc || access(path, F_OK))
			continue;	/* absent: not written (io, no align) */
		if (access(path, W_OK) == 0)
			continue;
		rc = -errno;
		err(job_ctx(j), "%s: %s is not writable (%s)%s; nothing changed",
		    dev, path, strerror(-rc),
		    rc == -EROFS ? ": sysfs is mounted read-only" :
		    rc == -EACCES || rc == -EPERM ? ": run as root" : "");
		return rc == -EROFS ? rc : -EACCES;
	}
	return 0;
}

static int check_region(struct ns_job *j)
{
	struct pmemctl_region *r = j->r;
	uint64_t ro;

	if (!sysfs_bound(j->rpath)) {
		err(job_ctx(j), "%s is disabled; enable it first (pmemctl enable-region %s)",
		    r->devname, r->devname);
		return -ENXIO;
	}
	if (!sysfs_u64(j->rpath, "read_only", &ro) && ro) {
		err(job_ctx(j), "%s is read-only; nothing changed", r->devname);
		return -EROFS;
	}
	return kernel_writable(j->kb, r->devname);
}

static int set_ns(struct ns_job *j, const char *name)
{
	snprintf(j->name, sizeof(j->name), "%.*s", DEVNAME_LEN - 1, name);
	return sysfs_join(j->path, j->rpath, j->name);
}

/* "Configuration idle" (ndctl): no driver, and no size or no uuid. */
static bool ns_idle(const char *path)
{
	char buf[SYSFS_ATTR_MAX];
	uint64_t size;
	uint8_t uu[16];

	if (sysfs_bound(path) || sysfs_u64(path, "size", &size))
		return false;
	if (size < NS_MIN_CLAIM_SIZE)
		return true;
	return !sysfs_read(path, "uuid", buf, sizeof(buf)) &&
	       (uuid_parse(buf, uu) || uuid_is_null(uu));
}

/* namespaceR.0 when idle, else the region's namespace seed. */
static int pick_namespace(struct ns_job *j)
{
	char name[SYSFS_ATTR_MAX];
	int rc;

	snprintf(name, sizeof(name), "namespace%u.0", j->r->id);
	rc = set_ns(j, name);
	if (rc || ns_idle(j->path))
		return rc;
	if (sysfs_read(j->rpath, "namespace_seed", name, sizeof(name)) ||
	    !name[0]) {
		err(job_ctx(j), "%s: no idle namespace to configure (no namespace_seed)",
		    j->r->devname);
		return -ENODEV;
	}
	return set_ns(j, name);
}

/* The btt/pfn/dax seed the mode needs; "" for raw. */
static int pick_claim(struct ns_job *j)
{
	static const char *const seed[] = {
		[PMEMCTL_NS_MODE_SECTOR] = "btt_seed",
		[PMEMCTL_NS_MODE_FSDAX] = "pfn_seed",
		[PMEMCTL_NS_MODE_DEVDAX] = "dax_seed",
	};
	enum pmemctl_ns_mode m = j->p->mode;

	j->cname[0] = '\0';
	if (m == PMEMCTL_NS_MODE_RAW)
		return 0;
	if (sysfs_read(j->rpath, seed[m], j->cname, sizeof(j->cname)) ||
	    !j->cname[0]) {
		err(job_ctx(j), "%s: no %s (is %s mode built into this kernel?)",
		    j->r->devname, seed[m], pmemctl_ns_mode_name(m));
		return -EOPNOTSUPP;
	}
	return sysfs_join(j->cpath, j->rpath, j->cname);
}

static int check_job(struct ns_job *j)
{
	static const char *const ns_attrs[] = {
		"uuid", "alt_name", "size", "sector_size", "holder_class", NULL
	};
	static const char *const claim_attrs[] = {
		"uuid", "sector_size", "mode", "align", "namespace", NULL
	};
	int rc = check_attrs(j, j->path, j->name, ns_attrs);

	if (!rc && j->cname[0])
		rc = check_attrs(j, j->cpath, j->cname, claim_attrs);
	return rc;
}

/* Label-less: one namespace, the whole region (ndctl's rule). */
static int check_io(struct ns_job *j, struct pmemctl_namespace *ns)
{
	const struct ns_plan *p = j->p;

	if (p->size >= ALIGN_DOWN(ns->raw_size, SZ_16M) &&
	    p->size <= ns->raw_size && !p->name[0])
		return 0;
	err(job_ctx(j), "%s is label-less: its one namespace is the whole region, without a name; give the region labels to sub-divide it (ndctl init-labels)",
	    j->r->devname);
	return -EINVAL;
}

/* ---- undoing ------------------------------------------------------------- */

/* Leave the region as it was: no claim, no holder class, no capacity. */
static void rollback(struct ns_job *j)
{
	if (j->claimed && !kernel_unbind(j->kb, j->cpath, j->cname))
		(void)sysfs_write(j->cpath, "namespace", "\n");
	(void)kernel_unbind(j->kb, j->path, j->name);
	(void)sysfs_write(j->path, "holder_class", "\n");
	if (j->old_lbasize) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u\n", j->old_lbasize);
		(void)sysfs_write(j->path, "sector_size", buf);
	}
	if (j->named)
		(void)sysfs_write(j->path, "alt_name",
				  j->old_name[0] ? j->old_name : "\n");
	/* -e: the uuid it had (a new namespace's is let go with its size) */
	if (j->uuid_written && j->old_uuid[0])
		(void)sysfs_write(j->path, "uuid", j->old_uuid);
	if (j->sized)
		(void)sysfs_write(j->path, "size", "0\n");
	err(job_ctx(j), "%s: undone: %s", j->name,
	    j->sized ? "its capacity is free again" :
		       "left disabled in raw mode");
}

/* ---- the writes ----------------------------------------------------------- */

static const char *holder_class(enum pmemctl_ns_mode m)
{
	switch (m) {
	case PMEMCTL_NS_MODE_SECTOR:
		return "btt\n";
	case PMEMCTL_NS_MODE_FSDAX:
		return "pfn\n";
	case PMEMCTL_NS_MODE_DEVDAX:
		return "dax\n";
	default:
		return "\n";
	}
}

/* fsdax and devdax need a 16 MiB-aligned start unless forced (ndctl). */
static int check_start(struct ns_job *j)
{
	uint64_t res;

	if (!j->cname[0] || j->p->mode == PMEMCTL_NS_MODE_SECTOR ||
	    j->p->force || sysfs_u64(j->path, "resource", &res) ||
	    res % SZ_16M == 0)
		return 0;
	err(job_ctx(j), "%s: starts at %#llx, not 16 MiB-aligned, which %s needs; use --force to create it anyway",
	    j->name, (unsigned long long)res,
	    pmemctl_ns_mode_name(j->p->mode));
	return -EINVAL;
}

/* -e: the namespace's uuid, put back if the new setup fails. */
static void save_uuid(struct ns_job *j)
{
	uint8_t uu[16];

	if (sysfs_read(j->path, "uuid", j->old_uuid, sizeof(j->old_uuid)) ||
	    uuid_parse(j->old_uuid, uu) || uuid_is_null(uu))
		j->old_uuid[0] = '\0';
}

static int setup_namespace(struct ns_job *j)
{
	const struct ns_plan *p = j->p;
	uint32_t old;
	int rc = 0;

	if (!j->io) {
		if (p->target)
			save_uuid(j);
		rc = put_uuid(j, j->path, j->name, p->uuid);
		j->uuid_written = !rc;
		if (sysfs_read(j->path, "alt_name", j->old_name,
			       sizeof(j->old_name)))
			j->old_name[0] = '\0';
		rc = rc ?: put(j, j->path, j->name, "alt_name",
			       p->name[0] ? p->name : "\n");
		j->named = !rc;
		/* a created namespace gives its capacity back on failure */
		j->sized = !rc && !p->target;
		rc = rc ?: put_u64(j, j->path, j->name, "size", p->size);
	}
	rc = rc ?: check_start(j);
	if (!rc && p->label_lbasize &&
	    size_listed(j->path, "sector_size", p->label_lbasize, &old)) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%u\n", p->label_lbasize);
		rc = put(j, j->path, j->name, "sector_size", buf);
		j->old_lbasize = old != p->label_lbasize ? old : 0;
	}
	/* an opportunistic check in the kernel: errors ignored (ndctl) */
	if (!rc)
		(void)sysfs_write(j->path, "holder_class",
				  holder_class(p->mode));
	return rc;
}

static int setup_claim(struct ns_job *j)
{
	const struct ns_plan *p = j->p;
	char buf[16];
	uint8_t uu[16];
	int rc;

	uuid_generate(uu);
	rc = put_uuid(j, j->cpath, j->cname, uu);
	if (!rc && p->mode == PMEMCTL_NS_MODE_SECTOR) {
		snprintf(buf, sizeof(buf), "%u\n", p->sector_size);
		rc = put(j, j->cpath, j->cname, "sector_size", buf);
	} else if (!rc) {
		rc = put(j, j->cpath, j->cname, "mode",
			 p->map == PMEMCTL_MAP_MEM ? "ram\n" : "pmem\n");
		char align[PATH_MAX];

		/* a kernel without the attribute takes its default */
		if (!rc && !sysfs_join(align, j->cpath, "align") &&
		    !access(align, F_OK))
			rc = put_u64(j, j->cpath, j->cname, "align", p->align);
	}
	j->claimed = !rc;
	return rc ?: put(j, j->cpath, j->cname, "namespace", j->name);
}

/* Write the plan into j's namespace and bind; undo on failure. */
static int run_job(struct ns_job *j)
{
	int rc = pick_claim(j);

	rc = rc ?: check_job(j);
	if (rc)
		return rc;
	rc = setup_namespace(j);
	if (!rc && j->cname[0])
		rc = setup_claim(j);
	if (!rc)
		rc = j->cname[0] ? kernel_bind(j->kb, j->cpath, j->cname, NULL) :
				   kernel_bind(j->kb, j->path, j->name, NULL);
	if (rc)
		rollback(j);
	return rc;
}

/* ---- wiping the info blocks ---------------------------------------------- */

/*
 * Through the disabled namespace's raw block device (kernel-raw.c:
 * force_raw, bind, O_EXCL; undone on close): the BTT backup info blocks
 * first, as the image backend does (check-btt must never find a backup
 * beside a wiped primary), then the first 8 KiB, zeroed unless already
 * zero (ndctl's zero_info_block).
 */
static int wipe_info(struct ns_job *j, struct pmemctl_namespace *ns)
{
	uint8_t head[INFO_RESERVE];
	struct pmemctl_media *m;
	int rc = kernel_ns_open_raw(ns, PMEMCTL_RAW_WRITE, &m);

	if (rc)
		return rc;
	rc = btt_wipe_backups(m);
	rc = rc ?: pmemctl_media_read(m, 0, head, sizeof(head));
	if (!rc && !mem_is_zero(head, sizeof(head))) {
		memset(head, 0, sizeof(head));
		rc = pmemctl_media_write(m, 0, head, sizeof(head));
		rc = rc ?: pmemctl_media_flush(m);
	}
	if (rc)
		err(job_ctx(j), "%s: wiping the info blocks: %s", j->name,
		    strerror(-rc));
	pmemctl_media_close(m);
	return rc;
}

/* Disable, detach the claim, holder_class "", wipe: ready to set up. */
static int prep_reconfig(struct ns_job *j, struct pmemctl_namespace *ns)
{
	static const char *const attrs[] = { "holder_class", "force_raw",
					     "size", NULL };
	int rc = kernel_writable(j->kb, ns->devname);

	rc = rc ?: check_attrs(j, j->path, j->name, attrs);
	/* refused while its block device is held, even with --force */
	rc = rc ?: kernel_ns_disable(ns);
	rc = rc ?: kernel_ns_detach(ns);
	if (rc)
		return rc;
	(void)sysfs_write(j->path, "holder_class", "\n");
	return wipe_info(j, ns);
}

/* ---- the ops -------------------------------------------------------------- */

static int job_init(struct ns_job *j, struct pmemctl_region *r,
		    const struct ns_plan *p)
{
	memset(j, 0, sizeof(*j));
	j->kb = kernel_bus(r->bus);
	j->r = r;
	j->rpath = kernel_region(r)->path;
	j->p = p;
	j->io = !r->labelled;
	return check_region(j);
}

bool kernel_ns_active(struct pmemctl_namespace *ns)
{
	return !ns->disabled;
}

/*
 * Label-less: its namespaceR.0, prepared as for -e.  Whether it may be
 * replaced was decided in planning (region_refuse_relabel): active, or
 * disabled but holding a claim or anything on its media, only with --force.
 */
static int io_namespace(struct ns_job *j)
{
	struct pmemctl_namespace *ns = j->r->nnamespaces ?
				       j->r->namespaces[0] : NULL;
	int rc;

	if (!ns) {
		err(job_ctx(j), "%s: no namespace", j->r->devname);
		return -ENODEV;
	}
	rc = set_ns(j, ns->devname);
	rc = rc ?: check_io(j, ns);
	return rc ?: prep_reconfig(j, ns);
}

int kernel_ns_apply(const struct ns_plan *p)
{
	struct ns_job j;
	int rc = job_init(&j, p->region, p);

	if (rc)
		return rc;
	if (j.io && !p->target)
		rc = io_namespace(&j);
	else if (p->target)
		rc = set_ns(&j, p->target->devname) ?:
		     prep_reconfig(&j, p->target);
	else
		rc = pick_namespace(&j);
	return rc ?: run_job(&j);
}

int kernel_ns_destroy(struct pmemctl_namespace *ns)
{
	struct ns_job j;
	int rc = job_init(&j, ns->region, NULL);

	rc = rc ?: set_ns(&j, ns->devname);
	rc = rc ?: prep_reconfig(&j, ns);
	if (rc || j.io)
		return rc;
	rc = sysfs_write(j.path, "size", "0\n");
	/* ENXIO: the kernel already let it go (ndctl ignores it too) */
	if (rc && rc != -ENXIO) {
		err(job_ctx(&j), "%s: writing size: %s", ns->devname,
		    strerror(-rc));
		return rc;
	}
	return 0;
}
