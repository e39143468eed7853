// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Planning a namespace, as ndctl's validate step does: mode, size, identity,
 * defaults and every check, before anything is written.  The result is a
 * plan (model.h) that the platform's provider carries out its own way
 * (ns_apply, ns_destroy); afterwards the region is rescanned.  Writing an
 * info block into a namespace (write-infoblock) is validated here too and
 * written through the namespace's media.  Nothing here knows which
 * platform it runs on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <uuid/uuid.h>

#include "infoblock.h"
#include "model.h"

#define NS_MIN_MODE_SIZE SZ_16M	/* BTT, PFN and DAX all need 16 MiB */
#define DESC_LEN 128		/* what a namespace holds, said */

static struct pmemctl_ctx *region_ctx(struct pmemctl_region *r)
{
	return r->bus->ctx;
}

/* "16G" or "48M" style spelling for size suggestions */
static const char *spell_size(uint64_t v, char *buf, size_t len)
{
	if (v && v % (1ULL << 30) == 0)
		snprintf(buf, len, "%lluG", (unsigned long long)(v >> 30));
	else if (v % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(v >> 20));
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static bool sector_size_valid(enum pmemctl_ns_mode mode, uint32_t ss)
{
	if (mode == PMEMCTL_NS_MODE_SECTOR)
		return btt_lbasize_supported(ss);
	return ss == 512 || ss == 4096;
}

/*
 * fsdax and devdax need a 2 MiB-aligned guest-physical start: can the
 * platform place one?
 */
static int check_pfn_start(struct pmemctl_region *r, const char *dev,
			   enum pmemctl_ns_mode mode)
{
	struct region_placement pl;

	r->bus->ops->region_placement(r, &pl);
	if (pl.start_align >= SZ_2M)
		return 0;
	err(region_ctx(r), "%s: the DIMM's %llu-byte backend alignment cannot guarantee the 2 MiB-aligned start %s needs; use a platform with --align 2M",
	    dev, (unsigned long long)pl.start_align, pmemctl_ns_mode_name(mode));
	return -EINVAL;
}

static int plan_mode(struct pmemctl_region *r, const struct pmemctl_ns_spec *s,
		     struct ns_plan *p)
{
	struct pmemctl_ctx *ctx = region_ctx(r);
	bool pfn = s->mode == PMEMCTL_NS_MODE_FSDAX ||
		   s->mode == PMEMCTL_NS_MODE_DEVDAX;
	char sizes[64];

	if (s->mode >= PMEMCTL_NS_MODE_UNKNOWN) {
		err(ctx, "%s: unknown namespace mode", r->devname);
		return -EINVAL;
	}
	p->mode = s->mode;
	if (!pfn && (s->map != PMEMCTL_MAP_NONE || s->align)) {
		err(ctx, "%s: --map and --align apply to fsdax and devdax only",
		    r->devname);
		return -EINVAL;
	}
	if (s->mode == PMEMCTL_NS_MODE_DEVDAX && s->sector_size) {
		err(ctx, "%s: devdax namespaces have no sector size",
		    r->devname);
		return -EINVAL;
	}
	p->sector_size = s->sector_size ? s->sector_size :
			 s->mode == PMEMCTL_NS_MODE_SECTOR ? 4096 : 512;
	if (!sector_size_valid(s->mode, p->sector_size)) {
		err(ctx, "%s: sector size %u is not supported in %s mode (%s)",
		    r->devname, p->sector_size, pmemctl_ns_mode_name(s->mode),
		    s->mode == PMEMCTL_NS_MODE_SECTOR ?
		    btt_lbasize_list(sizes, sizeof(sizes), " or ") :
		    "512 or 4096");
		return -EINVAL;
	}
	/* the namespace's own sector_size: only 512 and 4096 exist there */
	p->label_lbasize = p->sector_size == 512 || p->sector_size == 4096 ?
			   p->sector_size : 0;
	p->map = s->map == PMEMCTL_MAP_MEM ? PMEMCTL_MAP_MEM : PMEMCTL_MAP_DEV;
	p->align = pfn ? (s->align ? s->align : SZ_2M) : 0;
	if (pfn && p->align != SZ_4K && p->align != SZ_2M) {
		err(ctx, "%s: alignment %llu is not supported offline (4K or 2M; 1G needs the guest's physical address)",
		    r->devname, (unsigned long long)p->align);
		return -EINVAL;
	}
	return pfn ? check_pfn_start(r, r->devname, s->mode) : 0;
}

/* A v1.1 BTT starts at 4 KiB and still needs 16 MiB behind it. */
static int check_btt_room(struct pmemctl_region *r, const char *dev,
			  enum pmemctl_ns_mode mode, uint64_t size)
{
	if (mode != PMEMCTL_NS_MODE_SECTOR || !r->labelled ||
	    r->label_version != PMEMCTL_LABEL_V1_1 ||
	    size - BTT1_START_OFFSET >= BTT_MIN_SIZE)
		return 0;
	err(region_ctx(r), "%s: a sector namespace on v1.1 labels needs more than 16 MiB (its BTT starts at 4 KiB)",
	    dev);
	return -EINVAL;
}

static int plan_size(struct pmemctl_region *r, uint64_t size,
		     enum pmemctl_ns_mode mode, uint64_t *out)
{
	struct pmemctl_ctx *ctx = region_ctx(r);
	/* a label-less region is all free once it gets labels */
	uint64_t max = r->labelled ? pmemctl_region_get_max_available_extent(r)
				   : ALIGN_DOWN(r->size, r->align);
	char a[32], b[32];

	if (!size)
		size = max;
	if (!size) {
		err(ctx, "%s: no free capacity", r->devname);
		return -ENOSPC;
	}
	/* too large first: rounding a huge size up would wrap to 0 */
	if (size > max) {
		err(ctx, "%s: size %s exceeds the largest free extent (%s)",
		    r->devname, spell_size(size, a, sizeof(a)),
		    spell_size(max, b, sizeof(b)));
		return -ENOSPC;
	}
	if (size % r->align) {
		err(ctx, "%s: size %llu is not a multiple of the region alignment %s (did you mean --size=%s?)",
		    r->devname, (unsigned long long)size,
		    spell_size(r->align, a, sizeof(a)),
		    spell_size(ALIGN_UP(size, r->align), b, sizeof(b)));
		return -EINVAL;
	}
	if (mode != PMEMCTL_NS_MODE_RAW && size < NS_MIN_MODE_SIZE) {
		err(ctx, "%s: %s namespaces need at least 16 MiB",
		    r->devname, pmemctl_ns_mode_name(mode));
		return -EINVAL;
	}
	*out = size;
	return check_btt_room(r, r->devname, mode, size);
}

static int plan_identity(struct pmemctl_region *r,
			 const struct pmemctl_ns_spec *s,
			 const struct pmemctl_namespace *keep,
			 struct ns_plan *p)
{
	struct pmemctl_bus *bus = r->bus;
	static const uint8_t zero[16];
	int rc;

	if (s->name && strlen(s->name) >= NSLABEL_NAME_LEN) {
		err(bus->ctx, "%s: name is %zu bytes; at most %d fit a label",
		    r->devname, strlen(s->name), NSLABEL_NAME_LEN - 1);
		return -EINVAL;
	}
	memset(p->name, 0, sizeof(p->name));
	if (s->name)
		memcpy(p->name, s->name, strlen(s->name));
	else if (keep)
		memcpy(p->name, keep->name, NSLABEL_NAME_LEN);
	if (s->uuid)
		memcpy(p->uuid, s->uuid, 16);
	else
		uuid_generate(p->uuid);
	if (!memcmp(p->uuid, zero, 16)) {
		err(bus->ctx, "%s: the null uuid cannot name a namespace",
		    r->devname);
		return -EINVAL;
	}
	/* the uuid is unique on the bus: every region's namespaces */
	rc = bus_read_regions(bus);
	if (rc)
		return rc;
	for (unsigned i = 0; i < bus->nregions; i++)
		for (unsigned j = 0; j < bus->regions[i]->nnamespaces; j++) {
			struct pmemctl_namespace *o = bus->regions[i]->namespaces[j];

			if (o != keep && o->has_uuid &&
			    !memcmp(o->uuid, p->uuid, 16)) {
				err(bus->ctx, "%s: uuid already used by %s",
				    r->devname, o->devname);
				return -EEXIST;
			}
		}
	return 0;
}

enum ns_use {
	NS_UNUSED,
	NS_LAYOUT,		/* a BTT, PFN or DAX claim (ns->mode) */
	NS_CONTENTS,		/* raw, but its media hold something */
	NS_ACTIVE,		/* the platform says enabled (live kernel) */
};

/* 1 if @m's first 8 KiB hold anything, 0 if not (or @m is smaller), -errno */
static int head_has_data(struct pmemctl_media *m)
{
	uint8_t head[INFO_RESERVE];
	int rc;

	if (pmemctl_media_size(m) < sizeof(head))
		return 0;
	rc = pmemctl_media_read(m, 0, head, sizeof(head));
	return rc ? rc : !mem_is_zero(head, sizeof(head));
}

/*
 * What a raw namespace's media hold, said in @desc ("" if nothing), the
 * first found of: an info block where the kernel probes, data in the
 * first 8 KiB, a BTT backup info block check-btt could restore a BTT
 * from.  Read-only; on the live kernel through its raw device, whose
 * binding is undone on release (a failed undo is this call's error, with
 * its message).
 */
static int media_contents(struct pmemctl_namespace *ns, char *desc,
			  size_t len)
{
	struct pmemctl_media *m;
	const char *what;
	uint64_t at = 0;
	int undo, rc = pmemctl_namespace_open_raw(ns, 0, &m);

	desc[0] = '\0';
	if (rc)
		return rc;
	rc = infoblock_find_foreign(m, 0, &what, &at);
	if (rc > 0)
		snprintf(desc, len, "%s info block at %#llx", what,
			 (unsigned long long)at);
	rc = rc ?: head_has_data(m);
	if (rc > 0 && !desc[0])
		snprintf(desc, len, "data in its first 8 KiB");
	rc = rc ?: btt_find_backups(m, false, &at);
	if (rc > 0 && !desc[0])
		snprintf(desc, len, "a BTT backup info block at %#llx (a sector namespace that lost its first info block?)",
			 (unsigned long long)at);
	undo = pmemctl_media_release(m);
	return rc < 0 ? rc : undo;
}

/*
 * What @ns holds, in *@use (with NS_CONTENTS, said in @desc); an error
 * (out of memory, I/O, a raw binding not undone) when that cannot be
 * found out, never a guess in either direction.  A platform that knows
 * which namespaces are active (the live kernel) has a disabled one's media
 * looked at like an image's: disabled is not empty.
 */
static int namespace_use(struct pmemctl_namespace *ns, enum ns_use *use,
			 char *desc, size_t len)
{
	bool (*active)(struct pmemctl_namespace *) =
		ns->region->bus->ops->ns_active;
	int rc;

	*use = NS_UNUSED;
	desc[0] = '\0';
	if (ns->is_seed)
		return 0;
	if (active && active(ns)) {
		*use = NS_ACTIVE;
		return 0;
	}
	/*
	 * A layout the label or a claim says; the kernel's "memory" mode with
	 * no claim (a region mapped with pages: e820, virtio-pmem) is not one
	 */
	if (ns->mode != PMEMCTL_NS_MODE_RAW &&
	    (!active || ns->claim != CLAIM_NONE)) {
		*use = NS_LAYOUT;
		return 0;
	}
	rc = media_contents(ns, desc, len);
	if (!rc && desc[0])
		*use = NS_CONTENTS;
	return rc;
}

PMEMCTL_EXPORT int pmemctl_namespace_check_use(struct pmemctl_namespace *ns)
{
	char desc[DESC_LEN];
	enum ns_use use;
	int rc = namespace_use(ns, &use, desc, sizeof(desc));

	return rc ? rc : use != NS_UNUSED;
}

PMEMCTL_EXPORT bool pmemctl_namespace_in_use(struct pmemctl_namespace *ns)
{
	return pmemctl_namespace_check_use(ns) != 0;
}

/* -EBUSY with a message if @ns holds something and @force is not set. */
static int refuse_in_use(struct pmemctl_namespace *ns, bool force,
			 const char *what)
{
	struct pmemctl_ctx *ctx = region_ctx(ns->region);
	/* the platform said so: its namespaces can be enabled, this one is not */
	const char *state = ns->region->bus->ops->ns_active ?
			    " is disabled but" : "";
	enum ns_use use = NS_UNUSED;
	char desc[DESC_LEN];
	int rc = force ? 0 : namespace_use(ns, &use, desc, sizeof(desc));

	if (rc)
		return rc;
	switch (use) {
	case NS_UNUSED:
		return 0;
	case NS_LAYOUT:
		err(ctx, "%s%s holds a %s layout; use --force to %s it",
		    ns->devname, state, pmemctl_ns_mode_name(ns->mode), what);
		break;
	case NS_ACTIVE:
		err(ctx, "%s is active; use --force to %s it", ns->devname,
		    what);
		break;
	default:
		err(ctx, "%s%s holds %s; use --force to %s it", ns->devname,
		    state, desc, what);
	}
	return -EBUSY;
}

static struct pmemctl_namespace *find_by_uuid(struct pmemctl_region *r,
					      const uint8_t uuid[16])
{
	for (unsigned i = 0; i < r->nnamespaces; i++)
		if (r->namespaces[i]->has_uuid &&
		    !memcmp(r->namespaces[i]->uuid, uuid, 16))
			return r->namespaces[i];
	return NULL;
}

/* Labelling a label-less region replaces its namespace: refuse if used. */
int region_refuse_relabel(struct pmemctl_region *r, bool force)
{
	if (r->labelled || !r->nnamespaces)
		return 0;
	return refuse_in_use(r->namespaces[0], force, "replace");
}

static int check_writable(struct pmemctl_region *r)
{
	if (r->bus->writable)
		return 0;
	err(region_ctx(r), "%s: platform opened read-only", r->devname);
	return -EROFS;
}

/*
 * Reconfigure and destroy: a namespace on a writable platform.  Whether it
 * is in use (refuse_in_use) is asked last, after every argument is
 * validated: on the live kernel the look binds a disabled namespace raw.
 */
static int check_target(struct pmemctl_namespace *ns, const char *seed_hint)
{
	struct pmemctl_region *r = ns->region;
	int rc = check_writable(r);

	if (rc)
		return rc;
	if (ns->is_seed) {
		err(region_ctx(r), "%s is an idle seed; %s", ns->devname,
		    seed_hint);
		return -EINVAL;
	}
	return 0;
}

/* The platform carries the plan out; the new namespace is found afresh. */
static int apply(const struct ns_plan *p, struct pmemctl_namespace **out)
{
	struct pmemctl_region *r = p->region;
	int rc = r->bus->ops->ns_apply(p);

	if (!rc)
		rc = region_rescan(r);
	if (!rc && out)
		*out = find_by_uuid(r, p->uuid);
	/* a label-less namespace has no uuid: the region's one namespace */
	if (!rc && out && !*out && !r->labelled && r->nnamespaces)
		*out = r->namespaces[0];
	return rc;
}

PMEMCTL_EXPORT int
pmemctl_region_create_namespace(struct pmemctl_region *r,
				const struct pmemctl_ns_spec *spec,
				struct pmemctl_namespace **ns)
{
	struct ns_plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.region = r;
	p.force = spec->force;
	rc = check_writable(r);
	rc = rc ?: plan_mode(r, spec, &p);
	rc = rc ?: plan_identity(r, spec, NULL, &p);
	/* everything is validated before the first write (autolabel) */
	rc = rc ?: plan_size(r, spec->size, p.mode, &p.size);
	rc = rc ?: region_refuse_relabel(r, spec->force);
	return rc ? rc : apply(&p, ns);
}

PMEMCTL_EXPORT int
pmemctl_namespace_reconfigure(struct pmemctl_namespace *ns,
			      const struct pmemctl_ns_spec *spec,
			      struct pmemctl_namespace **out)
{
	struct pmemctl_region *r = ns->region;
	struct pmemctl_ns_spec s = *spec;
	struct ns_plan p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.region = r;
	p.target = ns;
	p.force = spec->force;
	rc = check_target(ns, "create a namespace instead");
	if (!rc && !r->labelled)
		rc = refuse_in_use(ns, spec->force, "reconfigure");
	if (rc)
		return rc;
	if (!r->labelled) {
		/* label-less: give the region labels, then one namespace */
		s.force = true;
		s.size = ALIGN_DOWN(ns->raw_size, SZ_16M);
		return pmemctl_region_create_namespace(r, &s, out);
	}
	if (s.size && s.size != ns->raw_size) {
		err(region_ctx(r), "%s: reconfigure keeps the size (%llu); destroy and create to resize",
		    ns->devname, (unsigned long long)ns->raw_size);
		return -EINVAL;
	}
	rc = plan_mode(r, &s, &p);
	rc = rc ?: plan_identity(r, &s, ns, &p);
	if (rc)
		return rc;
	p.size = ns->raw_size;
	if (p.mode != PMEMCTL_NS_MODE_RAW && p.size < NS_MIN_MODE_SIZE) {
		err(region_ctx(r), "%s: %s namespaces need at least 16 MiB",
		    ns->devname, pmemctl_ns_mode_name(p.mode));
		return -EINVAL;
	}
	rc = check_btt_room(r, ns->devname, p.mode, p.size);
	rc = rc ?: refuse_in_use(ns, spec->force, "reconfigure");
	return rc ? rc : apply(&p, out);
}

PMEMCTL_EXPORT int pmemctl_namespace_destroy(struct pmemctl_namespace *ns,
					     bool force)
{
	struct pmemctl_region *r = ns->region;
	int rc = check_target(ns, "nothing to destroy");

	rc = rc ?: refuse_in_use(ns, force, "destroy");
	if (rc)
		return rc;
	rc = r->bus->ops->ns_destroy(ns);
	return rc ? rc : region_rescan(r);
}

/* The label's claim class must let the kernel probe the block written. */
static int check_claim(struct pmemctl_namespace *ns, enum pmemctl_ns_mode mode)
{
	enum claim_class want = mode == PMEMCTL_NS_MODE_DEVDAX ? CLAIM_DAX
								: CLAIM_PFN;

	if (ns->claim == CLAIM_NONE || ns->claim == want)
		return 0;
	err(region_ctx(ns->region), "%s: its label claims it for %s, so the kernel would not look for %s info block; use create-namespace -e %s -m %s",
	    ns->devname, ns->claim == CLAIM_PFN ? "fsdax" :
	    ns->claim == CLAIM_DAX ? "devdax" :
	    ns->claim == CLAIM_UNKNOWN ? "an unknown mode" : "sector",
	    mode == PMEMCTL_NS_MODE_DEVDAX ? "a DAX" : "a PFN",
	    ns->devname, pmemctl_ns_mode_name(mode));
	return -EINVAL;
}

/* The parent uuid the kernel requires: the namespace's, zero label-less. */
static int check_parent(struct pmemctl_namespace *ns, const uint8_t *given,
			uint8_t parent[16])
{
	char want[37], got[37];

	memset(parent, 0, 16);
	if (ns->has_uuid)
		memcpy(parent, ns->uuid, 16);
	if (!given || !memcmp(given, parent, 16))
		return 0;
	uuid_unparse(parent, want);
	uuid_unparse(given, got);
	err(region_ctx(ns->region), "%s: parent uuid %s is not the namespace's (%s); the kernel would ignore the info block",
	    ns->devname, got, want);
	return -EINVAL;
}

PMEMCTL_EXPORT int
pmemctl_namespace_write_pfn(struct pmemctl_namespace *ns,
			    const struct pmemctl_pfn_spec *spec,
			    struct pmemctl_namespace **out)
{
	struct pmemctl_region *r = ns->region;
	struct pmemctl_pfn_spec s = *spec;
	uint8_t area[PMEMCTL_INFOBLOCK_AREA_SIZE];
	struct pmemctl_media *m;
	uint8_t parent[16];
	unsigned id = ns->id;
	int rc = check_writable(r);

	if (rc)
		return rc;
	if (ns->is_seed) {
		err(region_ctx(r), "%s is an idle seed; create a namespace first",
		    ns->devname);
		return -EINVAL;
	}
	if (s.size && s.size != ns->raw_size) {
		err(region_ctx(r), "%s: --size %llu is not the namespace's size (%llu)",
		    ns->devname, (unsigned long long)s.size,
		    (unsigned long long)ns->raw_size);
		return -EINVAL;
	}
	s.size = ns->raw_size;
	rc = check_parent(ns, s.parent_uuid, parent);
	s.parent_uuid = parent;
	/* everything is validated before refusing for data, as in create */
	rc = rc ?: pmemctl_pfn_build(region_ctx(r), ns->devname, &s, area);
	rc = rc ?: check_claim(ns, s.mode);
	if (!rc && !s.has_phys_start)
		rc = check_pfn_start(r, ns->devname, s.mode);
	if (rc)
		return rc;
	rc = refuse_in_use(ns, s.force, "overwrite");
	if (rc)
		return rc;
	rc = pmemctl_namespace_open_media(ns, &m);
	if (rc)
		return rc;
	/* a BTT it replaces must not be restorable from its backups */
	rc = btt_wipe_backups(m);
	rc = rc ?: pmemctl_media_write(m, 0, area, sizeof(area));
	rc = rc ?: pmemctl_media_flush(m);
	pmemctl_media_close(m);
	rc = rc ?: region_rescan(r);
	if (!rc && out)
		*out = id < r->nnamespaces ? r->namespaces[id] : NULL;
	return rc;
}
