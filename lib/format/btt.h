/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The BTT core.  The on-media layout of the Block Translation Table
 * (formats.md C): the 4 KiB arena info block, map entries and flog (log)
 * groups, little-endian; and the one implementation of what every user of
 * a BTT needs (btt-core.c): the sector-size table, layout math, info-block
 * validation, the arena walk, log-slot layout detection, newer-entry
 * selection, map decoding and log recovery.  The layout writer
 * (btt-layout.c), the checker (btt-check*.c), read-infoblock
 * (infoblock.c), the scanner and an I/O engine all use these.
 */
#ifndef PMEMCTL_BTT_H
#define PMEMCTL_BTT_H

#include <stdbool.h>
#include <stddef.h>

#include "format.h"

#define BTT_SIG "BTT_ARENA_INFO\0\0"
#define BTT_SIG_LEN 16
#define BTT_INFO_SIZE 4096
#define BTT_PG_SIZE 4096
#define BTT_NFREE 256			/* ND_MAX_LANES */
#define BTT_LOG_GROUP_SIZE 64
#define BTT_LOG_ENTRY_SIZE 16
#define BTT_MAP_ENTRY_SIZE 4
#define BTT_ARENA_MIN_SIZE (16ULL << 20)
#define BTT_ARENA_MAX_SIZE (512ULL << 30)
#define BTT_MIN_SIZE BTT_ARENA_MIN_SIZE
#define BTT_INT_LBASIZE_ALIGN 64	/* INT_LBASIZE_ALIGNMENT */
#define BTT1_START_OFFSET 4096		/* v1.1 */
#define BTT2_START_OFFSET 0		/* v2.0 */
#define BTT_IB_FLAG_ERROR 0x1

#define BTT_MAP_TRIM_FLAG 0x80000000u	/* Z */
#define BTT_MAP_ERR_FLAG 0x40000000u	/* E */
#define BTT_MAP_NORMAL 0xC0000000u
#define BTT_MAP_LBA_MASK 0x3FFFFFFFu

struct btt_sb {
	uint8_t signature[BTT_SIG_LEN];
	uint8_t uuid[16];
	uint8_t parent_uuid[16];
	le32 flags;
	le16 version_major;
	le16 version_minor;
	le32 external_lbasize;
	le32 external_nlba;
	le32 internal_lbasize;
	le32 internal_nlba;
	le32 nfree;
	le32 infosize;
	le64 nextoff;
	le64 dataoff;
	le64 mapoff;
	le64 logoff;
	le64 info2off;
	uint8_t padding[3968];
	le64 checksum;
} __attribute__((packed));

static_assert(sizeof(struct btt_sb) == BTT_INFO_SIZE, "btt_sb is 4 KiB");
static_assert(offsetof(struct btt_sb, flags) == 48, "");
static_assert(offsetof(struct btt_sb, external_lbasize) == 56, "");
static_assert(offsetof(struct btt_sb, nfree) == 72, "");
static_assert(offsetof(struct btt_sb, nextoff) == 80, "");
static_assert(offsetof(struct btt_sb, mapoff) == 96, "");
static_assert(offsetof(struct btt_sb, info2off) == 112, "");
static_assert(offsetof(struct btt_sb, checksum) == 4088, "");

struct btt_log_entry {
	le32 lba;
	le32 old_map;
	le32 new_map;
	le32 seq;
} __attribute__((packed));

struct btt_log_group {
	struct btt_log_entry ent[4];
} __attribute__((packed));

static_assert(sizeof(struct btt_log_entry) == BTT_LOG_ENTRY_SIZE, "");
static_assert(sizeof(struct btt_log_group) == BTT_LOG_GROUP_SIZE, "");

/* The flog: one 64-byte group per lane, rounded up to a page. */
#define BTT_LOG_SIZE \
	ALIGN_UP((uint64_t)BTT_NFREE * BTT_LOG_GROUP_SIZE, BTT_PG_SIZE)
#define BTT_LOG_SEQ_INIT 1
/* Post-map block numbers are 30 bits wide. */
#define BTT_MAX_INTERNAL_NLBA (BTT_MAP_LBA_MASK + 1ULL)

