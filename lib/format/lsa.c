// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Label storage area: geometry, index validation, current-index selection,
 * initialisation and the crash-safe update protocol (formats.md B.1, B.2).
 * Every field read from media is checked against the area size before it
 * is used as an offset or a count.
 */
#include <stdio.h>
#include <stdlib.h>

#include "label.h"

const uint8_t nvdimm_pmem_type_guid[16] = {
	0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
	0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb,
};
const uint8_t nvdimm_btt_guid[16] = {
	0xa2, 0x63, 0xed, 0x8a, 0xa2, 0x29, 0x66, 0x4c,
	0x8b, 0x12, 0xf0, 0x5d, 0x15, 0xd3, 0x92, 0x2a,
};
const uint8_t nvdimm_btt2_guid[16] = {
	0xfc, 0x3b, 0x63, 0x18, 0x35, 0x17, 0x17, 0x42,
	0x8a, 0xc9, 0x17, 0x23, 0x92, 0x82, 0xd3, 0xf8,
};
const uint8_t nvdimm_pfn_guid[16] = {
	0xba, 0x00, 0x64, 0x26, 0x9f, 0xfb, 0x77, 0x46,
	0xbc, 0xb0, 0x96, 0x8f, 0x11, 0xd0, 0xd2, 0x25,
};
const uint8_t nvdimm_dax_guid[16] = {
	0x9c, 0x6d, 0xa8, 0x97, 0xdd, 0x3c, 0xda, 0x4e,
	0x98, 0x6f, 0x50, 0x68, 0xb4, 0xf8, 0x00, 0x88,
};

static unsigned index_size_for(uint64_t nslot)
{
	return (unsigned)ALIGN_UP(NSINDEX_HDR_SIZE + DIV_ROUND_UP(nslot, 8),
				  NSINDEX_ALIGN);
}

bool lsa_compute_geometry(uint64_t config_size, unsigned lsz,
			  struct lsa_geometry *geo)
{
	uint64_t tmp, nslot, isz;

	if (config_size < LSA_MIN_SIZE || config_size > UINT32_MAX)
		return false;
	tmp = config_size / lsz;
	isz = index_size_for(tmp);
	if (2 * isz > config_size)
		return false;
	nslot = (config_size - 2 * isz) / lsz;
	isz = index_size_for(nslot);
	if (nslot < 2 || 2 * isz > config_size - nslot * lsz)
		return false;
	geo->config_size = config_size;
	geo->lsz = lsz;
	geo->isz = (unsigned)isz;
	geo->nslot = (unsigned)nslot;
	return true;
}

static unsigned index_label_size(const struct nd_namespace_index *ns)
{
	unsigned major = get_le16(&ns->major), minor = get_le16(&ns->minor);

	if (major * 100 + minor < 102)
		return NSLABEL_V1_1_SIZE;
	if (ns->labelsize > 4)		/* hostile: would overflow the shift */
		return 0;
	return 128u << ns->labelsize;
}

static void index_decode(const struct nd_namespace_index *ns,
			 struct pmemctl_index_info *info)
{
	memcpy(info->signature, ns->sig, NSINDEX_SIG_LEN);
	info->signature[NSINDEX_SIG_LEN] = '\0';
	for (int i = 0; i < NSINDEX_SIG_LEN; i++)
		if (info->signature[i] && (info->signature[i] < 0x20 ||
					   info->signature[i] > 0x7e))
			info->signature[i] = '?';
	info->major = get_le16(&ns->major);
	info->minor = get_le16(&ns->minor);
	info->labelsize = index_label_size(ns);
	info->seq = get_le32(&ns->seq);
	info->myoff = get_le64(&ns->myoff);
	info->mysize = get_le64(&ns->mysize);
	info->otheroff = get_le64(&ns->otheroff);
	info->labeloff = get_le64(&ns->labeloff);
	info->nslot = get_le32(&ns->nslot);
	info->checksum = get_le64(&ns->checksum);
}

