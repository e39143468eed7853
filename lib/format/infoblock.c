// SPDX-License-Identifier: LGPL-2.1-only
/* BTT and PFN/DAX info block recognition (formats.md C.7, D.5). */
#include "infoblock.h"

static const uint8_t zero_uuid[16];

static void summary_add(struct btt_summary *sum, const struct btt_sb *sb)
{
	if (sum->narenas == 0) {
		memcpy(sum->uuid, sb->uuid, 16);
		sum->external_lbasize = get_le32(&sb->external_lbasize);
	}
	sum->narenas++;
	sum->external_nlba += get_le32(&sb->external_nlba);
}

int btt_summarize(struct pmemctl_media *media, uint64_t start,
		  unsigned major, const uint8_t *ns_uuid,
		  struct btt_summary *sum)
{
	struct btt_walk w;
	struct btt_sb sb;
	int rc;

	memset(sum, 0, sizeof(*sum));
	/* the core's walk is bounded: every step goes 16 MiB forward */
	btt_walk_start(&w, media, start);
	do {
		rc = btt_walk_read(&w, &sb);
		if (rc == -ERANGE)
			break;
		if (rc)
			return rc;
		if (btt_sb_validate(&sb, major, ns_uuid) != BTT_SB_VALID)
			break;
		summary_add(sum, &sb);
	} while (btt_walk_next(&w, &sb));
	if (!sum->narenas)
		return -ENODEV;
	sum->complete = w.end == BTT_NEXT_END;
	return 0;
}

const char *pfn_sb_invalid_reason(const struct nd_pfn_sb *sb, const char *sig,
				  const uint8_t *ns_uuid)
{
	if (memcmp(sb->signature, sig, PFN_SIG_LEN) != 0)
		return "bad signature";
	if (pmemctl_sb_checksum(sb) != get_le64(&sb->checksum))
		return "bad checksum";
	if (memcmp(sb->parent_uuid, ns_uuid ? ns_uuid : zero_uuid, 16) != 0)
		return "parent uuid does not match the namespace";
	return NULL;
}

uint64_t pfn_sb_align(const struct nd_pfn_sb *sb)
{
	uint64_t dataoff = get_le64(&sb->dataoff);

	if (get_le16(&sb->version_minor) >= 2)
		return get_le32(&sb->align);
	if (!dataoff)
		return 0;
	return 1ULL << (63 - __builtin_clzll(dataoff));
}

int btt_find_backups(struct pmemctl_media *m, bool wipe, uint64_t *first)
{
	uint64_t size = pmemctl_media_size(m);
	uint8_t sig[BTT_SIG_LEN];
	int found = 0, rc;

	for (unsigned major = 1; major <= 2; major++) {
		for (uint64_t off = btt_start_offset(major);
		     off <= size && size - off >= 2 * BTT_INFO_SIZE;
		     off += BTT_ARENA_MAX_SIZE) {
			uint64_t at = btt_expected_info2(size, off);

			rc = pmemctl_media_read(m, at, sig, sizeof(sig));
			if (rc)
				return rc;
			if (memcmp(sig, BTT_SIG, BTT_SIG_LEN) != 0)
				continue;
			if (!found++ && first)
				*first = at;
			rc = wipe ? pmemctl_media_zero(m, at, BTT_INFO_SIZE) : 0;
			if (rc)
				return rc;
		}
	}
	return found;
}

int btt_wipe_backups(struct pmemctl_media *m)
{
	int rc = btt_find_backups(m, true, NULL);

	if (rc > 0)
		rc = pmemctl_media_flush(m);
	return rc < 0 ? rc : 0;
}

static int read_block(struct pmemctl_media *m, uint64_t off, void *buf)
{
	if (pmemctl_media_size(m) < off + BTT_INFO_SIZE)
		return -ERANGE;
	return pmemctl_media_read(m, off, buf, BTT_INFO_SIZE);
}

int infoblock_find_foreign(struct pmemctl_media *m, unsigned major,
			   const char **what, uint64_t *where)
{
	union {
		struct btt_sb btt;
		struct nd_pfn_sb pfn;
	} b;
	int rc = read_block(m, PFN_INFO_OFFSET, &b);

	static_assert(sizeof(b.btt) == sizeof(b.pfn), "");
	if (rc && rc != -ERANGE)
		return rc;
	*where = PFN_INFO_OFFSET;
	/* compared with its own parent uuid: any parent is accepted */
	if (!rc && !pfn_sb_invalid_reason(&b.pfn, PFN_SIG, b.pfn.parent_uuid)) {
		*what = "an fsdax (PFN)";
		return 1;
	}
	if (!rc && !pfn_sb_invalid_reason(&b.pfn, DAX_SIG, b.pfn.parent_uuid)) {
		*what = "a devdax (DAX)";
		return 1;
	}
	/* with no BTT expected (@major 0), both versions are foreign */
	for (unsigned v = 1; v <= 2; v++) {
		if (v == major)
			continue;
		*where = btt_start_offset(v);
		rc = read_block(m, *where, &b);
		if (rc == -ERANGE)
			continue;
		if (rc)
			return rc;
		if (btt_sb_validate(&b.btt, v, b.btt.parent_uuid) == BTT_SB_VALID) {
			*what = v == 1 ? "a BTT 1.1" : "a BTT 2.0";
			return 1;
		}
	}
	return 0;
}