static_assert(BTT_LOG_SIZE == 16384, "flog of 256 lanes is 16 KiB");
static_assert(BTT_INT_LBASIZE_ALIGN == 64, "kernel INT_LBASIZE_ALIGNMENT");
static_assert(offsetof(struct btt_log_group, ent[1]) == 16, "");
static_assert(offsetof(struct btt_log_entry, seq) == 12, "");

/* ---- the sector-size table and rounding -------------------------------- */

/* The external sector sizes the kernel's BTT accepts. */
bool btt_lbasize_supported(uint32_t lbasize);

/*
 * The supported sizes as text, "512, 520, ..., 4224", with @last between
 * the last two (", " or " or "); returns @buf.
 */
const char *btt_lbasize_list(char *buf, size_t len, const char *last);

/* roundup(lbasize, INT_LBASIZE_ALIGNMENT) */
static inline uint32_t btt_internal_lbasize(uint32_t lbasize)
{
	return (uint32_t)ALIGN_UP((uint64_t)lbasize, BTT_INT_LBASIZE_ALIGN);
}

/* OS-visible sector size for a BTT lbasize (512 or 4096). */
static inline uint32_t btt_sector_size(uint32_t lbasize)
{
	return lbasize >= 4096 ? 4096 : 512;
}

/* Media offset of the first arena for a BTT version (1: 4096, 2: 0). */
static inline uint64_t btt_start_offset(unsigned major)
{
	return major == 1 ? BTT1_START_OFFSET : BTT2_START_OFFSET;
}

/* ---- layout math (writing) ---------------------------------------------- */

/*
 * One arena as the kernel's create_arenas()/alloc_arena() lay it out
 * (formats.md C.3).  @offset is from the start of the BTT (the raw area
 * after initial_offset); the other offsets are relative to the arena
 * start, as they are stored in the info block.
 */
struct btt_arena_layout {
	uint64_t offset;
	uint64_t size;
	uint64_t nextoff, dataoff, mapoff, logoff, info2off;
	uint32_t internal_lbasize, internal_nlba, external_nlba;
};

/*
 * Split @rawsize bytes into arenas for @lbasize.  Returns 0 and a
 * malloc()ed array, or -EINVAL for an unsupported lbasize or a raw area
 * under 16 MiB.
 */
int btt_compute_layout(uint64_t rawsize, uint32_t lbasize,
		       struct btt_arena_layout **arenas, unsigned *narenas);

/*
 * Arena @i of that split, computed without allocating; false past the
 * last arena (or for an unsupported lbasize or a raw area under 16 MiB).
 */
bool btt_layout_arena(uint64_t rawsize, uint32_t lbasize, unsigned i,
		      struct btt_arena_layout *a);

/*
 * The same for any internal block size @ilbasize, with no sector-size
 * table: libpmemblk's geometry (btt_pmemblk_internal_lbasize()); none
 * when an arena would have fewer than 2 * 256 blocks, as in libpmemblk.
 */
bool btt_layout_arena_ilb(uint64_t rawsize, uint32_t ilbasize, unsigned i,
			  struct btt_arena_layout *a);

/* libpmemblk's internal block size: roundup(max(bsize, 512), 256). */
static inline uint32_t btt_pmemblk_internal_lbasize(uint32_t bsize)
{
	return (uint32_t)ALIGN_UP((uint64_t)(bsize < 512 ? 512 : bsize), 256);
}

/* Bytes the BTT exports: sum of external_nlba * sector size; 0 if none. */
uint64_t btt_usable_size(uint64_t rawsize, uint32_t lbasize);

/*
 * The info block the kernel's btt_arena_write_layout() writes for @a,
 * checksum included.  @major is 1 (v1.1) or 2 (v2.0); @parent_uuid may be
 * NULL for a label-less namespace (all zero).
 */
void btt_layout_fill_sb(const struct btt_arena_layout *a, unsigned major,
			uint32_t lbasize, const uint8_t uuid[16],
			const uint8_t *parent_uuid, struct btt_sb *sb);

/*
 * Write a fresh BTT over the whole of @ns exactly as the kernel's
 * btt_meta_init() does (formats.md C.6): per arena, the map is zeroed
 * (holes on sparse files), the flog zeroed and given its initial
 * entries, then the info block written at info2off and at offset 0, with
 * flushes in between.  The data area is not touched.  Allocates nothing,
 * so callers can get all their memory before the first write.
 * (btt-layout.c)
 */
