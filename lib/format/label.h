/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * On-media layout of the UEFI label storage area (formats.md B): namespace
 * index blocks and v1.1 (128-byte) / v1.2 (256-byte) namespace labels.
 * All integers are little-endian on media.
 */
#ifndef PMEMCTL_LABEL_H
#define PMEMCTL_LABEL_H

#include <stddef.h>

#include "format.h"

#define NSINDEX_SIGNATURE "NAMESPACE_INDEX\0"
#define NSINDEX_SIG_LEN 16
#define NSINDEX_ALIGN 256
#define NSINDEX_HDR_SIZE 72
#define NSLABEL_NAME_LEN 64
#define NSLABEL_V1_1_SIZE 128
#define NSLABEL_V1_2_SIZE 256
#define LSA_MIN_SIZE 1024		/* two index blocks + two labels */
#define QEMU_MIN_LABEL_SIZE SZ_128K

#define NSLABEL_FLAG_ROLABEL 0x1
#define NSLABEL_FLAG_LOCAL 0x2
#define NSLABEL_FLAG_BTT 0x4
#define NSLABEL_FLAG_UPDATING 0x8

struct nd_namespace_index {
	uint8_t sig[NSINDEX_SIG_LEN];
	uint8_t flags[3];
	uint8_t labelsize;	/* v1.2: label size = 128 << labelsize */
	le32 seq;
	le64 myoff;
	le64 mysize;
	le64 otheroff;
	le64 labeloff;
	le32 nslot;
	le16 major;
	le16 minor;
	le64 checksum;
	uint8_t free[];		/* bit set = slot free */
} __attribute__((packed));

static_assert(sizeof(struct nd_namespace_index) == NSINDEX_HDR_SIZE,
	      "index header is 72 bytes");
static_assert(offsetof(struct nd_namespace_index, labelsize) == 19, "");
static_assert(offsetof(struct nd_namespace_index, seq) == 20, "");
static_assert(offsetof(struct nd_namespace_index, nslot) == 56, "");
static_assert(offsetof(struct nd_namespace_index, major) == 60, "");
static_assert(offsetof(struct nd_namespace_index, checksum) == 64, "");

struct nd_namespace_label {
	uint8_t uuid[16];
	uint8_t name[NSLABEL_NAME_LEN];
	le32 flags;
	le16 nlabel;
	le16 position;
	le64 isetcookie;
	le64 lbasize;
	le64 dpa;
	le64 rawsize;
	le32 slot;
	/* v1.2 from here; a v1.1 label ends after unused[] */
	uint8_t align;
	uint8_t reserved[3];
	uint8_t type_guid[16];
	uint8_t abstraction_guid[16];
	uint8_t reserved2[88];
	le64 checksum;
} __attribute__((packed));

static_assert(sizeof(struct nd_namespace_label) == NSLABEL_V1_2_SIZE,
	      "v1.2 label is 256 bytes");
static_assert(offsetof(struct nd_namespace_label, flags) == 80, "");
static_assert(offsetof(struct nd_namespace_label, isetcookie) == 88, "");
static_assert(offsetof(struct nd_namespace_label, dpa) == 104, "");
static_assert(offsetof(struct nd_namespace_label, slot) == 120, "");
static_assert(offsetof(struct nd_namespace_label, type_guid) == 128, "");
static_assert(offsetof(struct nd_namespace_label, abstraction_guid) == 144,
	      "");
static_assert(offsetof(struct nd_namespace_label, checksum) == 248, "");

/* EFI-byte-order GUIDs (formats.md B.6) */
extern const uint8_t nvdimm_pmem_type_guid[16];
extern const uint8_t nvdimm_btt_guid[16];
extern const uint8_t nvdimm_btt2_guid[16];
extern const uint8_t nvdimm_pfn_guid[16];
extern const uint8_t nvdimm_dax_guid[16];

/* Label area geometry for a given area size and label size. */
struct lsa_geometry {
	uint64_t config_size;
	unsigned lsz;		/* label size */
	unsigned isz;		/* index block size */
	unsigned nslot;
};

/* Returns false when the area is too small for two indexes and labels. */
bool lsa_compute_geometry(uint64_t config_size, unsigned lsz,
			  struct lsa_geometry *geo);

/* Sequence numbers cycle 1 -> 2 -> 3 -> 1. */
static inline uint32_t nd_inc_seq(uint32_t seq)
{
	static const uint32_t next[] = { 0, 2, 3, 1 };

	return next[seq & 3];
}

/* Free-bitmap helpers (little-endian bit order). */
static inline bool lsa_bit_test(const uint8_t *map, unsigned bit)
{
	return map[bit / 8] & (1u << (bit % 8));
}

static inline void lsa_bit_set(uint8_t *map, unsigned bit)
{
	map[bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static inline void lsa_bit_clear(uint8_t *map, unsigned bit)
{
	map[bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

/*
 * An LSA loaded into memory.  @data is the whole area; @cur is the valid
 * index chosen by sequence number, @next the one the next update writes.
 */
struct pmemctl_lsa {
	struct pmemctl_ctx *ctx;
	struct pmemctl_media *media;	/* the label area, not owned */
	const char *devname;
	uint8_t *data;
	struct lsa_geometry geo;
	int cur, next;
	struct pmemctl_index_info index[2];
};

/* Load from @media; -ENODATA when no index block is valid. */
int lsa_load(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
	     const char *devname, struct pmemctl_lsa **lsa);
/* Validate both index blocks without requiring either to be valid. */
void lsa_probe_indexes(const uint8_t *data, uint64_t size,
		       struct pmemctl_index_info info[2], unsigned *lsz);
int lsa_init(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
	     const char *devname, enum pmemctl_label_version version);
/*
 * lsa_init() that also returns the fresh area, loaded (when @lsa is not
 * NULL).  Every allocation happens before the first write, so a failed
 * one leaves the media untouched.
 */
int lsa_create(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
	       const char *devname, enum pmemctl_label_version version,
	       struct pmemctl_lsa **lsa);

struct nd_namespace_index *lsa_index(struct pmemctl_lsa *lsa, int i);
struct nd_namespace_label *lsa_label(struct pmemctl_lsa *lsa, unsigned slot);
bool lsa_slot_active(struct pmemctl_lsa *lsa, unsigned slot);

/* Update protocol: stage a label, free old slots, then commit. */
int lsa_stage_label(struct pmemctl_lsa *lsa,
		    const struct nd_namespace_label *label, unsigned *slot);
void lsa_stage_free(struct pmemctl_lsa *lsa, unsigned slot);
int lsa_commit(struct pmemctl_lsa *lsa);

void label_decode(const struct pmemctl_lsa *lsa,
		  const struct nd_namespace_label *label,
		  struct pmemctl_label_info *info);
void label_set_checksum(struct nd_namespace_label *label);

#endif /* PMEMCTL_LABEL_H */
