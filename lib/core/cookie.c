// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Interleave-set cookies as the kernel derives them from the NFIT
 * (formats.md B.5): one record per DIMM mapping, sorted by region_offset,
 * summed with Fletcher-64.  Records hold the raw little-endian NFIT bytes.
 */
#include <stdlib.h>

#include "model.h"

#define COOKIE_V1_1_RECORD 16
#define COOKIE_V1_2_RECORD 48

struct cookie_record {
	uint64_t region_offset;
	uint8_t bytes[COOKIE_V1_2_RECORD];
};

static int cmp_region_offset(const void *a, const void *b)
{
	const struct cookie_record *x = a, *y = b;

	return x->region_offset < y->region_offset ? -1 :
	       x->region_offset > y->region_offset;
}

static void fill_record(struct cookie_record *rec,
			const struct pmemctl_dimm *dimm, uint64_t region_offset)
{
	le64 off;
	le32 serial;
	le16 vendor;

	put_le64(&off, region_offset);
	put_le32(&serial, dimm->serial);
	put_le16(&vendor, dimm->vendor);
	memset(rec, 0, sizeof(*rec));
	rec->region_offset = region_offset;
	memcpy(rec->bytes, &off, 8);
	memcpy(rec->bytes + 8, &serial, 4);
	/* v1.2 only; manufacturing date and location are zero on QEMU */
	memcpy(rec->bytes + 12, &vendor, 2);
}

int iset_cookie(const struct pmemctl_dimm *const *dimms,
		const uint64_t *region_offsets, unsigned n,
		enum pmemctl_label_version version, uint64_t *cookie)
{
	size_t reclen = version == PMEMCTL_LABEL_V1_1 ? COOKIE_V1_1_RECORD
						      : COOKIE_V1_2_RECORD;
	/* on the stack: a cookie never depends on memory being available */
	struct cookie_record recs[ISET_MAX_MAPPINGS];
	uint8_t buf[ISET_MAX_MAPPINGS * COOKIE_V1_2_RECORD];

	if (n > ISET_MAX_MAPPINGS)
		return -E2BIG;
	for (unsigned i = 0; i < n; i++)
		fill_record(&recs[i], dimms[i], region_offsets[i]);
	qsort(recs, n, sizeof(*recs), cmp_region_offset);
	for (unsigned i = 0; i < n; i++) {
		memcpy(buf + i * reclen, recs[i].bytes, reclen);
		if (version == PMEMCTL_LABEL_V1_1)
			memset(buf + i * reclen + 12, 0, 4);
	}
	*cookie = pmemctl_fletcher64(buf, n * reclen, true);
	return 0;
}

static_assert(ARRAY_SIZE(((struct pmemctl_region *)0)->mappings) <=
	      ISET_MAX_MAPPINGS, "a region's cookie always fits");

PMEMCTL_EXPORT uint64_t
pmemctl_region_compute_cookie(struct pmemctl_region *region,
			      enum pmemctl_label_version version)
{
	const struct pmemctl_dimm *dimms[ARRAY_SIZE(region->mappings)];
	uint64_t offsets[ARRAY_SIZE(region->mappings)], cookie = 0;

	for (unsigned i = 0; i < region->nmappings; i++) {
		dimms[i] = dimm_read(region->mappings[i].dimm);
		offsets[i] = region->mappings[i].dimm->region_offset;
	}
	/* cannot fail: nmappings <= ARRAY_SIZE(mappings) <= the maximum */
	iset_cookie(dimms, offsets, region->nmappings, version, &cookie);
	return cookie;
}
