/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * The BTT engine's internal entry points (the public ones are
 * pmemctl_btt_*() in libpmemctl.h; btt-engine.c).
 */
#ifndef PMEMCTL_BTT_ENGINE_H
#define PMEMCTL_BTT_ENGINE_H

#include "btt.h"

/*
 * pmemctl_btt_write() on lane @lane (mod BTT_NFREE) rather than the next
 * one in turn: a test picks the lanes a sequence of writes uses.
 */
int btt_engine_write_lane(struct pmemctl_btt *b, unsigned lane,
			  uint64_t lba, const void *buf);

/* True when @b reaches its media through pointers (btt-engine-int.h). */
bool btt_engine_direct(const struct pmemctl_btt *b);

#endif /* PMEMCTL_BTT_ENGINE_H */
