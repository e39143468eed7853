/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Shared by the format layer (media shim, labels, BTT, PFN): the media
 * shim's internal calls and the info-block checksum.  Knows nothing of
 * buses, regions or backends.
 */
#ifndef PMEMCTL_FORMAT_H
#define PMEMCTL_FORMAT_H

#include "pmem-flush.h"
#include "private.h"

/*
 * Power-cut injection: a media that passes the first @budget write, zero,
 * flush and persist operations through, then loses power: the operation
 * at the cut reaches the media only in part (its first half, 8-byte
 * aligned) when @tear is set, and nothing after it does.  Writes after the
 * cut still "succeed", as they would to a caller that cannot see the power
 * go.  With @drop, every write or zero not yet made durable (by a flush,
 * a persist of a range holding all of it, or a media_flush_range() of
 * such a range followed by a media_drain()) is undone at the cut, before
 * the torn part of the operation at the cut lands: the cache lost what it
 * held.  Without it, everything before the cut reached the media.
 * With @record (and @drop), nothing is forgotten when made durable: a
 * media with an unreachable budget then records every change it passes,
 * for media_fault_rollback().
 * One media_fault may be shared by several media: one power domain.
 */
struct media_undo;

struct media_fault {
	uint64_t budget;
	uint64_t ops;		/* operations seen so far */
	bool tear;
	bool drop;		/* lose what was not persisted */
	bool record;		/* with drop: keep every undo record */
	bool cut;
	int error;		/* an undo record could not be kept */
	struct media_undo *undo;	/* not yet durable, newest first */
	/*
	 * Written back but not yet ordered: durable at the next drain or
	 * persist issued on the same CPU (a fence orders only its own
	 * CPU's flushes).  @cpu: the CPU the next operations run on, which a
	 * test changes between writes to model threads on several CPUs.
	 */
	unsigned cpu;
	struct {
		struct pmemctl_media *m;
		uint64_t off, len;
		unsigned cpu;
	} flushed[16];
	unsigned nflushed;
};

int media_new_faulty(struct pmemctl_media *parent, struct media_fault *f,
		     struct pmemctl_media **out);
/* Forget the undo records of @f (a run that ended without a cut). */
void media_fault_release(struct media_fault *f);
/*
 * Undo what the records of @f hold, newest first (a cut does this; with
 * @record a test puts the media back as it was before the run).
 */
void media_fault_rollback(struct media_fault *f);
/*
 * Call @fn with the parent range of each undo record of @f, newest first,
 * until it returns non-zero (returned): with @record, what a run changed.
 */
int media_fault_each(const struct media_fault *f,
		     int (*fn)(void *arg, uint64_t off, size_t len), void *arg);

/*
 * A media whose I/O is done by callbacks (a device reached through
 * ioctls).  Requests reach them already bounds-checked; zero writes
 * zeroes through @write; each write is durable when @write returns, so
 * flush does nothing.  @release (optional) runs when the last reference
 * goes.  @cb must outlive the media.
 */
struct media_callbacks {
	int (*read)(void *arg, uint64_t off, void *buf, size_t len);
	int (*write)(void *arg, uint64_t off, const void *buf, size_t len);
	void (*release)(void *arg);
};

int media_new_callbacks(struct pmemctl_ctx *ctx, const char *name,
			uint64_t size, bool writable,
			const struct media_callbacks *cb, void *arg,
			struct pmemctl_media **media);

struct pmemctl_ctx *pmemctl_media_get_ctx(struct pmemctl_media *media);

/*
 * A 4-byte little-endian entry (a BTT map entry) that readers load while a
 * writer stores it: one atomic access where the media is memory or a
 * mapping (and @offset is aligned), else ordinary I/O.  @v in CPU order.
 */
int media_load32(struct pmemctl_media *media, uint64_t offset, uint32_t *v);
int media_store32(struct pmemctl_media *media, uint64_t offset, uint32_t v);
/*
 * Where all of @media, [0, size), is addressable in memory (memory media,
 * a mapping, a slice of one): *@base is its offset 0, and a range is made
 * durable by pmem_flush_range() of @flush then one pmem_drain()
 * (PMEM_FLUSH_NONE: memory, nothing to do).  false: the media calls
 * only (files, block devices, callbacks, power-cut media, a writable
 * mapping persisted by msync(2)), or @write and the media is read-only.
 * Nothing is checked for the caller: it keeps its accesses inside the
 * media's size.
 */
bool media_direct_view(struct pmemctl_media *media, bool write,
		       uint8_t **base, enum pmem_flush *flush);
/*
 * pmemctl_media_write() then pmemctl_media_persist() of the same range,
 * one ordering point: on a persistent mapping, one copy that bypasses the
 * cache where it can (pmem_copy_flush()) and one fence.
 */
int media_put(struct pmemctl_media *media, uint64_t offset, const void *buf,
	      size_t len);
/*
 * pmemctl_media_persist() in two halves, so that several ranges share one
 * ordering point: media_flush_range() starts writing a range back (a
 * cache flush on a persistent mapping, msync(2) on a mapping, nothing
 * where the drain syncs the whole file); media_drain() returns once every
 * range flushed before it is durable (one fence; fdatasync(2) on files
 * and block devices).
 */
int media_flush_range(struct pmemctl_media *media, uint64_t offset,
		      uint64_t len);
int media_drain(struct pmemctl_media *media);
/*
 * Call @fn(@arg) when the last reference to @media is closed, after the
 * media let go of what it holds (its descriptor is closed by then): the
 * opener's undo, such as giving a live namespace back to its driver.
 * Its result (0 or -errno) is pmemctl_media_release()'s.  One hook per
 * media; a second call replaces the first.
 */
void media_on_release(struct pmemctl_media *media, int (*fn)(void *arg),
		      void *arg);

/*
 * Mark @media as a libpmemblk pool's view (pmemblk.c); true for it and
 * any media made on it.  Its BTT may have any non-zero block size.
 */
void media_set_pmemblk(struct pmemctl_media *media);
bool media_is_pmemblk(const struct pmemctl_media *media);

/*
 * ns-io.c: namespace I/O over @media that already is the namespace's data
 * as the OS offers it (the live kernel's block device or devdax mapping):
 * no info block to skip, no BTT engine; offsets and lengths in units of
 * @block (0 or 1: any).  The I/O takes over @media (closed with it, also
 * on failure).
 */
struct pmemctl_ns_io;
int ns_io_open_device(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
		      enum pmemctl_ns_mode mode, uint32_t block,
		      struct pmemctl_ns_io **io);
/* The I/O closes its media when it is closed. */
void ns_io_own_media(struct pmemctl_ns_io *io);

/*
 * The first offset at or after @off (below @end) that may hold data: on a
 * sparse file everything before it is a hole and reads as zeroes.  Media
 * that cannot tell (memory, block devices) answer @off.  Never an error:
 * when in doubt, there is data.
 */
uint64_t media_data_from(struct pmemctl_media *media, uint64_t off,
			 uint64_t end);

/* fsync-free checksum for 4 KiB info blocks: checksum in the last 8 bytes */
uint64_t pmemctl_sb_checksum(const void *block4k);
/*
 * Little-endian Fletcher-64 of @buf with the @field_len bytes at @field
 * (4-byte aligned) taken as zero: a checksum over a block that holds its
 * own checksum, without copying the block.
 */
uint64_t fletcher64_skip(const void *buf, size_t len, size_t field,
			 size_t field_len);

#endif /* PMEMCTL_FORMAT_H */
