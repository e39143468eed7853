// SPDX-License-Identifier: LGPL-2.1-only
/* Fletcher-64 as libnvdimm computes it (formats.md A). */
#include "format.h"

PMEMCTL_EXPORT uint64_t pmemctl_fletcher64(const void *buf, size_t len, bool le)
{
	const uint8_t *p = buf;
	uint32_t lo = 0;
	uint64_t hi = 0;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, sizeof(w));
		lo += le ? le32toh(w) : w;
		hi += lo;
	}
	return hi << 32 | lo;
}

/*
 * BTT and PFN info blocks are 4 KiB with the checksum in the last 8 bytes;
 * the sum runs over the block with that field taken as zero.
 */
uint64_t pmemctl_sb_checksum(const void *block4k)
{
	uint8_t copy[4096];

	memcpy(copy, block4k, sizeof(copy));
	memset(copy + 4088, 0, 8);
	return pmemctl_fletcher64(copy, sizeof(copy), true);
}
