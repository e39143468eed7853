/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A library log function for tests: counts the messages and keeps the
 * last.  pmemctl_set_userdata(ctx, &book); pmemctl_set_log_fn(ctx,
 * logbook_capture).
 */
#ifndef PMEMCTL_TEST_LOGBOOK_H
#define PMEMCTL_TEST_LOGBOOK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "libpmemctl.h"

struct logbook {
	char last[256];
	unsigned n;		/* messages */
	unsigned oom;		/* "out of memory" messages */
};

static inline void logbook_capture(struct pmemctl_ctx *ctx, int priority,
				   const char *file, int line, const char *fn,
				   const char *format, va_list args)
{
	struct logbook *lb = pmemctl_get_userdata(ctx);

	(void)priority;
	(void)file;
	(void)line;
	(void)fn;
	vsnprintf(lb->last, sizeof(lb->last), format, args);
	lb->n++;
	lb->oom += strstr(lb->last, "out of memory") != NULL;
}

#endif /* PMEMCTL_TEST_LOGBOOK_H */
