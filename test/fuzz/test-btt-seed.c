// SPDX-License-Identifier: GPL-2.0-only
/*
 * btt_seed_apply() makes the checksum of an info block right when a chunk
 * starts inside its page, not only when one starts at or before it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "btt-seed.h"

#define SIZE 16384
#define AT 4096			/* the info block's page */

static void put_le32_at(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int main(void)
{
	static const char sig[16] = "BTT_ARENA_INFO";
	uint8_t in[4 + 8 + 16 + 8 + 4], *page;
	uint8_t *img = calloc(1, SIZE);
	uint64_t sum = 0;

	if (!img)
		return 1;
	put_le32_at(in, SIZE / 512);
	/* the signature at the page start, then 4 bytes mid-page */
	put_le32_at(in + 4, AT);
	put_le32_at(in + 8, 16);
	memcpy(in + 12, sig, 16);
	put_le32_at(in + 28, AT + 100);
	put_le32_at(in + 32, 4);
	memcpy(in + 36, "abcd", 4);
	btt_seed_apply(in, sizeof(in), img, SIZE);
	page = img + AT;
	for (int i = 0; i < 8; i++)
		sum |= (uint64_t)page[4088 + i] << (8 * i);
	if (memcmp(page + 100, "abcd", 4) ||
	    sum != pmemctl_sb_checksum(page)) {
		fprintf(stderr, "the info block's sum is %#llx, not %#llx, after a chunk inside its page\n",
			(unsigned long long)sum,
			(unsigned long long)pmemctl_sb_checksum(page));
		free(img);
		return 1;
	}
	printf("the info block's sum is made right after a chunk inside its page\n");
	free(img);
	return 0;
}
