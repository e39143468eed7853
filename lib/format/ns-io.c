// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Namespace I/O: one read/write interface over what a namespace offers
 * the OS in each mode: raw (the media itself), sector (through the BTT
 * engine), fsdax and devdax (the data area after the PFN/DAX info block's
 * data offset, as the kernel's pmem driver maps it).
 */
#include <stdlib.h>

#include "btt.h"
#include "pfn.h"

struct pmemctl_ns_io {
	struct pmemctl_ctx *ctx;
	struct pmemctl_media *m;
	enum pmemctl_ns_mode mode;
	struct pmemctl_btt *btt;	/* sector */
	uint64_t base, size;		/* the data area in the media */
	uint32_t block;			/* sector: the sector size */
	bool own_media;			/* closed with the I/O */
};

/* fsdax/devdax: the data area after the info block's data offset. */
static int open_pfn(struct pmemctl_ns_io *io)
{
	uint64_t msize = pmemctl_media_size(io->m);
	struct pmemctl_pfn_info info;
	int rc = pmemctl_media_get_pfn_info(io->m, &info);

	if (rc == -ENODEV)
		err(io->ctx, "%s: no PFN/DAX info block", pmemctl_media_name(io->m));
	if (rc)
		return rc;
	if (!info.hdr.checksum_ok || info.start_pad ||
	    info.dataoff < PFN_RESERVE || info.dataoff > msize ||
	    info.end_trunc > msize - info.dataoff) {
		err(io->ctx, "%s: PFN/DAX info block: %s",
		    pmemctl_media_name(io->m),
		    !info.hdr.checksum_ok ? "bad checksum" :
		    info.start_pad ? "start_pad is not supported" :
		    "data offset outside the namespace");
		return -EIO;
	}
	io->mode = info.dax ? PMEMCTL_NS_MODE_DEVDAX : PMEMCTL_NS_MODE_FSDAX;
	io->base = info.dataoff;
	io->size = msize - info.dataoff - info.end_trunc;
	return 0;
}

static int open_sector(struct pmemctl_ns_io *io, const uint8_t *parent,
		       unsigned flags)
{
	int rc = pmemctl_btt_open(io->ctx, io->m, parent, flags, &io->btt);

	if (rc)
		return rc;
	io->block = pmemctl_btt_get_sector_size(io->btt);
	io->size = pmemctl_btt_get_nlba(io->btt) * io->block;
	return 0;
}

/* No mode given (an image file, a block device): what the media holds. */
static enum pmemctl_ns_mode detect(struct pmemctl_ns_io *io)
{
	struct pmemctl_btt_info bi;
	struct pmemctl_pfn_info pi;
	uint64_t size = pmemctl_media_size(io->m);
	int prio = pmemctl_get_log_priority(io->ctx);
	enum pmemctl_ns_mode mode = PMEMCTL_NS_MODE_RAW;

	pmemctl_set_log_priority(io->ctx, 0);
	if ((size >= BTT1_START_OFFSET + BTT_INFO_SIZE &&
	     !pmemctl_media_get_btt_info(io->m, BTT1_START_OFFSET, &bi)) ||
	    (size >= BTT_INFO_SIZE &&
	     !pmemctl_media_get_btt_info(io->m, 0, &bi)))
		mode = PMEMCTL_NS_MODE_SECTOR;
	else if (size >= PFN_INFO_OFFSET + PFN_INFO_SIZE &&
		 !pmemctl_media_get_pfn_info(io->m, &pi))
		mode = pi.dax ? PMEMCTL_NS_MODE_DEVDAX : PMEMCTL_NS_MODE_FSDAX;
	pmemctl_set_log_priority(io->ctx, prio);
	return mode;
}

PMEMCTL_EXPORT void pmemctl_ns_io_close(struct pmemctl_ns_io *io)
{
	if (!io)
		return;
	pmemctl_btt_close(io->btt);
	if (io->own_media)
		pmemctl_media_close(io->m);
	free(io);
}

PMEMCTL_EXPORT int pmemctl_ns_io_open_media(struct pmemctl_ctx *ctx,
					    struct pmemctl_media *media,
					    enum pmemctl_ns_mode mode,
					    const uint8_t *parent_uuid,
					    unsigned flags,
					    struct pmemctl_ns_io **out)
{
	struct pmemctl_ns_io *io = calloc(1, sizeof(*io));
	int rc = 0;

	*out = NULL;
	if (!io)
		return -ENOMEM;
	io->ctx = ctx;
	io->m = media;
	io->block = 1;
	io->mode = mode == PMEMCTL_NS_MODE_UNKNOWN ? detect(io) : mode;
	switch (io->mode) {
	case PMEMCTL_NS_MODE_RAW:
		io->size = pmemctl_media_size(media);
		break;
	case PMEMCTL_NS_MODE_SECTOR:
		rc = open_sector(io, parent_uuid, flags);
		break;
	case PMEMCTL_NS_MODE_FSDAX:
	case PMEMCTL_NS_MODE_DEVDAX:
		rc = open_pfn(io);
		break;
	default:
		err(ctx, "%s: namespace mode not supported for I/O",
		    pmemctl_media_name(media));
		rc = -EOPNOTSUPP;
	}
	if (rc) {
		pmemctl_ns_io_close(io);
		return rc;
	}
	*out = io;
	return 0;
}

void ns_io_own_media(struct pmemctl_ns_io *io)
{
	io->own_media = true;
}

int ns_io_open_device(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
		      enum pmemctl_ns_mode mode, uint32_t block,
		      struct pmemctl_ns_io **out)
{
	struct pmemctl_ns_io *io = calloc(1, sizeof(*io));

	*out = NULL;
	if (!io) {
		pmemctl_media_close(media);
		return -ENOMEM;
	}
	io->ctx = ctx;
	io->m = media;
	io->own_media = true;
	io->mode = mode;
	io->block = block ? block : 1;
	io->size = pmemctl_media_size(media) / io->block * io->block;
	*out = io;
	return 0;
}

PMEMCTL_EXPORT enum pmemctl_ns_mode pmemctl_ns_io_get_mode(struct pmemctl_ns_io *io)
{
	return io->mode;
}

PMEMCTL_EXPORT uint64_t pmemctl_ns_io_get_size(struct pmemctl_ns_io *io)
{
	return io->size;
}

PMEMCTL_EXPORT uint32_t pmemctl_ns_io_get_block_size(struct pmemctl_ns_io *io)
{
	return io->block;
}

static int check_io(struct pmemctl_ns_io *io, uint64_t off, size_t len,
		    const char *what)
{
	if (off > io->size || len > io->size - off) {
		err(io->ctx, "%s: %s of %zu bytes at %llu is beyond the namespace's %llu bytes",
		    pmemctl_media_name(io->m), what, len,
		    (unsigned long long)off, (unsigned long long)io->size);
		return -ERANGE;
	}
	if (off % io->block || len % io->block) {
		err(io->ctx, "%s: %s at %llu of %zu bytes is not a multiple of the %u-byte sector",
		    pmemctl_media_name(io->m), what, (unsigned long long)off,
		    len, io->block);
		return -EINVAL;
	}
	return 0;
}

PMEMCTL_EXPORT int pmemctl_ns_io_read(struct pmemctl_ns_io *io,
				      uint64_t offset, void *buf, size_t len)
{
	uint8_t *p = buf;
	int rc = check_io(io, offset, len, "read");

	if (rc || !io->btt)
		return rc ?: pmemctl_media_read(io->m, io->base + offset, buf,
						len);
	for (size_t i = 0; i < len && !rc; i += io->block)
		rc = pmemctl_btt_read(io->btt, (offset + i) / io->block,
				      p + i);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_ns_io_write(struct pmemctl_ns_io *io,
				       uint64_t offset, const void *buf,
				       size_t len)
{
	const uint8_t *p = buf;
	int rc = check_io(io, offset, len, "write");

	if (rc || !io->btt) {
		rc = rc ?: pmemctl_media_write(io->m, io->base + offset, buf,
					       len);
		return rc ?: pmemctl_media_flush(io->m);
	}
	for (size_t i = 0; i < len && !rc; i += io->block)
		rc = pmemctl_btt_write(io->btt, (offset + i) / io->block,
				       p + i);
	return rc;
}
