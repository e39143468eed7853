// SPDX-License-Identifier: LGPL-2.1-only
/*
 * The BTT core (btt.h): the one implementation of the BTT's rules that the
 * layout writer, the checker, read-infoblock, the scanner and an I/O
 * engine share.  The arithmetic and the decisions follow the kernel's
 * drivers/nvdimm/btt.c (create_arenas, alloc_arena, nd_btt_arena_is_valid,
 * log_set_indices, btt_log_get_old, btt_map_read, btt_freelist_init;
 * formats.md C) so that a BTT means here what it means to the kernel.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt.h"

/* ---- the sector-size table ---------------------------------------------- */

static const uint32_t btt_lbasizes[] = {
	512, 520, 528, 4096, 4104, 4160, 4224,
};

bool btt_lbasize_supported(uint32_t lbasize)
{
	for (size_t i = 0; i < ARRAY_SIZE(btt_lbasizes); i++)
		if (btt_lbasizes[i] == lbasize)
			return true;
	return false;
}

const char *btt_lbasize_list(char *buf, size_t len, const char *last)
{
	size_t n = 0, count = ARRAY_SIZE(btt_lbasizes);

	buf[0] = '\0';
	for (size_t i = 0; i < count && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%u",
				      i == 0 ? "" : i + 1 == count ? last : ", ",
				      btt_lbasizes[i]);
	return buf;
}

/* ---- layout math -------------------------------------------------------- */

/* alloc_arena(): carve one arena of @size bytes. */
static void layout_arena(uint64_t offset, uint64_t size, uint32_t ilbasize,
			 struct btt_arena_layout *a)
{
	uint64_t avail = ALIGN_DOWN(size, BTT_PG_SIZE);
	uint64_t mapsize, datasize;

	memset(a, 0, sizeof(*a));
	a->offset = offset;
	a->size = size;
	a->internal_lbasize = ilbasize;
	/* the primary and the backup info block */
	avail -= 2 * BTT_PG_SIZE;
	avail -= BTT_LOG_SIZE;
	/* one page of slack for rounding the map up */
	a->internal_nlba = (uint32_t)((avail - BTT_PG_SIZE) /
			(a->internal_lbasize + BTT_MAP_ENTRY_SIZE));
	a->external_nlba = a->internal_nlba - BTT_NFREE;
	mapsize = ALIGN_UP((uint64_t)a->external_nlba * BTT_MAP_ENTRY_SIZE,
			   BTT_PG_SIZE);
	datasize = avail - mapsize;
	a->dataoff = BTT_PG_SIZE;
	a->mapoff = a->dataoff + datasize;
	a->logoff = a->mapoff + mapsize;
	a->info2off = a->logoff + BTT_LOG_SIZE;
}

/*
 * create_arenas(): 512 GiB arenas; a tail under 16 MiB is wasted.  Arena
 * @i computed on its own, so that a writer needs no memory for the list.
 */
bool btt_layout_arena(uint64_t rawsize, uint32_t lbasize, unsigned i,
		      struct btt_arena_layout *a)
{
	return btt_lbasize_supported(lbasize) &&
	       btt_layout_arena_ilb(rawsize, btt_internal_lbasize(lbasize),
				    i, a);
}

/* The smallest arena of @rawsize (16 MiB or more): the tail, if kept. */
static uint64_t smallest_arena(uint64_t rawsize)
{
	uint64_t tail = rawsize % BTT_ARENA_MAX_SIZE;

	return tail >= BTT_ARENA_MIN_SIZE || rawsize < BTT_ARENA_MAX_SIZE ?
	       tail : BTT_ARENA_MAX_SIZE;
}

bool btt_layout_arena_ilb(uint64_t rawsize, uint32_t ilbasize, unsigned i,
			  struct btt_arena_layout *a)
{
	uint64_t off = (uint64_t)i * BTT_ARENA_MAX_SIZE, size;

