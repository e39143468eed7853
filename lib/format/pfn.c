// SPDX-License-Identifier: LGPL-2.1-only
/*
 * PFN (fsdax) and DAX (devdax) info blocks as the kernel's nd_pfn_init()
 * lays them out (formats.md D.4): struct pages in DRAM (map=mem) or on the
 * device between 8 KiB and dataoff (map=dev), data aligned to
 * max(align, 2 MiB).
 */
#include <uuid/uuid.h>

#include "pfn.h"
#include "pfnlayout.h"

int pfn_compute(uint64_t start, uint64_t size, uint32_t mode, uint64_t align,
		struct pfn_layout *out)
{
	uint64_t a = align > PFN_COMPAT_ALIGN ? align : PFN_COMPAT_ALIGN;
	uint64_t npfns0, offset, end_trunc;

	if (start % PFN_COMPAT_ALIGN || size <= PFN_RESERVE)
		return -EINVAL;
	end_trunc = start + size - ALIGN_DOWN(start + size, a);
	npfns0 = (size - PFN_RESERVE) / PFN_PAGE_SIZE;
	if (mode == PFN_MODE_PMEM)
		offset = ALIGN_UP(start + PFN_RESERVE +
				  PFN_PAGE_STRUCT_SIZE * npfns0, a) - start;
	else if (mode == PFN_MODE_RAM)
		offset = ALIGN_UP(start + PFN_RESERVE, a) - start;
	else
		return -EINVAL;
	if (offset >= size - end_trunc)
		return -ENOSPC;
	out->dataoff = offset;
	out->end_trunc = end_trunc;
	out->npfns = (size - offset - end_trunc) / PFN_PAGE_SIZE;
	return 0;
}

void pfn_fill_sb(const struct pfn_layout *l, bool dax, uint32_t mode,
		 uint64_t align, const uint8_t uuid[16],
		 const uint8_t *parent_uuid, struct nd_pfn_sb *sb)
{
	memset(sb, 0, sizeof(*sb));
	memcpy(sb->signature, dax ? DAX_SIG : PFN_SIG, PFN_SIG_LEN);
	memcpy(sb->uuid, uuid, 16);
	if (parent_uuid)
		memcpy(sb->parent_uuid, parent_uuid, 16);
	put_le16(&sb->version_major, 1);
	put_le16(&sb->version_minor, PFN_VERSION_MINOR);
	put_le64(&sb->dataoff, l->dataoff);
	put_le64(&sb->npfns, l->npfns);
	put_le32(&sb->mode, mode);
	put_le32(&sb->end_trunc, (uint32_t)l->end_trunc);
	put_le32(&sb->align, (uint32_t)align);
	put_le32(&sb->page_size, PFN_PAGE_SIZE);
	put_le16(&sb->page_struct_size, PFN_PAGE_STRUCT_SIZE);
	put_le64(&sb->checksum, pmemctl_sb_checksum(sb));
}

int pfn_write_layout(struct pmemctl_media *ns, bool dax, uint32_t mode,
		     uint64_t align, const uint8_t uuid[16],
		     const uint8_t *parent_uuid)
{
	struct pfn_layout l;
	struct nd_pfn_sb sb;
	int rc;

	/* the namespace starts 2 MiB-aligned in guest physical space */
	rc = pfn_compute(0, pmemctl_media_size(ns), mode, align, &l);
	if (rc)
		return rc;
	pfn_fill_sb(&l, dax, mode, align, uuid, parent_uuid, &sb);
	rc = pmemctl_media_write(ns, PFN_INFO_OFFSET, &sb, sizeof(sb));
	return rc ? rc : pmemctl_media_flush(ns);
}

/* ---- write-infoblock ------------------------------------------------------ */

#define SZ_1G (1ULL << 30)
#define PFN_MIN_SIZE SZ_16M		/* as create-namespace */