/* Why index @i of @data is invalid for label size @geo->lsz, or NULL. */
static const char *index_invalid_reason(const uint8_t *data,
					const struct lsa_geometry *geo, int i)
{
	const struct nd_namespace_index *ns =
		(const void *)(data + (size_t)i * geo->isz);
	uint64_t isz = geo->isz, mysize, nslot;

	if (memcmp(ns->sig, NSINDEX_SIGNATURE, NSINDEX_SIG_LEN) != 0)
		return "bad signature";
	if (index_label_size(ns) != geo->lsz)
		return "label size does not match version";
	/* summed in place: validating media never needs memory */
	if (fletcher64_skip(ns, isz,
			    offsetof(struct nd_namespace_index, checksum), 8) !=
	    get_le64(&ns->checksum))
		return "bad checksum";
	if ((get_le32(&ns->seq) & 3) == 0)
		return "invalid sequence number";
	if (get_le64(&ns->myoff) != i * isz ||
	    get_le64(&ns->otheroff) != (1 - i) * isz)
		return "bad myoff/otheroff";
	if (get_le64(&ns->labeloff) != 2 * isz)
		return "bad labeloff";
	mysize = get_le64(&ns->mysize);
	if (mysize < NSINDEX_HDR_SIZE || mysize > isz)
		return "bad mysize";
	nslot = get_le32(&ns->nslot);
	if (nslot * geo->lsz + 2 * isz > geo->config_size)
		return "nslot exceeds the label area";
	/* not checked by the kernel, but the free bitmap must hold nslot */
	if (nslot > (isz - NSINDEX_HDR_SIZE) * 8)
		return "nslot exceeds the free bitmap";
	return NULL;
}

static int probe_label_size(const uint8_t *data, uint64_t size, unsigned lsz,
			    struct pmemctl_index_info info[2])
{
	struct lsa_geometry geo;
	int nvalid = 0;

	if (!lsa_compute_geometry(size, lsz, &geo)) {
		for (int i = 0; i < 2; i++) {
			memset(&info[i], 0, sizeof(info[i]));
			info[i].invalid_reason = "label area too small";
		}
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		index_decode((const void *)(data + (size_t)i * geo.isz),
			     &info[i]);
		info[i].invalid_reason = index_invalid_reason(data, &geo, i);
		info[i].valid = info[i].invalid_reason == NULL;
		nvalid += info[i].valid;
	}
	return nvalid;
}

void lsa_probe_indexes(const uint8_t *data, uint64_t size,
		       struct pmemctl_index_info info[2], unsigned *lsz)
{
	/* like the kernel: 128-byte labels first, then 256 */
	*lsz = NSLABEL_V1_1_SIZE;
	if (probe_label_size(data, size, NSLABEL_V1_1_SIZE, info))
		return;
	if (probe_label_size(data, size, NSLABEL_V1_2_SIZE, info)) {
		*lsz = NSLABEL_V1_2_SIZE;
		return;
	}
	/* report against the v1.1 geometry when nothing is valid */
	probe_label_size(data, size, NSLABEL_V1_1_SIZE, info);
}

/* The kernel's best_seq(): the newer of two cyclic sequence numbers. */
static uint32_t best_seq(uint32_t a, uint32_t b)
{
	a &= 3;
	b &= 3;
	if (a == 0 || a == b)
		return b;
	if (b == 0)
		return a;
	return nd_inc_seq(a) == b ? b : a;
}

static int select_current(const struct pmemctl_index_info info[2])
{
	if (info[0].valid && info[1].valid)
		return best_seq(info[0].seq, info[1].seq) == (info[1].seq & 3);
	if (info[0].valid)
		return 0;
	if (info[1].valid)
		return 1;
	return -1;
}

struct nd_namespace_index *lsa_index(struct pmemctl_lsa *lsa, int i)
{
	return (void *)(lsa->data + (size_t)i * lsa->geo.isz);
}

struct nd_namespace_label *lsa_label(struct pmemctl_lsa *lsa, unsigned slot)
{
	return (void *)(lsa->data + 2 * (size_t)lsa->geo.isz +
			(size_t)slot * lsa->geo.lsz);
}

static unsigned index_nslot(struct pmemctl_lsa *lsa, int i)
{
	/* validated: nslot * lsz + 2 * isz <= config_size */
	return get_le32(&lsa_index(lsa, i)->nslot);
}

