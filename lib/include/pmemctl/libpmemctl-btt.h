/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libpmemctl, BTT part: the BTT engine (atomic sector I/O), namespace I/O
 * over any mode, and check-btt.  Include <pmemctl/libpmemctl.h>, which
 * includes this after the types it uses (media, namespace modes).
 */
#ifndef LIBPMEMCTL_BTT_H
#define LIBPMEMCTL_BTT_H

#include "libpmemctl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the BTT engine: atomic sector I/O through a BTT, offline --------- */

/*
 * Open the BTT on @media (v1.1 at 4 KiB or v2.0 at 0): every arena
 * validated (parent_uuid must be @parent_uuid, or zero; NULL accepts any),
 * the log layout detected and, with PMEMCTL_MEDIA_WRITE, every lane's log
 * recovered as the kernel does at attach (an interrupted map write is
 * completed on the media; read-only, the fix is applied in memory).
 * -ENODEV: no BTT; -EIO: a BTT the engine will not use (run check-btt).
 * @media must stay open until pmemctl_btt_close().
 *
 * Thread-safe: any number of threads may call pmemctl_btt_read() and
 * pmemctl_btt_write() on one handle at once (open and close excepted), as
 * the kernel's driver allows: a writer takes its CPU's lane (one of 256,
 * each behind a lock), a map entry changes under one of 256 map locks per
 * arena, and a block being read is never handed to a writer (read
 * tracking); there is no global lock.  Each sector reads wholly as one of
 * the versions written to it.  A write is durable when it returns (two
 * ordering points: the data, then the log entry; recovery completes the
 * map entry after a crash).  On a media over a file descriptor, a sector
 * map entry read while another thread writes it relies on the kernel's
 * 4-byte pread/pwrite atomicity; on memory and mappings it is one atomic
 * access.  The power-cut media of the tests are single-threaded.
 */
struct pmemctl_btt;
int pmemctl_btt_open(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
		     const uint8_t *parent_uuid, unsigned flags,
		     struct pmemctl_btt **btt);
void pmemctl_btt_close(struct pmemctl_btt *btt);
/*
 * Bytes per LBA that reads and writes move: 512 or 4096, or with
 * PMEMCTL_MEDIA_WHOLE_BLOCK the external_lbasize.
 */
uint32_t pmemctl_btt_get_sector_size(struct pmemctl_btt *btt);
/* The on-media external_lbasize (512, 520, ..., 4224; in a pool any). */
uint32_t pmemctl_btt_get_lbasize(struct pmemctl_btt *btt);
uint64_t pmemctl_btt_get_nlba(struct pmemctl_btt *btt);
/* One sector; zero-flagged ones read as zeroes, error-flagged as -EIO. */
int pmemctl_btt_read(struct pmemctl_btt *btt, uint64_t lba, void *buf);
/*
 * One sector, atomically: after a crash it reads wholly old or new, and
 * wholly new once the call returned.
 */
int pmemctl_btt_write(struct pmemctl_btt *btt, uint64_t lba,
		      const void *buf);

/*
 * Namespace I/O: the bytes a namespace offers the OS, whatever its mode:
 * raw (the whole media), sector (through the BTT engine; offsets and
 * lengths must be multiples of the sector size), fsdax and devdax (from
 * the info block's data offset).  @mode PMEMCTL_NS_MODE_UNKNOWN detects
 * it from the media: a BTT, else a PFN/DAX info block, else raw.
 * @media must stay open until pmemctl_ns_io_close().
 */
struct pmemctl_ns_io;
int pmemctl_ns_io_open_media(struct pmemctl_ctx *ctx,
			     struct pmemctl_media *media,
			     enum pmemctl_ns_mode mode,
			     const uint8_t *parent_uuid, unsigned flags,
			     struct pmemctl_ns_io **io);
/*
 * A namespace's data (PMEMCTL_MEDIA_* @flags): on an image platform
 * through the engine over its media, as above; on the live kernel through
 * the kernel's own device: /dev/pmemX (raw, fsdax), /dev/pmemXs (sector:
 * the kernel's BTT) or /dev/daxX.Y mapped (devdax).  Writers, and readers
 * with PMEMCTL_MEDIA_EXCL, open block devices O_EXCL (-EBUSY while held).
 * A disabled namespace is -ENXIO, a devdax one online as system RAM
 * -EBUSY, each with a message.
 */