	if (!ilbasize || off >= rawsize || rawsize < BTT_ARENA_MIN_SIZE)
		return false;
	/* a block size (a hostile pool's) so large that the smallest arena
	 * would have fewer than two blocks per free one: libpmemblk lays
	 * out nothing then (lane i's first log entry names LBA i), nor do
	 * we, so that no arena's nextoff leads to an arena that cannot be;
	 * the kernel's sector sizes are far from it */
	layout_arena(0, smallest_arena(rawsize), ilbasize, a);
	if (a->internal_nlba < 2 * BTT_NFREE)
		return false;
	size = rawsize - off < BTT_ARENA_MAX_SIZE ? rawsize - off
						  : BTT_ARENA_MAX_SIZE;
	if (size < BTT_ARENA_MIN_SIZE)
		return false;
	layout_arena(off, size, ilbasize, a);
	a->nextoff = rawsize - off - size >= BTT_ARENA_MIN_SIZE ? size : 0;
	return true;
}

int btt_compute_layout(uint64_t rawsize, uint32_t lbasize,
		       struct btt_arena_layout **arenas, unsigned *narenas)
{
	struct btt_arena_layout *a, tmp;
	unsigned n = 0;

	*arenas = NULL;
	*narenas = 0;
	if (!btt_layout_arena(rawsize, lbasize, 0, &tmp))
		return -EINVAL;
	while (btt_layout_arena(rawsize, lbasize, n, &tmp))
		n++;
	a = calloc(n, sizeof(*a));
	if (!a)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		btt_layout_arena(rawsize, lbasize, i, &a[i]);
	*arenas = a;
	*narenas = n;
	return 0;
}

uint64_t btt_usable_size(uint64_t rawsize, uint32_t lbasize)
{
	struct btt_arena_layout a;
	uint64_t nlba = 0;

	for (unsigned i = 0; btt_layout_arena(rawsize, lbasize, i, &a); i++)
		nlba += a.external_nlba;
	return nlba * btt_sector_size(lbasize);
}

void btt_layout_fill_sb(const struct btt_arena_layout *a, unsigned major,
			uint32_t lbasize, const uint8_t uuid[16],
			const uint8_t *parent_uuid, struct btt_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
	memcpy(sb->signature, BTT_SIG, BTT_SIG_LEN);
	memcpy(sb->uuid, uuid, 16);
	if (parent_uuid)
		memcpy(sb->parent_uuid, parent_uuid, 16);
	put_le32(&sb->flags, 0);
	put_le16(&sb->version_major, (uint16_t)major);
	put_le16(&sb->version_minor, major == 1 ? 1 : 0);
	put_le32(&sb->external_lbasize, lbasize);
	put_le32(&sb->external_nlba, a->external_nlba);
	put_le32(&sb->internal_lbasize, a->internal_lbasize);
	put_le32(&sb->internal_nlba, a->internal_nlba);
	put_le32(&sb->nfree, BTT_NFREE);
	put_le32(&sb->infosize, BTT_INFO_SIZE);
	put_le64(&sb->nextoff, a->nextoff);
	put_le64(&sb->dataoff, a->dataoff);
	put_le64(&sb->mapoff, a->mapoff);
	put_le64(&sb->logoff, a->logoff);
	put_le64(&sb->info2off, a->info2off);
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

/* ---- info blocks -------------------------------------------------------- */

static const uint8_t zero_uuid[16];

enum btt_sb_status btt_sb_validate(const struct btt_sb *sb, unsigned major,
				   const uint8_t *ns_uuid)
{
	if (memcmp(sb->signature, BTT_SIG, BTT_SIG_LEN) != 0)
		return BTT_SB_BAD_SIGNATURE;
	if (memcmp(sb->parent_uuid, zero_uuid, 16) != 0 &&
	    (!ns_uuid || memcmp(sb->parent_uuid, ns_uuid, 16) != 0))
		return BTT_SB_BAD_PARENT_UUID;
	if (pmemctl_sb_checksum(sb) != get_le64(&sb->checksum))
		return BTT_SB_BAD_CHECKSUM;
	if (get_le16(&sb->version_major) != major ||
	    get_le16(&sb->version_minor) != (major == 1 ? 1 : 0))
		return BTT_SB_BAD_VERSION;
	return BTT_SB_VALID;
}

unsigned btt_sb_check_fields(const struct btt_sb *sb)
{
	uint32_t elb = get_le32(&sb->external_lbasize);
	uint32_t ilb = get_le32(&sb->internal_lbasize);
	uint32_t enl = get_le32(&sb->external_nlba);
	uint32_t inl = get_le32(&sb->internal_nlba);
	unsigned bad = 0;

	if (get_le32(&sb->nfree) != BTT_NFREE)
		bad |= BTT_FIELD_NFREE;
	if (elb == 0 || ilb < elb)
		bad |= BTT_FIELD_LBASIZE;
	else if (!btt_lbasize_supported(elb))
		bad |= BTT_FIELD_LBASIZE_UNSUPPORTED;
	if (enl == 0 || inl < enl || inl - enl != BTT_NFREE ||
	    inl > BTT_MAX_INTERNAL_NLBA)
		bad |= BTT_FIELD_NLBA;
	return bad;
}

unsigned btt_media_check_fields(const struct pmemctl_media *m,
				const struct btt_sb *sb)
{
	unsigned bad = btt_sb_check_fields(sb);

	return media_is_pmemblk(m) ? bad & ~BTT_FIELD_LBASIZE_UNSUPPORTED : bad;
}

static bool sum_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	return !__builtin_add_overflow(a, b, sum);
}