int btt_write_layout(struct pmemctl_ctx *ctx, struct pmemctl_media *ns,
		     unsigned major, uint32_t lbasize, const uint8_t uuid[16],
		     const uint8_t parent_uuid[16]);
/*
 * The same with @log_flags in the initial log entries' old and new map;
 * on a libpmemblk pool's view (media_set_pmemblk()) with libpmemblk's
 * geometry, for any non-zero @lbasize.
 */
int btt_write_layout_flags(struct pmemctl_ctx *ctx, struct pmemctl_media *ns,
			   unsigned major, uint32_t lbasize,
			   const uint8_t uuid[16],
			   const uint8_t parent_uuid[16], uint32_t log_flags);

/* ---- info blocks (reading) ---------------------------------------------- */

/* Why an info block is not valid, in the kernel's order of checks. */
enum btt_sb_status {
	BTT_SB_VALID = 0,
	BTT_SB_BAD_SIGNATURE,
	BTT_SB_BAD_PARENT_UUID,	/* non-zero and not the namespace's */
	BTT_SB_BAD_CHECKSUM,
	BTT_SB_BAD_VERSION,	/* not 1.1 (major 1) or 2.0 (major 2) */
};

/*
 * The kernel's nd_btt_arena_is_valid() plus its version test for
 * version @major (1 or 2), for a namespace whose uuid is @ns_uuid (NULL
 * for label-less).  An all-zero parent_uuid is accepted anywhere.
 */
enum btt_sb_status btt_sb_validate(const struct btt_sb *sb, unsigned major,
				   const uint8_t *ns_uuid);

/*
 * Field problems of a valid info block (a bitmask; 0 if none).  All but
 * BTT_FIELD_LBASIZE_UNSUPPORTED make the arena unusable.
 */
enum btt_sb_field_problem {
	BTT_FIELD_NFREE = 1 << 0,		/* not 256 */
	BTT_FIELD_LBASIZE = 1 << 1,		/* external 0 or internal < external */
	BTT_FIELD_LBASIZE_UNSUPPORTED = 1 << 2,	/* not in the sector-size table */
	BTT_FIELD_NLBA = 1 << 3,		/* internal != external + 256, > 2^30 */
};
unsigned btt_sb_check_fields(const struct btt_sb *sb);
/*
 * The same for an info block on @m: a libpmemblk pool's BTT may have any
 * non-zero block size (PMDK's rule), so no BTT_FIELD_LBASIZE_UNSUPPORTED.
 */
unsigned btt_media_check_fields(const struct pmemctl_media *m,
				const struct btt_sb *sb);

/* The first thing wrong with the arena's offsets (formats.md C.3). */
enum btt_sb_layout_status {
	BTT_LAYOUT_OK = 0,
	BTT_LAYOUT_INFO2_WRAPS,		/* info2off + 4096 overflows */
	BTT_LAYOUT_DATA_OVER_INFO,	/* dataoff < 4096 */
	BTT_LAYOUT_MAP_OVER_DATA,	/* data area runs into the map */
	BTT_LAYOUT_LOG_OVER_MAP,	/* map runs into the flog */
	BTT_LAYOUT_INFO2_OVER_LOG,	/* flog runs into the backup */
	BTT_LAYOUT_INFO2_OUTSIDE,	/* backup beyond nextoff */
};
enum btt_sb_layout_status btt_sb_check_layout(const struct btt_sb *sb);

/*
 * Where alloc_arena() puts the backup info block of an arena of @size
 * bytes (relative to the arena): its last 4 KiB, rounded down to a page.
 */
static inline uint64_t btt_info2off(uint64_t size)
{
	return ALIGN_DOWN(size, BTT_PG_SIZE) - BTT_INFO_SIZE;
}

/*
 * Where a BTT arena starting at @off on @size bytes of media keeps its
 * backup info block, as the kernel splits a namespace into arenas (up to
 * 512 GiB each).  @off + 8 KiB <= @size.
 */
static inline uint64_t btt_expected_info2(uint64_t size, uint64_t off)
{
	uint64_t len = size - off;

	if (len > BTT_ARENA_MAX_SIZE)
		len = BTT_ARENA_MAX_SIZE;
	return off + btt_info2off(len);
}