int pmemctl_namespace_open_io(struct pmemctl_namespace *ns, unsigned flags,
			      struct pmemctl_ns_io **io);
void pmemctl_ns_io_close(struct pmemctl_ns_io *io);
enum pmemctl_ns_mode pmemctl_ns_io_get_mode(struct pmemctl_ns_io *io);
uint64_t pmemctl_ns_io_get_size(struct pmemctl_ns_io *io);
/* The unit offsets and lengths must be multiples of (1 if any). */
uint32_t pmemctl_ns_io_get_block_size(struct pmemctl_ns_io *io);
int pmemctl_ns_io_read(struct pmemctl_ns_io *io, uint64_t offset, void *buf,
		       size_t len);
int pmemctl_ns_io_write(struct pmemctl_ns_io *io, uint64_t offset,
			const void *buf, size_t len);

/* ---- check-btt: offline BTT checker and repairer ----------------------- */

/*
 * pmemctl_btt_check() finds the BTT on a media (v1.1 at 4 KiB, v2.0 at 0,
 * or a damaged one through its backup info block), walks the arena chain
 * and checks every arena's info blocks, geometry, flog, map and block
 * accounting.  Every problem becomes a finding; nothing stops at the
 * first one.  Cost is linear in the metadata (map and flog), the data
 * area is never read, and memory is at most one bit per internal block
 * of the largest arena plus a 64 KiB map window.
 *
 * With @repair (and without @dry_run) the repairable findings are fixed
 * through the media, each write followed by a flush, and the whole check
 * is run again; its result is in ->recheck.
 */

/*
 * Stable identifiers; pmemctl_btt_finding_name() gives the snake_case
 * name (check-btt's JSON "kind").  Values and names never change.
 */
enum pmemctl_btt_finding_kind {
	/* primary info block (offset 0 of the arena) */
	PMEMCTL_BTT_F_INFO_BAD_SIGNATURE,
	PMEMCTL_BTT_F_INFO_BAD_PARENT_UUID,
	PMEMCTL_BTT_F_INFO_BAD_CHECKSUM,
	PMEMCTL_BTT_F_INFO_BAD_VERSION,
	PMEMCTL_BTT_F_INFO_INVALID,
	/* backup info block (info2off) */
	PMEMCTL_BTT_F_INFO2_BAD_SIGNATURE,
	PMEMCTL_BTT_F_INFO2_BAD_PARENT_UUID,
	PMEMCTL_BTT_F_INFO2_BAD_CHECKSUM,
	PMEMCTL_BTT_F_INFO2_BAD_VERSION,
	PMEMCTL_BTT_F_INFO2_INVALID,
	PMEMCTL_BTT_F_INFO2_MISMATCH,
	/* info block fields */
	PMEMCTL_BTT_F_INFO_ERROR_FLAG,
	PMEMCTL_BTT_F_INFO_BAD_NFREE,
	PMEMCTL_BTT_F_INFO_BAD_NLBA,
	PMEMCTL_BTT_F_INFO_BAD_LBASIZE,
	PMEMCTL_BTT_F_INFO_BAD_LAYOUT,
	/* arena chain */
	PMEMCTL_BTT_F_ARENA_TRUNCATED,
	PMEMCTL_BTT_F_ARENA_BAD_NEXTOFF,
	PMEMCTL_BTT_F_ARENA_INCONSISTENT,
	/* flog */
	PMEMCTL_BTT_F_FLOG_BAD_LAYOUT,
	PMEMCTL_BTT_F_FLOG_BAD_SEQ,
	PMEMCTL_BTT_F_FLOG_LBA_OUT_OF_RANGE,
	PMEMCTL_BTT_F_FLOG_OLD_OUT_OF_RANGE,
	PMEMCTL_BTT_F_FLOG_NEW_OUT_OF_RANGE,
	PMEMCTL_BTT_F_FLOG_MAP_MISMATCH,
	PMEMCTL_BTT_F_FLOG_OLD_LAYOUT,
	/* map and block accounting */
	PMEMCTL_BTT_F_MAP_OUT_OF_RANGE,
	PMEMCTL_BTT_F_BLOCK_DUPLICATE,
	PMEMCTL_BTT_F_BLOCK_UNREFERENCED,
	PMEMCTL_BTT_F_NR
};