/*
 * BTT and PFN info blocks share their first 56 bytes (signature, uuid,
 * parent uuid, flags, version) and end in the checksum; decode those.
 */
static void decode_header(const void *block, uint64_t offset,
			  struct pmemctl_infoblock_header *h)
{
	const struct btt_sb *sb = block;

	static_assert(offsetof(struct btt_sb, version_minor) ==
		      offsetof(struct nd_pfn_sb, version_minor), "");
	static_assert(offsetof(struct btt_sb, checksum) ==
		      offsetof(struct nd_pfn_sb, checksum), "");
	memset(h, 0, sizeof(*h));
	h->offset = offset;
	h->checksum = get_le64(&sb->checksum);
	h->checksum_ok = pmemctl_sb_checksum(sb) == h->checksum;
	for (int i = 0; i < 16; i++)
		h->signature[i] = sb->signature[i] >= 0x20 &&
				  sb->signature[i] < 0x7f ?
				  (char)sb->signature[i] :
				  (sb->signature[i] ? '?' : '\0');
	memcpy(h->uuid, sb->uuid, 16);
	memcpy(h->parent_uuid, sb->parent_uuid, 16);
	h->flags = get_le32(&sb->flags);
	h->major = get_le16(&sb->version_major);
	h->minor = get_le16(&sb->version_minor);
}

PMEMCTL_EXPORT int pmemctl_media_get_btt_info(struct pmemctl_media *media,
					      uint64_t offset,
					      struct pmemctl_btt_info *info)
{
	struct btt_sb sb;
	int rc = pmemctl_media_read(media, offset, &sb, sizeof(sb));

	if (rc)
		return rc;
	if (memcmp(sb.signature, BTT_SIG, BTT_SIG_LEN) != 0)
		return -ENODEV;
	memset(info, 0, sizeof(*info));
	decode_header(&sb, offset, &info->hdr);
	info->external_lbasize = get_le32(&sb.external_lbasize);
	info->external_nlba = get_le32(&sb.external_nlba);
	info->internal_lbasize = get_le32(&sb.internal_lbasize);
	info->internal_nlba = get_le32(&sb.internal_nlba);
	info->nfree = get_le32(&sb.nfree);
	info->infosize = get_le32(&sb.infosize);
	info->nextoff = get_le64(&sb.nextoff);
	info->dataoff = get_le64(&sb.dataoff);
	info->mapoff = get_le64(&sb.mapoff);
	info->logoff = get_le64(&sb.logoff);
	info->info2off = get_le64(&sb.info2off);
	return 0;
}

PMEMCTL_EXPORT int pmemctl_media_get_btt_next(struct pmemctl_media *media,
					      const struct pmemctl_btt_info *cur,
					      struct pmemctl_btt_info *next)
{
	uint64_t off;

	switch (btt_arena_next(cur->hdr.offset, cur->nextoff,
			       pmemctl_media_size(media), &off)) {
	case BTT_NEXT_OK:
		return pmemctl_media_get_btt_info(media, off, next);
	case BTT_NEXT_END:
		return -ENOENT;
	default:
		return -ERANGE;
	}
}

PMEMCTL_EXPORT int pmemctl_media_get_pfn_info(struct pmemctl_media *media,
					      struct pmemctl_pfn_info *info)
{
	struct nd_pfn_sb sb;
	int rc = pmemctl_media_read(media, PFN_INFO_OFFSET, &sb, sizeof(sb));

	if (rc)
		return rc;
	if (memcmp(sb.signature, PFN_SIG, PFN_SIG_LEN) != 0 &&
	    memcmp(sb.signature, DAX_SIG, PFN_SIG_LEN) != 0)
		return -ENODEV;
	memset(info, 0, sizeof(*info));
	decode_header(&sb, PFN_INFO_OFFSET, &info->hdr);
	info->dax = memcmp(sb.signature, DAX_SIG, PFN_SIG_LEN) == 0;
	info->dataoff = get_le64(&sb.dataoff);
	info->npfns = get_le64(&sb.npfns);
	info->mode = get_le32(&sb.mode);
	info->start_pad = get_le32(&sb.start_pad);
	info->end_trunc = get_le32(&sb.end_trunc);
	info->align = (uint32_t)pfn_sb_align(&sb);
	info->page_size = get_le32(&sb.page_size);
	info->page_struct_size = get_le16(&sb.page_struct_size);
	return 0;
}