bool lsa_slot_active(struct pmemctl_lsa *lsa, unsigned slot)
{
	struct nd_namespace_label *label;

	if (slot >= index_nslot(lsa, lsa->cur) ||
	    lsa_bit_test(lsa_index(lsa, lsa->cur)->free, slot))
		return false;
	label = lsa_label(lsa, slot);
	if (get_le32(&label->slot) != slot)
		return false;
	if (lsa->geo.lsz == NSLABEL_V1_2_SIZE) {
		struct nd_namespace_label copy = *label;

		label_set_checksum(&copy);
		return get_le64(&copy.checksum) == get_le64(&label->checksum);
	}
	return true;
}

/* An LSA of @size bytes, not yet read; nothing in it is valid. */
static int lsa_alloc(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
		     const char *devname, struct pmemctl_lsa **out)
{
	uint64_t size = pmemctl_media_size(media);
	struct pmemctl_lsa *lsa;

	if (size > UINT32_MAX) {
		err(ctx, "%s: label area of %llu bytes is not supported",
		    devname, (unsigned long long)size);
		return -EOPNOTSUPP;
	}
	lsa = calloc(1, sizeof(*lsa));
	if (lsa)
		lsa->data = malloc(size ? size : 1);
	if (!lsa || !lsa->data) {
		free(lsa);
		return log_oom(ctx, devname);
	}
	lsa->ctx = ctx;
	lsa->media = media;
	lsa->devname = devname;
	*out = lsa;
	return 0;
}

/* Pick the current index of the area in @lsa->data; -ENODATA if none. */
static int lsa_parse(struct pmemctl_lsa *lsa)
{
	uint64_t size = pmemctl_media_size(lsa->media);
	unsigned lsz;

	lsa_probe_indexes(lsa->data, size, lsa->index, &lsz);
	lsa->cur = select_current(lsa->index);
	if (lsa->cur < 0) {
		dbg(lsa->ctx, "%s: no valid index block (%s)", lsa->devname,
		    lsa->index[0].invalid_reason);
		return -ENODATA;
	}
	lsa_compute_geometry(size, lsz, &lsa->geo);
	lsa->next = !lsa->cur;
	/* as the kernel does: the next index starts as a copy of current */
	memcpy(lsa_index(lsa, lsa->next), lsa_index(lsa, lsa->cur),
	       lsa->geo.isz);
	return 0;
}

int lsa_load(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
	     const char *devname, struct pmemctl_lsa **out)
{
	struct pmemctl_lsa *lsa;
	int rc;

	rc = lsa_alloc(ctx, media, devname, &lsa);
	if (rc)
		return rc;
	rc = pmemctl_media_read(media, 0, lsa->data,
				pmemctl_media_size(media));
	if (!rc)
		rc = lsa_parse(lsa);
	if (rc) {
		pmemctl_lsa_free(lsa);
		return rc;
	}
	*out = lsa;
	return 0;
}

PMEMCTL_EXPORT void pmemctl_lsa_free(struct pmemctl_lsa *lsa)
{
	if (!lsa)
		return;
	free(lsa->data);
	free(lsa);
}

/* Fill index block @i for a fresh area (seq 3 for block 0, 2 for 1). */
static void index_fill_fresh(uint8_t *block, const struct lsa_geometry *geo,
			     int i)
{
	struct nd_namespace_index *ns = (void *)block;
	unsigned bitmap_bytes = (unsigned)ALIGN_UP(geo->nslot, 64) / 8;

	memset(block, 0, geo->isz);
	memcpy(ns->sig, NSINDEX_SIGNATURE, NSINDEX_SIG_LEN);
	ns->labelsize = geo->lsz >= NSLABEL_V1_2_SIZE ? 1 : 0;
	put_le32(&ns->seq, 3 - i);
	put_le64(&ns->myoff, (uint64_t)i * geo->isz);
	put_le64(&ns->mysize, geo->isz);
	put_le64(&ns->otheroff, (uint64_t)(1 - i) * geo->isz);
	put_le64(&ns->labeloff, 2ULL * geo->isz);
	put_le32(&ns->nslot, geo->nslot);
	put_le16(&ns->major, 1);
	put_le16(&ns->minor, geo->lsz >= NSLABEL_V1_2_SIZE ? 2 : 1);
	/* all slots free; bits beyond nslot stay clear, as the kernel does */
	if (NSINDEX_HDR_SIZE + bitmap_bytes > geo->isz)
		bitmap_bytes = geo->isz - NSINDEX_HDR_SIZE;
	memset(ns->free, 0xff, bitmap_bytes);
	for (unsigned s = geo->nslot; s < bitmap_bytes * 8; s++)
		lsa_bit_clear(ns->free, s);
	put_le64(&ns->checksum, pmemctl_fletcher64(block, geo->isz, true));
}

