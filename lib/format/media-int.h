/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The media shim's insides, shared by its files (media.c: files, block
 * devices, memory, slices, power cuts; media-map.c: mapped devices).
 */
#ifndef PMEMCTL_MEDIA_INT_H
#define PMEMCTL_MEDIA_INT_H

#include "format.h"

struct media_ops {
	int (*read)(struct pmemctl_media *m, uint64_t off, void *buf,
		    size_t len);
	int (*write)(struct pmemctl_media *m, uint64_t off, const void *buf,
		     size_t len);
	int (*zero)(struct pmemctl_media *m, uint64_t off, uint64_t len);
	int (*flush)(struct pmemctl_media *m);
	/* optional: durable [off, off + len); default: flush */
	int (*persist)(struct pmemctl_media *m, uint64_t off, uint64_t len);
	void (*release)(struct pmemctl_media *m);
	/* optional: first offset >= off that may hold data (see private.h) */
	uint64_t (*data_from)(struct pmemctl_media *m, uint64_t off);
};

struct pmemctl_media {
	struct pmemctl_ctx *ctx;
	const struct media_ops *ops;
	char *name;
	uint64_t size;
	bool writable;
	unsigned refs;
	int fd;				/* file and block device */
	uint64_t base;			/* file offset or slice offset */
	uint8_t *mem;			/* memory media */
	struct pmemctl_media *parent;	/* slice, faulty */
	struct media_fault *fault;	/* faulty */
};

/* A new media of @size bytes (one reference), or NULL (logged). */
struct pmemctl_media *media_alloc(struct pmemctl_ctx *ctx,
				  const struct media_ops *ops, const char *name,
				  uint64_t size, bool writable);

#endif /* PMEMCTL_MEDIA_INT_H */