/* Which location fields of a finding are meaningful. */
enum pmemctl_btt_loc_flags {
	PMEMCTL_BTT_LOC_OFFSET = 1 << 0,	/* byte offset in the media */
	PMEMCTL_BTT_LOC_LBA = 1 << 1,		/* pre-map LBA in the arena */
	PMEMCTL_BTT_LOC_LANE = 1 << 2,		/* flog lane */
	PMEMCTL_BTT_LOC_BLOCK = 1 << 3,		/* internal (post-map) block */
	PMEMCTL_BTT_LOC_COUNT = 1 << 4,		/* range length, references */
};

struct pmemctl_btt_finding {
	enum pmemctl_btt_finding_kind kind;
	unsigned arena;
	unsigned has;			/* enum pmemctl_btt_loc_flags */
	uint64_t offset, lba, lane, block, count;
	bool repairable;
	bool repaired;
	char detail[224];
};

struct pmemctl_btt_arena_info {
	uint64_t offset;		/* media offset of the primary info */
	uint64_t size;
	uint64_t dataoff, mapoff, logoff, info2off;	/* media offsets */
	uint64_t nextoff;		/* as stored (relative) */
	uint32_t external_lbasize, internal_lbasize;
	uint32_t external_nlba, internal_nlba, nfree, flags;
	int log_index[2];		/* flog slots in use; -1 if unknown */
	bool valid;			/* a trusted info block was found */
	bool checked;			/* the flog and map were checked */
	uint64_t nfindings;		/* including unlisted ones */
};

struct pmemctl_btt_check_result {
	unsigned version_major, version_minor;
	uint64_t start;			/* media offset of arena 0 */
	uint64_t media_size;
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	uint32_t external_lbasize;
	uint64_t external_nlba;		/* arenas with valid info */
	unsigned narenas;
	struct pmemctl_btt_arena_info *arenas;
	unsigned nfindings;		/* listed in ->findings */
	struct pmemctl_btt_finding *findings;
	uint64_t total;			/* all findings, listed or not */
	uint64_t unlisted;		/* total - nfindings */
	unsigned repairable, repaired;
	struct pmemctl_btt_check_result *recheck;	/* after repairs, or NULL */
};

typedef void (*pmemctl_btt_progress_fn)(void *arg, uint64_t done,
					uint64_t total);

struct pmemctl_btt_check_opts {
	/* the namespace uuid: NULL = unknown (not checked); all-zero =
	 * label-less namespace (parent_uuid must be zero) */
	const uint8_t *parent_uuid;
	const char *name;		/* for messages; NULL: the media's */
	bool repair;
	bool dry_run;			/* with repair: write nothing */
	bool rewrite_log;		/* with repair: 0/2 flog -> 0/1 */
	unsigned max_listed;		/* per kind and arena; 0 = 1000 */
	pmemctl_btt_progress_fn progress;
	void *progress_arg;
	/* optional: polled as the map is read; true stops the check with
	 * -EINTR before anything is repaired (a re-check after repairs
	 * is not stopped) */
	bool (*stop)(void *arg);
	void *stop_arg;
};

/*
 * Check (and with opts->repair, repair) the BTT on @media.  Returns 0 with
 * *@result set (findings may be present), -ENODEV if there is no BTT at
 * all (or a valid PFN, DAX or other-version BTT info block where the kernel
 * probes: then nothing is checked or written), or another negative errno
 * for an operational failure (I/O error, out of memory); a message has been
 * logged for every error.
 */
int pmemctl_btt_check(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
		      const struct pmemctl_btt_check_opts *opts,
		      struct pmemctl_btt_check_result **result);
void pmemctl_btt_check_free(struct pmemctl_btt_check_result *result);
/* "info_bad_checksum" and so on; "unknown" out of range */
const char *pmemctl_btt_finding_name(enum pmemctl_btt_finding_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* LIBPMEMCTL_BTT_H */
