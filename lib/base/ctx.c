// SPDX-License-Identifier: LGPL-2.1-only
/* Library context: logging and user data. No global state. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "private.h"

static void log_stderr(struct pmemctl_ctx *ctx, int priority,
		       const char *file, int line, const char *fn,
		       const char *format, va_list args)
{
	(void)ctx;
	(void)priority;
	(void)file;
	(void)line;
	fprintf(stderr, "libpmemctl: %s: ", fn);
	vfprintf(stderr, format, args);
	fputc('\n', stderr);
}

void pmemctl_log(struct pmemctl_ctx *ctx, int priority, const char *file,
		 int line, const char *fn, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	ctx->log_fn(ctx, priority, file, line, fn, format, args);
	va_end(args);
}

PMEMCTL_EXPORT int pmemctl_new(struct pmemctl_ctx **ctx)
{
	struct pmemctl_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->log_fn = log_stderr;
	c->log_priority = LOG_ERR;
	*ctx = c;
	return 0;
}

PMEMCTL_EXPORT void pmemctl_free(struct pmemctl_ctx *ctx)
{
	free(ctx);
}

PMEMCTL_EXPORT void pmemctl_set_log_fn(struct pmemctl_ctx *ctx,
				       pmemctl_log_fn log_fn)
{
	ctx->log_fn = log_fn ? log_fn : log_stderr;
}

PMEMCTL_EXPORT void pmemctl_set_log_priority(struct pmemctl_ctx *ctx,
					     int priority)
{
	ctx->log_priority = priority;
}

PMEMCTL_EXPORT int pmemctl_get_log_priority(struct pmemctl_ctx *ctx)
{
	return ctx->log_priority;
}

PMEMCTL_EXPORT void pmemctl_set_userdata(struct pmemctl_ctx *ctx, void *data)
{
	ctx->userdata = data;
}

PMEMCTL_EXPORT void *pmemctl_get_userdata(struct pmemctl_ctx *ctx)
{
	return ctx->userdata;
}
