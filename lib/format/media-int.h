/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Inside the media shim: struct pmemctl_media and its operations, shared
 * by media.c (files, block devices, memory, slices), media-fault.c
 * (power cuts) and media-map.c (mappings, cache-flush persistence).
 */
#ifndef PMEMCTL_MEDIA_INT_H
#define PMEMCTL_MEDIA_INT_H

#include "format.h"
#include "pmem-flush.h"

struct media_ops {
	int (*read)(struct pmemctl_media *m, uint64_t off, void *buf,
		    size_t len);
	int (*write)(struct pmemctl_media *m, uint64_t off, const void *buf,
		     size_t len);
	int (*zero)(struct pmemctl_media *m, uint64_t off, uint64_t len);
	int (*flush)(struct pmemctl_media *m);
	/* optional: durable [off, off + len); default: flush */
	int (*persist)(struct pmemctl_media *m, uint64_t off, uint64_t len);
	/* optional: media_flush_range(), media_drain(); default: flush */
	int (*flush_range)(struct pmemctl_media *m, uint64_t off, uint64_t len);
	int (*drain)(struct pmemctl_media *m);
	/* 0, or what releasing a parent said (pmemctl_media_release()) */
	int (*release)(struct pmemctl_media *m);
	/* optional: first offset >= off that may hold data (see private.h) */
	uint64_t (*data_from)(struct pmemctl_media *m, uint64_t off);
	/* optional: write and persist in one (format.h: media_put()) */
	int (*put)(struct pmemctl_media *m, uint64_t off, const void *buf,
		   size_t len);
	/* optional: the bytes at @off, addressable in memory (format.h) */
	void *(*direct)(struct pmemctl_media *m, uint64_t off);
	/* optional: media_direct_view() (format.h); false: none */
	bool (*view)(struct pmemctl_media *m, uint8_t **base,
		     enum pmem_flush *flush);
};

struct pmemctl_media {
	struct pmemctl_ctx *ctx;
	const struct media_ops *ops;
	char *name;
	uint64_t size;
	bool writable;
	bool pmemblk;			/* media_set_pmemblk() */
	unsigned refs;
	int fd;				/* file, block device, mapping */
	int dfd;			/* read-only block device: O_DIRECT */
	unsigned dio_align;		/* its logical block size */
	uint64_t base;			/* file offset or slice offset */
	uint8_t *mem;			/* memory media, mapping */
	size_t maplen;			/* mapping: bytes mapped at mem */
	enum pmem_flush flush;		/* mapping: cache-flush mode */
	struct pmemctl_media *parent;	/* slice, faulty */
	struct media_fault *fault;	/* faulty */
	const struct media_callbacks *cb;	/* callbacks */
	void *cb_arg;
	int (*on_release)(void *arg);	/* media_on_release() */
	void *on_release_arg;
};

struct pmemctl_media *media_alloc(struct pmemctl_ctx *ctx,
				  const struct media_ops *ops, const char *name,
				  uint64_t size, bool writable);
int media_lock_file(struct pmemctl_ctx *ctx, const char *path, int fd,
		    unsigned flags);
/* memory media: reads and writes at m->mem */
int media_mem_read(struct pmemctl_media *m, uint64_t off, void *buf,
		   size_t len);
int media_mem_write(struct pmemctl_media *m, uint64_t off, const void *buf,
		    size_t len);
int media_mem_zero(struct pmemctl_media *m, uint64_t off, uint64_t len);
void *media_mem_direct(struct pmemctl_media *m, uint64_t off);
bool media_mem_view(struct pmemctl_media *m, uint8_t **base,
		    enum pmem_flush *flush);
/* slices and power-cut media: the parent's */
int media_slice_release(struct pmemctl_media *m);
uint64_t media_slice_data_from(struct pmemctl_media *m, uint64_t off);

#endif /* PMEMCTL_MEDIA_INT_H */