/* Size of an arena as the kernel derives it when reading back. */
uint64_t btt_arena_size(const struct btt_sb *sb);

/*
 * One arena as read back from its info block: the runtime descriptor the
 * checker, read-infoblock and the I/O engine share.  Offsets are media
 * offsets (arena offset + the stored relative offset), except nextoff.
 */
struct btt_arena {
	uint64_t off;			/* the primary info block */
	uint64_t size;			/* btt_arena_size() */
	uint64_t dataoff, mapoff, logoff, info2off;
	uint64_t nextoff;		/* as stored */
	uint32_t external_lbasize, internal_lbasize;
	uint32_t external_nlba, internal_nlba, nfree, flags;
	int log_index[2];		/* flog slots; btt_log_detect() */
};

/*
 * Decode @sb of the arena at media offset @off (nothing is checked: see
 * btt_sb_validate(), btt_sb_check_fields() and btt_sb_check_layout()).
 * log_index is set to the current layout, 0/1.
 */
void btt_arena_decode(const struct btt_sb *sb, uint64_t off,
		      struct btt_arena *a);

/* ---- the arena chain ----------------------------------------------------- */

/* Where the chain goes after an arena. */
enum btt_next {
	BTT_NEXT_OK,		/* *next is the next arena's media offset */
	BTT_NEXT_END,		/* nextoff 0: the last arena */
	BTT_NEXT_RANGE,		/* nextoff outside 16 MiB..512 GiB */
	BTT_NEXT_WRAP,		/* ... and wraps around the offset space */
	BTT_NEXT_BEYOND,	/* the next info block is past the media end */
};

/*
 * Follow @nextoff from the arena at media offset @off on a media of
 * @media_size bytes.  Each step goes forward by at least 16 MiB, so a walk
 * over any chain ends within media_size / 16 MiB steps.
 */
enum btt_next btt_arena_next(uint64_t off, uint64_t nextoff,
			     uint64_t media_size, uint64_t *next);

/* A walk along the chain from one arena to the next. */
struct btt_walk {
	struct pmemctl_media *media;
	uint64_t size;			/* of the media */
	uint64_t off;			/* media offset of the current arena */
	unsigned n;			/* arenas left behind */
	enum btt_next end;		/* why btt_walk_next() said no */
};

void btt_walk_start(struct btt_walk *w, struct pmemctl_media *media,
		    uint64_t start);
/* The current arena's info block: 0, -ERANGE past the media, or I/O. */
int btt_walk_read(struct btt_walk *w, struct btt_sb *sb);
/* On to the arena after the one @sb describes; false at the end. */
bool btt_walk_next(struct btt_walk *w, const struct btt_sb *sb);

/* ---- the map -------------------------------------------------------------- */

/* One map entry as the kernel's btt_map_read() interprets it. */
struct btt_map_entry {
	uint32_t postmap;		/* internal block */
	bool zero;			/* Z alone: reads return zeroes */
	bool error;			/* E alone: reads fail */
};

/* No flag: identity (postmap = premap); Z and E together: normal. */
static inline struct btt_map_entry btt_map_decode(uint32_t raw,
						  uint32_t premap)
{
	struct btt_map_entry e = {
		.postmap = raw & BTT_MAP_NORMAL ? raw & BTT_MAP_LBA_MASK
						: premap,
		.zero = (raw & BTT_MAP_NORMAL) == BTT_MAP_TRIM_FLAG,
		.error = (raw & BTT_MAP_NORMAL) == BTT_MAP_ERR_FLAG,
	};

	return e;
}

/* The entry the kernel writes for a normal mapping to @postmap. */
static inline uint32_t btt_map_encode(uint32_t postmap)
{
	return (postmap & BTT_MAP_LBA_MASK) | BTT_MAP_NORMAL;
}

/* Media offset of the map entry of @premap. */
static inline uint64_t btt_map_off(const struct btt_arena *a, uint32_t premap)
{
	return a->mapoff + (uint64_t)premap * BTT_MAP_ENTRY_SIZE;
}

/* ---- the flog --------------------------------------------------------------- */