int lsa_create(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
	       const char *devname, enum pmemctl_label_version version,
	       struct pmemctl_lsa **out)
{
	unsigned lsz = version == PMEMCTL_LABEL_V1_2 ? NSLABEL_V1_2_SIZE
						     : NSLABEL_V1_1_SIZE;
	struct pmemctl_lsa *lsa;
	struct lsa_geometry geo;
	int rc;

	if (!lsa_compute_geometry(pmemctl_media_size(media), lsz, &geo)) {
		err(ctx, "%s: label area of %llu bytes is too small for %u-byte labels",
		    devname, (unsigned long long)pmemctl_media_size(media),
		    lsz);
		return -ENOSPC;
	}
	/* all memory first: nothing is written unless all of it is there */
	rc = lsa_alloc(ctx, media, devname, &lsa);
	if (rc)
		return rc;
	memset(lsa->data, 0, geo.config_size);
	index_fill_fresh(lsa->data, &geo, 0);
	index_fill_fresh(lsa->data + geo.isz, &geo, 1);
	rc = pmemctl_media_write(media, 0, lsa->data, 2 * (size_t)geo.isz);
	if (!rc)
		rc = pmemctl_media_flush(media);
	/* the fresh indexes are valid: this picks index 0, as a load would */
	if (!rc)
		rc = lsa_parse(lsa);
	if (rc || !out)
		pmemctl_lsa_free(lsa);
	else
		*out = lsa;
	return rc;
}

int lsa_init(struct pmemctl_ctx *ctx, struct pmemctl_media *media,
	     const char *devname, enum pmemctl_label_version version)
{
	return lsa_create(ctx, media, devname, version, NULL);
}

/* Take the lowest free slot in the next index and write @label into it. */
int lsa_stage_label(struct pmemctl_lsa *lsa,
		    const struct nd_namespace_label *label, unsigned *slot)
{
	struct nd_namespace_index *next = lsa_index(lsa, lsa->next);
	unsigned nslot = index_nslot(lsa, lsa->next);
	struct nd_namespace_label *dst;
	uint64_t off;
	unsigned s;

	for (s = 0; s < nslot; s++)
		if (lsa_bit_test(next->free, s))
			break;
	/* one slot always stays free for the next update, as in the kernel */
	if (s >= nslot || pmemctl_lsa_get_nfree(lsa) <= 1) {
		err(lsa->ctx, "%s: no free label slots", lsa->devname);
		return -ENOSPC;
	}
	dst = lsa_label(lsa, s);
	memset(dst, 0, lsa->geo.lsz);
	memcpy(dst, label, lsa->geo.lsz);
	put_le32(&dst->slot, s);
	if (lsa->geo.lsz == NSLABEL_V1_2_SIZE)
		label_set_checksum(dst);
	off = 2ULL * lsa->geo.isz + (uint64_t)s * lsa->geo.lsz;
	lsa_bit_clear(next->free, s);
	*slot = s;
	return pmemctl_media_write(lsa->media, off, dst, lsa->geo.lsz);
}

void lsa_stage_free(struct pmemctl_lsa *lsa, unsigned slot)
{
	if (slot < index_nslot(lsa, lsa->next))
		lsa_bit_set(lsa_index(lsa, lsa->next)->free, slot);
}

/* Write the next index with the next sequence number: the commit point. */
int lsa_commit(struct pmemctl_lsa *lsa)
{
	struct nd_namespace_index *cur = lsa_index(lsa, lsa->cur);
	struct nd_namespace_index *next = lsa_index(lsa, lsa->next);
	unsigned isz = lsa->geo.isz;
	int rc;

	rc = pmemctl_media_flush(lsa->media);	/* labels before index */
	if (rc)
		return rc;
	put_le32(&next->seq, nd_inc_seq(get_le32(&cur->seq)));
	put_le64(&next->myoff, (uint64_t)lsa->next * isz);
	put_le64(&next->otheroff, (uint64_t)lsa->cur * isz);
	put_le64(&next->checksum, 0);
	put_le64(&next->checksum, pmemctl_fletcher64(next, isz, true));
	rc = pmemctl_media_write(lsa->media, (uint64_t)lsa->next * isz, next,
				 isz);
	if (!rc)
		rc = pmemctl_media_flush(lsa->media);
	if (rc)
		return rc;
	lsa->cur = lsa->next;
	lsa->next = !lsa->cur;
	memcpy(lsa_index(lsa, lsa->next), lsa_index(lsa, lsa->cur), isz);
	index_decode(lsa_index(lsa, lsa->cur), &lsa->index[lsa->cur]);
	lsa->index[lsa->cur].valid = true;
	lsa->index[lsa->cur].invalid_reason = NULL;
	return 0;
}

