/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz-btt's input: a sparse image, as btt-seed writes it from an image
 * file.  A BTT needs 16 MiB or more, nearly all of it data blocks, so the
 * input holds only the bytes that are not zero:
 *   le32 media size in 512-byte units (at most BTT_SEED_MAX_MEDIA), its
 *        top bit BTT_SEED_KEEP_SUMS,
 *   then chunks: le32 offset, le32 length, the bytes,
 * laid over zeroes; a chunk past the input or the media end is clipped.
 * Without BTT_SEED_KEEP_SUMS the checksum of every BTT info block (a page
 * with its signature) and of a pool header that a chunk touches is made
 * right, so that a fuzzer gets past them to what they guard.
 */
#ifndef PMEMCTL_BTT_SEED_H
#define PMEMCTL_BTT_SEED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format.h"

/* two 16 MiB arenas after a pool header, and room to spare */
#define BTT_SEED_MAX_MEDIA (40ULL << 20)
#define BTT_SEED_KEEP_SUMS 0x80000000u

static inline uint32_t btt_seed_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t btt_seed_media_size(const uint8_t *in, size_t len)
{
	uint64_t size;

	if (len < 4)
		return 0;
	size = (uint64_t)(btt_seed_le32(in) & ~BTT_SEED_KEEP_SUMS) * 512;
	return size < BTT_SEED_MAX_MEDIA ? size : BTT_SEED_MAX_MEDIA;
}

static inline void btt_seed_put_sum(uint8_t *page, uint64_t sum)
{
	for (int i = 0; i < 8; i++)
		page[4088 + i] = (uint8_t)(sum >> (8 * i));
}

/* The checksums of the info blocks and pool header in [@off, @end). */
static inline void btt_seed_fix_sums(uint8_t *img, uint64_t size,
				     uint64_t off, uint64_t end)
{
	for (uint64_t p = off & ~4095ULL; p < end && p + 4096 <= size;
	     p += 4096) {
		uint8_t *page = img + p;

		if (!memcmp(page, "BTT_ARENA_INFO\0\0", 16))
			btt_seed_put_sum(page, pmemctl_sb_checksum(page));
		else if (p == 0 && !memcmp(page, "PMEMBLK\0", 8))
			btt_seed_put_sum(page, page[16] & 2 ?
					 fletcher64_skip(page, 4096, 2048, 2048) :
					 fletcher64_skip(page, 4096, 4088, 8));
	}
}

/* Lay the chunks of @in over @img (@size bytes, zeroed). */
static inline void btt_seed_apply(const uint8_t *in, size_t len,
				  uint8_t *img, uint64_t size)
{
	bool fix = len >= 4 && !(btt_seed_le32(in) & BTT_SEED_KEEP_SUMS);
	size_t at = 4;

	while (at + 8 <= len) {
		uint64_t off = btt_seed_le32(in + at);
		uint64_t n = btt_seed_le32(in + at + 4);

		at += 8;
		if (n > len - at)
			n = len - at;
		if (off < size)
			memcpy(img + off, in + at,
			       n < size - off ? n : size - off);
		if (fix && off < size)
			btt_seed_fix_sums(img, size, off, off + n);
		at += n;
	}
}

#endif /* PMEMCTL_BTT_SEED_H */
