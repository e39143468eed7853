/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The image backend: its state, embedding the generic model structs, and
 * the functions its provider table (image-ops.c) is made of.  Only the
 * image backend's files include this header.
 */
#ifndef PMEMCTL_IMAGE_H
#define PMEMCTL_IMAGE_H

#include "model.h"

struct image_dimm {
	struct pmemctl_dimm dimm;
	unsigned slot;			/* QEMU slot */
	uint64_t file_size;
	uint64_t align;			/* QEMU memory-backend-file align */
	uint64_t media_size;		/* pmem bytes (pmem_size) */
	char *image_path;
	struct pmemctl_media *media;	/* [0, media_size) */
	struct pmemctl_media *lsa_media; /* the label area */
	struct pmemctl_lsa *lsa;	/* NULL when label-less */
};

struct image_namespace {
	struct pmemctl_namespace ns;
	uint64_t dpa;			/* first (only) mapping's DPA */
	uint32_t lbasize;		/* label lbasize (namespace sector) */
	unsigned label_slot;		/* slot on the single mapping */
};

struct image_bus {
	struct pmemctl_bus bus;
	char *path;			/* the platform directory */
	int lock_fd;			/* flock()ed while writable, or -1 */
	struct image_dimm *dimms;	/* bus.dimms points into these */
	struct pmemctl_region *regions;	/* one per DIMM; bus.regions */
};

static inline struct image_bus *image_bus(struct pmemctl_bus *bus)
{
	return container_of(bus, struct image_bus, bus);
}

static inline struct image_dimm *image_dimm(struct pmemctl_dimm *dimm)
{
	return container_of(dimm, struct image_dimm, dimm);
}

static inline struct image_namespace *image_ns(struct pmemctl_namespace *ns)
{
	return container_of(ns, struct image_namespace, ns);
}

/* One DIMM per region on QEMU platforms. */
static inline struct image_dimm *region_dimm(struct pmemctl_region *r)
{
	return image_dimm(r->mappings[0].dimm);
}

extern const struct platform_ops image_ops;

/* DIR/platform.json lists the DIMM images */
#define PLATFORM_FILE "platform.json"
#define PLATFORM_FILE_MAX (1u << 20)	/* 32 DIMMs need a few KiB */
/* image.c: an image's path as platform.json in @dir names it */
void image_path(const char *dir, const char *image, char *buf, size_t len);
/* image-lock.c: the platform writers' exclusive flock(2) on platform.json */
int platform_lock(struct pmemctl_ctx *ctx, const char *dir, int *fd);

/* image.c */
void image_close(struct pmemctl_bus *bus);
int image_qemu_args(struct pmemctl_bus *bus, uint64_t ram_size,
		    char ***argv, unsigned *argc);

/* scan.c: derive regions and namespaces from labels and info blocks */
int image_scan(struct pmemctl_bus *bus);
int image_scan_region(struct pmemctl_region *r);
void image_free_regions(struct pmemctl_bus *bus);
int namespace_probe_mode(struct pmemctl_namespace *ns);
void namespace_set_names(struct pmemctl_namespace *ns);

/* extent.c: free space, as the kernel accounts it */
uint64_t region_available_size(struct pmemctl_region *r);
uint64_t region_max_available_extent(struct pmemctl_region *r);
/* lowest free DPA extent of @size bytes; -ENOSPC if none */
int region_find_free_dpa(struct pmemctl_region *r, uint64_t size,
			 uint64_t *dpa);

/* provision.c: carry out plans by writing layouts and labels */
int image_ns_apply(const struct ns_plan *p);
int image_ns_destroy(struct pmemctl_namespace *ns);

#endif /* PMEMCTL_IMAGE_H */