/* Offsets inside the arena and in order: info, data, map, flog, info2. */
enum btt_sb_layout_status btt_sb_check_layout(const struct btt_sb *sb)
{
	uint64_t data = get_le64(&sb->dataoff), map = get_le64(&sb->mapoff);
	uint64_t log = get_le64(&sb->logoff), i2 = get_le64(&sb->info2off);
	uint64_t next = get_le64(&sb->nextoff), asize, end;
	uint64_t dsize = (uint64_t)get_le32(&sb->internal_nlba) *
			 get_le32(&sb->internal_lbasize);
	uint64_t msize = (uint64_t)get_le32(&sb->external_nlba) *
			 BTT_MAP_ENTRY_SIZE;

	if (!sum_ok(i2, BTT_INFO_SIZE, &asize))
		return BTT_LAYOUT_INFO2_WRAPS;
	if (next)
		asize = next;
	if (data < BTT_INFO_SIZE)
		return BTT_LAYOUT_DATA_OVER_INFO;
	if (!sum_ok(data, dsize, &end) || end > map)
		return BTT_LAYOUT_MAP_OVER_DATA;
	if (!sum_ok(map, msize, &end) || end > log)
		return BTT_LAYOUT_LOG_OVER_MAP;
	if (!sum_ok(log, (uint64_t)BTT_NFREE * BTT_LOG_GROUP_SIZE, &end) ||
	    end > i2)
		return BTT_LAYOUT_INFO2_OVER_LOG;
	if (i2 + BTT_INFO_SIZE > asize)
		return BTT_LAYOUT_INFO2_OUTSIDE;
	return BTT_LAYOUT_OK;
}

uint64_t btt_arena_size(const struct btt_sb *sb)
{
	uint64_t next = get_le64(&sb->nextoff);

	return next ? next : get_le64(&sb->info2off) + BTT_INFO_SIZE;
}

void btt_arena_decode(const struct btt_sb *sb, uint64_t off,
		      struct btt_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->off = off;
	a->size = btt_arena_size(sb);
	a->dataoff = off + get_le64(&sb->dataoff);
	a->mapoff = off + get_le64(&sb->mapoff);
	a->logoff = off + get_le64(&sb->logoff);
	a->info2off = off + get_le64(&sb->info2off);
	a->nextoff = get_le64(&sb->nextoff);
	a->external_lbasize = get_le32(&sb->external_lbasize);
	a->internal_lbasize = get_le32(&sb->internal_lbasize);
	a->external_nlba = get_le32(&sb->external_nlba);
	a->internal_nlba = get_le32(&sb->internal_nlba);
	a->nfree = get_le32(&sb->nfree);
	a->flags = get_le32(&sb->flags);
	a->log_index[0] = 0;
	a->log_index[1] = 1;
}