/* Read the whole flog (BTT_NFREE groups) of @a. */
int btt_log_read(struct pmemctl_media *m, const struct btt_arena *a,
		 struct btt_log_group log[BTT_NFREE]);

/* Media offset of @slot of @lane's log group. */
static inline uint64_t btt_log_slot_off(const struct btt_arena *a,
					unsigned lane, int slot)
{
	return a->logoff + (uint64_t)lane * BTT_LOG_GROUP_SIZE +
	       (uint64_t)slot * BTT_LOG_ENTRY_SIZE;
}

/* All-zero: a padding slot (or one never written). */
static inline bool btt_log_ent_is_pad(const struct btt_log_entry *e)
{
	uint64_t q[2];	/* two loads: every open and check scans 1024 */

	static_assert(sizeof(*e) == sizeof(q), "a log entry is 16 bytes");
	memcpy(q, e, sizeof(q));
	return (q[0] | q[1]) == 0;
}

enum btt_log_status {
	BTT_LOG_OK = 0,
	BTT_LOG_SLOT_EMPTY,	/* an in-use slot is all zero */
	BTT_LOG_SLOT_NOT_PAD,	/* a padding slot holds an entry */
	BTT_LOG_UNKNOWN,	/* no lane shows slots 0/1 or 0/2 */
};

/*
 * The kernel's log_set_indices(): which two of the four slots of every
 * lane hold entries, (0, 1) or the pre-4.15 (0, 2); lanes with three
 * padding slots are in their initial state and say nothing.  @idx is set
 * in every case: to the slots learnt when they are a known layout, else
 * to the guess 0/1.  On an error *@lane and *@slot say where it was seen.
 */
enum btt_log_status btt_log_detect(const struct btt_log_group log[BTT_NFREE],
				   int idx[2], unsigned *lane, int *slot);

/*
 * btt_log_get_old(): the slot (idx[0] or idx[1]) of the newer of a lane's
 * two entries by their cyclic sequence numbers (1 -> 2 -> 3 -> 1; 0 in
 * idx[0] means never written), or -1 when they are equal or one is above
 * 3, which no kernel writes (the kernel lets a few of these through).
 */
int btt_log_newer(const struct btt_log_group *g, const int idx[2]);

/* What a lane's log group says: its newer entry, decoded. */
struct btt_lane {
	struct btt_log_entry ent;	/* the newer entry, as on media */
	uint32_t lba;			/* pre-map LBA it moved */
	uint32_t old, new;		/* old/new_map without Z and E */
	int slot;			/* of the newer entry */
};

/* Decode @g with the slots @idx; false (and @l unset) if undecidable. */
bool btt_lane_decode(const struct btt_log_group *g, const int idx[2],
		     struct btt_lane *l);

/*
 * Write @e into @slot of @lane as the kernel's __btt_log_write() does:
 * {lba, old_map}, then {new_map, seq}, which commits it.  Not flushed.
 */
int btt_log_write(struct pmemctl_media *m, const struct btt_arena *a,
		  unsigned lane, int slot, const struct btt_log_entry *e);

/* ---- log recovery --------------------------------------------------------- */

/*
 * Whether @l moved a block (old != new) with every number in range of
 * @a: only such a lane can leave a map write to complete.
 */
bool btt_lane_moves(const struct btt_arena *a, const struct btt_lane *l);

/*
 * The kernel's attach-time recovery (btt_freelist_init()): a moving lane
 * whose map entry (raw, @map_raw) still points at its old block had its
 * map write interrupted after the log committed it.  True and *@fix =
 * the map entry that completes the write.
 */
bool btt_lane_map_fix(const struct btt_lane *l, uint32_t map_raw,
		      uint32_t *fix);

/*
 * Recover @lane of @a on @m: read its log group, pick the newer entry
 * into *@l and, if its map write was interrupted, complete it (write and
 * flush).  Returns 1 when it wrote map[l->lba] = *@fix, 0 when there was
 * nothing to do, -EIO when the lane's sequence numbers are invalid, or
 * an I/O error.  check-btt's --repair and an engine's attach share it.
 */
int btt_lane_recover(struct pmemctl_media *m, const struct btt_arena *a,
		     unsigned lane, struct btt_lane *l, uint32_t *fix);

#endif /* PMEMCTL_BTT_H */
