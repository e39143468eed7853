/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * Shared by the format layer (media shim, labels, BTT, PFN): the media
 * shim's internal calls and the info-block checksum.  Knows nothing of
 * buses, regions or backends.
 */
#ifndef PMEMCTL_FORMAT_H
#define PMEMCTL_FORMAT_H

#include "private.h"

/*
 * Power-cut injection: a media that passes the first @budget write, zero,
 * flush and persist operations through, then loses power: the operation
 * at the cut reaches the media only in part (its first half, 8-byte
 * aligned) when @tear is set, and nothing after it does.  Writes after the
 * cut still "succeed", as they would to a caller that cannot see the power
 * go.  With @drop, every write or zero not yet made durable (by a flush,
 * or a persist of a range holding all of it) is undone at the cut, before
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

struct pmemctl_ctx *pmemctl_media_get_ctx(struct pmemctl_media *media);

/*
 * Call @fn(@arg) when the last reference to @media is closed, after the
 * media let go of what it holds (its descriptor is closed by then): the
 * opener's undo, such as giving a live namespace back to its driver.
 * One hook per media; a second call replaces the first.
 */
void media_on_release(struct pmemctl_media *media, void (*fn)(void *arg),
		      void *arg);

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
