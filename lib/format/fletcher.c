// SPDX-License-Identifier: LGPL-2.1-only
/* Fletcher-64 as libnvdimm computes it (formats.md A). */
#include "format.h"

static uint64_t fletcher64(const void *buf, size_t len, bool le,
			   size_t skip, size_t skip_len)
{
	const uint8_t *p = buf;
	uint32_t lo = 0;
	uint64_t hi = 0;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t w = 0;

		if (i < skip || i >= skip + skip_len)
			memcpy(&w, p + i, sizeof(w));
		lo += le ? le32toh(w) : w;
		hi += lo;
	}
	return hi << 32 | lo;
}

PMEMCTL_EXPORT uint64_t pmemctl_fletcher64(const void *buf, size_t len, bool le)
{
	return fletcher64(buf, len, le, 0, 0);
}

uint64_t fletcher64_skip(const void *buf, size_t len, size_t field,
			 size_t field_len)
{
	return fletcher64(buf, len, true, field, field_len);
}

/*
 * BTT and PFN info blocks are 4 KiB with the checksum in the last 8 bytes;
 * the sum runs over the block with that field taken as zero.
 */
uint64_t pmemctl_sb_checksum(const void *block4k)
{
	return fletcher64_skip(block4k, 4096, 4088, 8);
}