static int pfn_spec_check(struct pmemctl_ctx *ctx, const char *dev,
			  const struct pmemctl_pfn_spec *s, uint64_t align)
{
	static const uint8_t zero[16];

	if (s->mode != PMEMCTL_NS_MODE_FSDAX &&
	    s->mode != PMEMCTL_NS_MODE_DEVDAX) {
		err(ctx, "%s: info blocks can be written for fsdax and devdax only",
		    dev);
		return -EINVAL;
	}
	if (s->map != PMEMCTL_MAP_NONE && s->map != PMEMCTL_MAP_MEM &&
	    s->map != PMEMCTL_MAP_DEV) {
		err(ctx, "%s: unknown map location", dev);
		return -EINVAL;
	}
	if (align != SZ_4K && align != SZ_2M &&
	    (align != SZ_1G || !s->has_phys_start)) {
		err(ctx, align == SZ_1G ?
		    "%s: alignment 1G needs the namespace's guest-physical start (--offset)" :
		    "%s: alignment %llu is not supported (4K, 2M, or 1G with --offset)",
		    dev, (unsigned long long)align);
		return -EINVAL;
	}
	if (s->has_phys_start && s->phys_start % PFN_COMPAT_ALIGN) {
		err(ctx, "%s: physical start %#llx is not 2 MiB-aligned; the kernel refuses such a namespace",
		    dev, (unsigned long long)s->phys_start);
		return -EINVAL;
	}
	if (s->size < PFN_MIN_SIZE) {
		err(ctx, "%s: %s namespaces need at least 16 MiB (size %llu)",
		    dev, pmemctl_ns_mode_name(s->mode),
		    (unsigned long long)s->size);
		return -EINVAL;
	}
	if (s->size % SZ_4K) {
		err(ctx, "%s: size %llu is not a multiple of 4 KiB", dev,
		    (unsigned long long)s->size);
		return -EINVAL;
	}
	if (s->uuid && !memcmp(s->uuid, zero, 16)) {
		err(ctx, "%s: the null uuid cannot name an info block", dev);
		return -EINVAL;
	}
	return 0;
}

PMEMCTL_EXPORT int pmemctl_pfn_build(struct pmemctl_ctx *ctx, const char *dev,
				     const struct pmemctl_pfn_spec *spec,
				     void *area)
{
	uint64_t align = spec->align ? spec->align : SZ_2M;
	uint32_t mode = spec->map == PMEMCTL_MAP_MEM ? PFN_MODE_RAM
						     : PFN_MODE_PMEM;
	struct pfn_layout l;
	uint8_t uuid[16];
	int rc = pfn_spec_check(ctx, dev, spec, align);

	if (rc)
		return rc;
	rc = pfn_compute(spec->has_phys_start ? spec->phys_start : 0,
			 spec->size, mode, align, &l);
	if (rc) {
		err(ctx, "%s: a %llu-byte namespace aligned to %llu leaves no room for data",
		    dev, (unsigned long long)spec->size,
		    (unsigned long long)align);
		return rc;
	}
	if (spec->uuid)
		memcpy(uuid, spec->uuid, 16);
	else
		uuid_generate(uuid);
	memset(area, 0, PFN_INFO_OFFSET);
	pfn_fill_sb(&l, spec->mode == PMEMCTL_NS_MODE_DEVDAX, mode, align,
		    uuid, spec->parent_uuid,
		    (struct nd_pfn_sb *)((uint8_t *)area + PFN_INFO_OFFSET));
	return 0;
}

/* What the first 8 KiB hold, for the refusal message. */
static const char *area_contents(struct pmemctl_media *m)
{
	struct pmemctl_btt_info b;
	struct pmemctl_pfn_info f;

	if (pmemctl_media_get_pfn_info(m, &f) == 0)
		return f.dax ? "a devdax (DAX) info block" :
			       "an fsdax (PFN) info block";
	if (pmemctl_media_get_btt_info(m, PFN_INFO_OFFSET, &b) == 0 ||
	    pmemctl_media_get_btt_info(m, 0, &b) == 0)
		return "a BTT info block";
	return "data in its first 8 KiB";
}

PMEMCTL_EXPORT int pmemctl_media_write_pfn(struct pmemctl_media *m,
					   const struct pmemctl_pfn_spec *spec)
{
	struct pmemctl_ctx *ctx = pmemctl_media_get_ctx(m);
	const char *dev = pmemctl_media_name(m);
	uint64_t have = pmemctl_media_size(m);
	struct pmemctl_pfn_spec s = *spec;
	uint8_t area[PMEMCTL_INFOBLOCK_AREA_SIZE];
	int rc;

	if (!s.size)
		s.size = have;
	if (s.size > have) {
		err(ctx, "%s: --size %llu exceeds the %llu bytes of the target",
		    dev, (unsigned long long)s.size,
		    (unsigned long long)have);
		return -EINVAL;
	}
	rc = pmemctl_pfn_build(ctx, dev, &s, area);
	if (rc)
		return rc;
	if (!s.force) {
		uint8_t old[PMEMCTL_INFOBLOCK_AREA_SIZE];

		rc = pmemctl_media_read(m, 0, old, sizeof(old));
		if (rc)
			return rc;
		if (!mem_is_zero(old, sizeof(old))) {
			err(ctx, "%s holds %s; use --force to overwrite it",
			    dev, area_contents(m));
			return -EBUSY;
		}
	}
	rc = pmemctl_media_write(m, 0, area, sizeof(area));
	return rc ? rc : pmemctl_media_flush(m);
}