void label_set_checksum(struct nd_namespace_label *label)
{
	put_le64(&label->checksum, 0);
	put_le64(&label->checksum,
		 pmemctl_fletcher64(label, sizeof(*label), true));
}

void label_decode(const struct pmemctl_lsa *lsa,
		  const struct nd_namespace_label *label,
		  struct pmemctl_label_info *info)
{
	memset(info, 0, sizeof(*info));
	memcpy(info->uuid, label->uuid, 16);
	memcpy(info->name, label->name, NSLABEL_NAME_LEN);
	info->name[NSLABEL_NAME_LEN] = '\0';
	info->slot = get_le32(&label->slot);
	info->flags = get_le32(&label->flags);
	info->nlabel = get_le16(&label->nlabel);
	info->position = get_le16(&label->position);
	info->isetcookie = get_le64(&label->isetcookie);
	info->lbasize = get_le64(&label->lbasize);
	info->dpa = get_le64(&label->dpa);
	info->rawsize = get_le64(&label->rawsize);
	info->checksum_ok = true;
	if (lsa->geo.lsz == NSLABEL_V1_2_SIZE) {
		struct nd_namespace_label copy = *label;

		memcpy(info->type_guid, label->type_guid, 16);
		memcpy(info->abstraction_guid, label->abstraction_guid, 16);
		label_set_checksum(&copy);
		info->checksum_ok = get_le64(&copy.checksum) == get_le64(&label->checksum);
	}
}

/* ---- public accessors -------------------------------------------------- */

PMEMCTL_EXPORT enum pmemctl_label_version
pmemctl_lsa_get_version(struct pmemctl_lsa *lsa)
{
	return lsa->geo.lsz == NSLABEL_V1_2_SIZE ? PMEMCTL_LABEL_V1_2
						 : PMEMCTL_LABEL_V1_1;
}

PMEMCTL_EXPORT unsigned pmemctl_lsa_get_nslot(struct pmemctl_lsa *lsa)
{
	return index_nslot(lsa, lsa->cur);
}

PMEMCTL_EXPORT unsigned pmemctl_lsa_get_nfree(struct pmemctl_lsa *lsa)
{
	struct nd_namespace_index *next = lsa_index(lsa, lsa->next);
	unsigned nslot = index_nslot(lsa, lsa->next), nfree = 0;

	for (unsigned s = 0; s < nslot; s++)
		nfree += lsa_bit_test(next->free, s);
	return nfree;
}

PMEMCTL_EXPORT int pmemctl_lsa_get_current_index(struct pmemctl_lsa *lsa)
{
	return lsa->cur;
}

PMEMCTL_EXPORT int pmemctl_lsa_get_index(struct pmemctl_lsa *lsa, int i,
					 struct pmemctl_index_info *info)
{
	if (i < 0 || i > 1)
		return -EINVAL;
	*info = lsa->index[i];
	return 0;
}

PMEMCTL_EXPORT unsigned pmemctl_lsa_get_nlabels(struct pmemctl_lsa *lsa)
{
	unsigned n = 0, nslot = index_nslot(lsa, lsa->cur);

	for (unsigned s = 0; s < nslot; s++)
		n += lsa_slot_active(lsa, s);
	return n;
}

PMEMCTL_EXPORT int pmemctl_lsa_get_label(struct pmemctl_lsa *lsa, unsigned n,
					 struct pmemctl_label_info *info)
{
	unsigned nslot = index_nslot(lsa, lsa->cur);

	for (unsigned s = 0; s < nslot; s++) {
		if (!lsa_slot_active(lsa, s))
			continue;
		if (n-- == 0) {
			label_decode(lsa, lsa_label(lsa, s), info);
			return 0;
		}
	}
	return -ENOENT;
}
