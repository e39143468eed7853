// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compile-time width check of the little-endian accessors (lib/base/private.h):
 * built as is, every access has the field's width and this compiles;
 * with -DWRONG_WIDTH=N one access is wrong and must not.
 */
#include "btt.h"

uint64_t le_width_probe(struct btt_sb *sb);

uint64_t le_width_probe(struct btt_sb *sb)
{
	const struct btt_sb *c = sb;
	uint64_t v = get_le32(&sb->nfree) + get_le16(&c->version_major) +
		     get_le64(&sb->nextoff);

	put_le32(&sb->nfree, 1);
#if WRONG_WIDTH == 1
	v += get_le64(&sb->nfree);		/* 32-bit field, 64-bit read */
#elif WRONG_WIDTH == 2
	put_le16(&sb->external_lbasize, 1);	/* 32-bit field, 16-bit write */
#elif WRONG_WIDTH == 3
	v += get_le32(sb->signature);		/* bytes, not a field */
#elif WRONG_WIDTH == 4
	v += get_le32((void *)&sb->flags);	/* width unknown */
#elif WRONG_WIDTH == 5
	put_le32(&c->nfree, 2);			/* a const field */
#endif
	return v;
}
