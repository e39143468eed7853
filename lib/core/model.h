/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The object model shared by the platform backends: bus -> dimm / region ->
 * namespace, the provider table a backend implements, and the namespace
 * plan that planning (plan.c) hands a backend to carry out.  A backend
 * allocates these structs embedded in its own (container_of) and fills
 * them; the getters in bus.c and namespace.c read them and never ask which
 * backend filled them.
 */
#ifndef PMEMCTL_MODEL_H
#define PMEMCTL_MODEL_H

#include "label.h"

#define DEVNAME_LEN 32
#define REGION_MAX_MAPPINGS 16
#define INFO_RESERVE SZ_8K	/* a namespace's info blocks: wiped on mode changes */

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

struct ns_plan;

/* Where a region's namespaces can start, as the platform guarantees it. */
struct region_placement {
	uint64_t start_align;	/* physical start address alignment */
};

/*
 * The provider table (Documentation/design.md).  Every op is required
 * unless marked optional; an op a platform cannot carry out logs one line
 * saying why and returns -EOPNOTSUPP.
 */
struct platform_ops {
	const char *provider;

	/* Re-read one region after a change: its DIMMs' label state and its
	 * namespaces.  The region's namespace handles are replaced; every
	 * other handle of the bus stays valid. */
	int (*scan_region)(struct pmemctl_region *r);
	/* Free everything the backend allocated, the bus included. */
	void (*close)(struct pmemctl_bus *bus);

	/* The DIMM's label storage area as a bounded media, owned by the
	 * DIMM (callers do not close it). */
	int (*label_area)(struct pmemctl_dimm *dimm, struct pmemctl_media **m);
	/* Optional: refuse, with a message, to write the label area now. */
	int (*label_write_begin)(struct pmemctl_dimm *dimm);
	/* Optional: the label area was written; make the platform re-read
	 * it (the caller then rescans the DIMM's regions). */
	int (*label_write_end)(struct pmemctl_dimm *dimm);

	/* A fact planning validates against. */
	void (*region_placement)(struct pmemctl_region *r,
				 struct region_placement *pl);

	/* The namespace's raw capacity as media (one reference for the
	 * caller); @flags: enum pmemctl_raw_flags.  Whatever opening it
	 * changed is put back when the media is closed. */
	int (*ns_open_media)(struct pmemctl_namespace *ns, unsigned flags,
			     struct pmemctl_media **m);
	/* Optional: the namespace's data as the OS offers it, through the
	 * platform's own device (the live kernel's block device, or its
	 * devdax device mapped), with PMEMCTL_MEDIA_* @flags; *block is the
	 * unit I/O keeps to (1: any).  Without it, namespace I/O runs the
	 * engine (BTT, info block) over ns_open_media. */
	int (*ns_open_data)(struct pmemctl_namespace *ns, unsigned flags,
			    struct pmemctl_media **m, uint32_t *block);
	/* Carry out a validated plan: create, or reconfigure plan->target.
	 * The caller rescans the region afterwards. */
	int (*ns_apply)(const struct ns_plan *plan);
	/* Destroy a namespace planning allowed to go; the caller rescans. */
	int (*ns_destroy)(struct pmemctl_namespace *ns);
	/* Optional: whether the platform has a namespace active (the live
	 * kernel: enabled), which planning asks first: active is in use
	 * (needs --force to reconfigure or destroy); an inactive one is
	 * judged as on images, by its claim or, raw, by its media. */
	bool (*ns_active)(struct pmemctl_namespace *ns);

	/* Drivers: bind and unbind. */
	int (*ns_enable)(struct pmemctl_namespace *ns);
	int (*ns_disable)(struct pmemctl_namespace *ns);
	int (*region_enable)(struct pmemctl_region *r);
	int (*region_disable)(struct pmemctl_region *r);
	int (*dimm_enable)(struct pmemctl_dimm *dimm);
	int (*dimm_disable)(struct pmemctl_dimm *dimm);

	/* Optional: fill a DIMM the backend listed unread (identity, driver,
	 * health flags); what cannot be read is left out. */
	void (*read_dimm)(struct pmemctl_dimm *dimm);

	/* Optional: the region whose device holds block device @dev ("pmem0s"),
	 * found without reading any region; -ENOENT if none.  Without it a
	 * block device is looked for in every region. */
	int (*blockdev_region)(struct pmemctl_bus *bus, const char *dev,
			       struct pmemctl_region **r);

	/* Optional, image platforms: where the platform lives, how to boot it. */
	const char *(*platform_path)(struct pmemctl_bus *bus);
	const char *(*dimm_image_path)(struct pmemctl_dimm *dimm);
	int (*qemu_args)(struct pmemctl_bus *bus, uint64_t ram_size,
			 char ***argv, unsigned *argc);
};

struct pmemctl_dimm {
	struct pmemctl_bus *bus;
	unsigned id;
	char devname[DEVNAME_LEN];
	char unique_id[DEVNAME_LEN];
	uint32_t handle;
	uint16_t phys_id;
	uint16_t vendor;
	uint16_t device;
	uint16_t revision;
	uint32_t serial;
	uint64_t region_offset;		/* NFIT memdev region_offset */
	uint64_t label_size;
	/* live kernel: no driver bound; NFIT health flags (PMEMCTL_DIMM_*) */
	bool disabled;
	unsigned flags;
	/* live kernel: the facts above from id on not read yet (dimm_read()) */
	bool unread;
};

