/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz-btt's input: a sparse image, as btt-seed writes it from an image
 * file.  A BTT needs 16 MiB or more, nearly all of it data blocks, so the
 * input holds only the bytes that are not zero:
 *   le32 media size in 512-byte units (at most BTT_SEED_MAX_MEDIA),
 *   then chunks: le32 offset, le32 length, the bytes,
 * laid over zeroes; a chunk past the input or the media end is clipped.
 */
#ifndef PMEMCTL_BTT_SEED_H
#define PMEMCTL_BTT_SEED_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* two 16 MiB arenas after a pool header, and room to spare */
#define BTT_SEED_MAX_MEDIA (40ULL << 20)

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
	size = (uint64_t)btt_seed_le32(in) * 512;
	return size < BTT_SEED_MAX_MEDIA ? size : BTT_SEED_MAX_MEDIA;
}

/* Lay the chunks of @in over @img (@size bytes, zeroed). */
static inline void btt_seed_apply(const uint8_t *in, size_t len,
				  uint8_t *img, uint64_t size)
{
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
		at += n;
	}
}

#endif /* PMEMCTL_BTT_SEED_H */
