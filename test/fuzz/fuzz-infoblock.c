// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz info block recognition: the input is a namespace's first bytes
 * (BTT 2.0 at 0, BTT 1.1 / PFN / DAX at 4 KiB, arena chains via nextoff,
 * walked as btt_summarize() and read-infoblock walk them).
 */
#include <stdlib.h>

#include "infoblock.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmemctl_btt_info b;
	struct pmemctl_pfn_info f;
	struct btt_summary sum;
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;
	uint8_t *copy;

	if (size > (4 << 20))
		return 0;
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 0);
	if (pmemctl_media_new_memory(ctx, copy, size, false, &m) == 0) {
		btt_summarize(m, 0, 2, NULL, &sum);
		btt_summarize(m, 4096, 1, NULL, &sum);
		btt_summarize(m, 4096, 1, copy, &sum);
		for (int rc = pmemctl_media_get_btt_info(m, 0, &b); !rc;)
			rc = pmemctl_media_get_btt_next(m, &b, &b);
		for (int rc = pmemctl_media_get_btt_info(m, 4096, &b); !rc;)
			rc = pmemctl_media_get_btt_next(m, &b, &b);
		pmemctl_media_get_pfn_info(m, &f);
		pmemctl_media_close(m);
	}
	pmemctl_free(ctx);
	free(copy);
	return 0;
}