/* ---- the arena chain ---------------------------------------------------- */

enum btt_next btt_arena_next(uint64_t off, uint64_t nextoff,
			     uint64_t media_size, uint64_t *next)
{
	uint64_t to;

	if (!nextoff)
		return BTT_NEXT_END;
	if (!sum_ok(off, nextoff, &to))
		return nextoff > BTT_ARENA_MAX_SIZE ? BTT_NEXT_WRAP
						    : BTT_NEXT_BEYOND;
	if (nextoff < BTT_ARENA_MIN_SIZE || nextoff > BTT_ARENA_MAX_SIZE)
		return BTT_NEXT_RANGE;
	if (to > media_size || media_size - to < BTT_INFO_SIZE)
		return BTT_NEXT_BEYOND;
	*next = to;
	return BTT_NEXT_OK;
}

void btt_walk_start(struct btt_walk *w, struct pmemctl_media *media,
		    uint64_t start)
{
	memset(w, 0, sizeof(*w));
	w->media = media;
	w->size = pmemctl_media_size(media);
	w->off = start;
	w->end = BTT_NEXT_OK;
}

int btt_walk_read(struct btt_walk *w, struct btt_sb *sb)
{
	if (w->off > w->size || w->size - w->off < sizeof(*sb))
		return -ERANGE;
	return pmemctl_media_read(w->media, w->off, sb, sizeof(*sb));
}

bool btt_walk_next(struct btt_walk *w, const struct btt_sb *sb)
{
	uint64_t next;

	w->end = btt_arena_next(w->off, get_le64(&sb->nextoff), w->size,
				&next);
	if (w->end != BTT_NEXT_OK)
		return false;
	w->off = next;
	w->n++;
	return true;
}

/* ---- the flog ----------------------------------------------------------- */

static_assert(BTT_NFREE * sizeof(struct btt_log_group) == BTT_LOG_SIZE,
	      "the flog has no padding after the last lane");

int btt_log_read(struct pmemctl_media *m, const struct btt_arena *a,
		 struct btt_log_group log[BTT_NFREE])
{
	return pmemctl_media_read(m, a->logoff, log,
				  BTT_NFREE * sizeof(*log));
}

struct log_scan {
	int li[2];		/* the slots in use, once learnt */
	unsigned next;		/* how many of them are learnt */
};

/*
 * One slot of one lane.  Until two slots are learnt, non-padding entries
 * teach them (across lanes) and padding is counted in *@pad; after that,
 * li[0] must hold an entry and the slots other than li[0] and li[1] must
 * be padding.
 */
static enum btt_log_status scan_slot(struct log_scan *s,
				     const struct btt_log_entry *e, int j,
				     unsigned *pad)
{
	bool is_pad = btt_log_ent_is_pad(e);

	if (s->next < 2) {
		if (is_pad)
			(*pad)++;
		else if (!(s->next == 1 && j == s->li[0]))
			s->li[s->next++] = j;
		return BTT_LOG_OK;
	}
	if (j == s->li[0] && is_pad)
		return BTT_LOG_SLOT_EMPTY;
	if (j != s->li[0] && j != s->li[1] && !is_pad)
		return BTT_LOG_SLOT_NOT_PAD;
	return BTT_LOG_OK;
}

static bool known_layout(const int li[2])
{
	return li[0] == 0 && (li[1] == 1 || li[1] == 2);
}

static enum btt_log_status scan_log(const struct btt_log_group log[BTT_NFREE],
				    struct log_scan *s, unsigned *lane,
				    int *slot)
{
	bool initial = true;

	for (unsigned i = 0; i < BTT_NFREE; i++) {
		unsigned pad = 0;

		for (int j = 0; j < 4; j++) {
			enum btt_log_status st =
				scan_slot(s, &log[i].ent[j], j, &pad);

			if (st) {
				*lane = i;
				*slot = j;
				return st;
			}
		}
		/* three padding slots: a lane never written */
		if (pad < 3)
			initial = false;
	}
	if (initial)
		s->li[1] = 1;
	if (known_layout(s->li))
		return BTT_LOG_OK;
	*lane = 0;
	*slot = s->li[0] < 0 ? 0 : s->li[0];
	return BTT_LOG_UNKNOWN;
}

