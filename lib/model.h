/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The object model shared by the platform backends: bus -> dimm / region ->
 * namespace.  A backend fills these structs; the getters in bus.c and
 * namespace.c read them.
 */
#ifndef PMEMCTL_MODEL_H
#define PMEMCTL_MODEL_H

#include "label.h"

#define DEVNAME_LEN 32

struct platform_ops {
	const char *provider;
	void (*close)(struct pmemctl_bus *bus);
};

struct pmemctl_dimm {
	struct pmemctl_bus *bus;
	unsigned id;
	char devname[DEVNAME_LEN];
	char unique_id[DEVNAME_LEN];
	unsigned slot;			/* QEMU slot (image platform) */
	uint32_t handle;
	uint16_t phys_id;
	uint16_t vendor;
	uint16_t device;
	uint16_t revision;
	uint32_t serial;
	uint64_t region_offset;		/* NFIT memdev region_offset */
	uint64_t media_size;		/* pmem bytes (pmem_size) */
	uint64_t label_size;
	uint64_t file_size;		/* image platform */
	uint64_t align;			/* image platform backend align */
	char *image_path;
	struct pmemctl_media *media;	/* [0, media_size) */
	struct pmemctl_media *lsa_media; /* the label area */
	struct pmemctl_lsa *lsa;	/* NULL when label-less */
};

struct region_mapping {
	struct pmemctl_dimm *dimm;
	uint64_t offset;		/* DPA start */
	uint64_t length;
	unsigned position;
};

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
	uint64_t dpa;			/* first (only) mapping's DPA */
	uint64_t raw_size;
	uint32_t lbasize;		/* label lbasize (namespace sector) */
	enum claim_class claim;
	unsigned label_slot;		/* slot on the single mapping */
	/* derived from info blocks */
	enum pmemctl_ns_mode mode;
	enum pmemctl_pfn_map map;
	uint64_t size;			/* usable */
	uint32_t sector_size;
	uint64_t align;
	bool claim_uuid_valid;
	uint8_t claim_uuid[16];
};

struct pmemctl_region {
	struct pmemctl_bus *bus;
	unsigned id;
	char devname[DEVNAME_LEN];
	uint64_t size;
	uint64_t align;
	unsigned nmappings;
	struct region_mapping mappings[1];	/* QEMU: one DIMM per set */
	bool labelled;
	struct pmemctl_namespace **namespaces;
	unsigned nnamespaces;
};

struct pmemctl_bus {
	struct pmemctl_ctx *ctx;
	const struct platform_ops *ops;
	char devname[DEVNAME_LEN];
	char *path;
	bool writable;
	int lock_fd;			/* image platform: flock()ed, or -1 */
	struct pmemctl_dimm *dimms;
	unsigned ndimms;
	struct pmemctl_region *regions;
	unsigned nregions;
};

/* image platforms: DIR/platform.json lists the DIMM images */
#define PLATFORM_FILE "platform.json"
/* image.c: an image's path as platform.json in @dir names it */
void image_path(const char *dir, const char *image, char *buf, size_t len);
/* image-lock.c: the platform writers' exclusive flock(2) on platform.json */
int platform_lock(struct pmemctl_ctx *ctx, const char *dir, int *fd);

/* scan.c: derive regions and namespaces from labels and info blocks */
int bus_scan_regions(struct pmemctl_bus *bus);
void bus_free_regions(struct pmemctl_bus *bus);
void namespace_probe_mode(struct pmemctl_namespace *ns);
void namespace_set_names(struct pmemctl_namespace *ns);

/* provision.c: -EBUSY (and a message) unless labelling @r over its
 * label-less namespace loses nothing, or @force */
int region_refuse_relabel(struct pmemctl_region *r, bool force);

/* extent.c: lowest free DPA extent of @size bytes; -ENOSPC if none */
int region_find_free_dpa(struct pmemctl_region *r, uint64_t size,
			 uint64_t *dpa);

/* cookie.c */
uint64_t iset_cookie(const struct pmemctl_dimm *const *dimms,
		     const uint64_t *region_offsets, unsigned n,
		     enum pmemctl_label_version version);

#endif /* PMEMCTL_MODEL_H */
