// SPDX-License-Identifier: GPL-2.0-only
/* Fuzz the label storage area parser: any bytes as a label area. */
#include <stdlib.h>

#include "label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmemctl_index_info info[2];
	struct pmemctl_media *m;
	struct pmemctl_lsa *lsa;
	struct pmemctl_ctx *ctx;
	uint8_t *copy;
	unsigned lsz;

	if (size > (1 << 20))
		return 0;
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 0);
	lsa_probe_indexes(copy, size, info, &lsz);
	if (pmemctl_media_new_memory(ctx, copy, size, false, &m) == 0) {
		if (lsa_load(ctx, m, "fuzz", &lsa) == 0) {
			struct pmemctl_label_info l;

			for (unsigned n = 0; n < pmemctl_lsa_get_nlabels(lsa); n++)
				pmemctl_lsa_get_label(lsa, n, &l);
			pmemctl_lsa_get_nfree(lsa);
			pmemctl_lsa_free(lsa);
		}
		pmemctl_media_close(m);
	}
	pmemctl_free(ctx);
	free(copy);
	return 0;
}