struct region_mapping {
	struct pmemctl_dimm *dimm;
	uint64_t offset;		/* DPA start */
	uint64_t length;
	unsigned position;
};

/* What a namespace's label claims it for (the kernel's holder_class). */
enum claim_class {
	CLAIM_NONE,
	CLAIM_BTT,
	CLAIM_BTT2,
	CLAIM_PFN,
	CLAIM_DAX,
	CLAIM_UNKNOWN,
};

struct pmemctl_namespace {
	struct pmemctl_region *region;
	unsigned id;
	char devname[DEVNAME_LEN];
	char blockdev[DEVNAME_LEN];
	char chardev[DEVNAME_LEN];
	bool is_seed;
	bool has_uuid;			/* false for io (label-less) */
	uint8_t uuid[16];
	char name[NSLABEL_NAME_LEN + 1];
	uint64_t raw_size;
	enum claim_class claim;
	/* derived from info blocks */
	enum pmemctl_ns_mode mode;
	enum pmemctl_pfn_map map;
	uint64_t size;			/* usable */
	uint32_t sector_size;
	uint64_t align;
	bool claim_uuid_valid;
	uint8_t claim_uuid[16];
	/* live kernel: neither the namespace nor its claim device is bound */
	bool disabled;
	bool has_numa_node;
	int numa_node;
};

struct pmemctl_region {
	struct pmemctl_bus *bus;
	unsigned id;
	char devname[DEVNAME_LEN];
	uint64_t size;
	uint64_t align;
	unsigned nmappings;
	/* QEMU: one DIMM per set; the live kernel may interleave */
	struct region_mapping mappings[REGION_MAX_MAPPINGS];
	bool labelled;
	enum pmemctl_label_version label_version;	/* when labelled */
	uint64_t iset_cookie;		/* for the current label version */
	uint64_t available_size;
	uint64_t max_available_extent;
	struct pmemctl_namespace **namespaces;
	unsigned nnamespaces;
	/* as the live kernel reports them; unset on image platforms */
	bool disabled;
	bool has_numa_node;
	int numa_node;
	char persistence_domain[DEVNAME_LEN];	/* "" when not reported */
	/* live kernel: listed but not read yet (region_read() reads it) */
	bool unread;
};

struct pmemctl_bus {
	struct pmemctl_ctx *ctx;
	const struct platform_ops *ops;
	char devname[DEVNAME_LEN];
	char provider[DEVNAME_LEN];	/* "" means ops->provider */
	bool writable;
	struct pmemctl_dimm **dimms;	/* by id */
	unsigned ndimms;
	struct pmemctl_region **regions;	/* by id */
	unsigned nregions;
	/* the live kernel's next nd bus (ndbus0, ndbus1, ...): the first
	 * bus closes them all, and iteration from it walks on into them */
	struct pmemctl_bus *next;
};

/*
 * A validated namespace plan (plan.c): everything decided before the first
 * write.  Pure data; each backend's ns_apply carries it out its own way.
 */
struct ns_plan {
	struct pmemctl_region *region;
	struct pmemctl_namespace *target;	/* reconfigure; NULL: create */
	enum pmemctl_ns_mode mode;
	enum pmemctl_pfn_map map;		/* fsdax/devdax: MEM or DEV */
	uint32_t sector_size;
	uint32_t label_lbasize;		/* the namespace's own: 512, 4096 or 0 */
	uint64_t align;			/* fsdax/devdax, else 0 */
	uint64_t size;			/* raw capacity */
	uint8_t uuid[16];
	char name[NSLABEL_NAME_LEN];
	bool force;
};

/* plan.c: -EBUSY (and a message) unless labelling @r over its
 * label-less namespace loses nothing, or @force */
int region_refuse_relabel(struct pmemctl_region *r, bool force);

/* bus.c: rescans after a change; other regions' handles stay valid */
int region_rescan(struct pmemctl_region *r);
/* bus.c: read a region the backend listed unread (a message on failure);
 * every region of @bus, for a walk that reads them all */
int region_read(struct pmemctl_region *r);
int bus_read_regions(struct pmemctl_bus *bus);
/* bus.c: @dimm with its facts read (the live kernel reads them on first use) */
struct pmemctl_dimm *dimm_read(struct pmemctl_dimm *dimm);
int dimm_rescan(struct pmemctl_dimm *dimm);

/*
 * cookie.c: the interleave-set cookie of @n DIMM mappings (at most
 * ISET_MAX_MAPPINGS, else -E2BIG).  Computed without allocating, so a
 * label never gets a cookie that stands for "out of memory".
 */
#define ISET_MAX_MAPPINGS 32
int iset_cookie(const struct pmemctl_dimm *const *dimms,
		const uint64_t *region_offsets, unsigned n,
		enum pmemctl_label_version version, uint64_t *cookie);

#endif /* PMEMCTL_MODEL_H */