enum btt_log_status btt_log_detect(const struct btt_log_group log[BTT_NFREE],
				   int idx[2], unsigned *lane, int *slot)
{
	struct log_scan s = { .li = { -1, -1 } };
	enum btt_log_status st;

	*lane = 0;
	*slot = 0;
	st = scan_log(log, &s, lane, slot);
	/* what was learnt if it is a known layout, else a guess */
	idx[0] = known_layout(s.li) ? s.li[0] : 0;
	idx[1] = known_layout(s.li) ? s.li[1] : 1;
	return st;
}

int btt_log_newer(const struct btt_log_group *g, const int idx[2])
{
	uint32_t s0 = get_le32(&g->ent[idx[0]].seq);
	uint32_t s1 = get_le32(&g->ent[idx[1]].seq);

	if (s0 > 3 || s1 > 3 || s0 == s1)
		return -1;
	if (s0 == 0)
		return idx[1];
	if (s0 < s1)
		return s1 - s0 == 1 ? idx[1] : idx[0];
	return s0 - s1 == 1 ? idx[0] : idx[1];
}

bool btt_lane_decode(const struct btt_log_group *g, const int idx[2],
		     struct btt_lane *l)
{
	int slot = btt_log_newer(g, idx);

	if (slot < 0)
		return false;
	l->slot = slot;
	l->ent = g->ent[slot];
	l->lba = get_le32(&l->ent.lba);
	l->old = get_le32(&l->ent.old_map) & BTT_MAP_LBA_MASK;
	l->new = get_le32(&l->ent.new_map) & BTT_MAP_LBA_MASK;
	return true;
}

int btt_log_write(struct pmemctl_media *m, const struct btt_arena *a,
		  unsigned lane, int slot, const struct btt_log_entry *e)
{
	uint64_t off = btt_log_slot_off(a, lane, slot);
	const uint8_t *p = (const uint8_t *)e;
	int rc;

	rc = pmemctl_media_write(m, off, p, BTT_LOG_ENTRY_SIZE / 2);
	return rc ? rc : pmemctl_media_write(m, off + BTT_LOG_ENTRY_SIZE / 2,
					     p + BTT_LOG_ENTRY_SIZE / 2,
					     BTT_LOG_ENTRY_SIZE / 2);
}

/* ---- log recovery ------------------------------------------------------- */

bool btt_lane_moves(const struct btt_arena *a, const struct btt_lane *l)
{
	return l->old != l->new && l->lba < a->external_nlba &&
	       l->old < a->internal_nlba && l->new < a->internal_nlba;
}

bool btt_lane_map_fix(const struct btt_lane *l, uint32_t map_raw,
		      uint32_t *fix)
{
	uint32_t post = btt_map_decode(map_raw, l->lba).postmap;

	if (post == l->new || post != l->old)
		return false;
	*fix = btt_map_encode(l->new);
	return true;
}

int btt_lane_recover(struct pmemctl_media *m, const struct btt_arena *a,
		     unsigned lane, struct btt_lane *l, uint32_t *fix)
{
	struct btt_log_group g;
	le32 raw;
	int rc;

	rc = pmemctl_media_read(m, a->logoff +
				(uint64_t)lane * BTT_LOG_GROUP_SIZE,
				&g, sizeof(g));
	if (rc)
		return rc;
	if (!btt_lane_decode(&g, a->log_index, l))
		return -EIO;
	if (!btt_lane_moves(a, l))
		return 0;
	rc = pmemctl_media_read(m, btt_map_off(a, l->lba), &raw, sizeof(raw));
	if (rc)
		return rc;
	if (!btt_lane_map_fix(l, get_le32(&raw), fix))
		return 0;
	put_le32(&raw, *fix);
	rc = pmemctl_media_write(m, btt_map_off(a, l->lba), &raw,
				 sizeof(raw));
	if (!rc)
		rc = pmemctl_media_flush(m);
	return rc ? rc : 1;
}
