/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A one-line progress bar for long operations.  It draws only on a
 * terminal, only once the operation has run for a second, and at most ten
 * times a second; progress_done() erases it.
 */
#ifndef PMEMCTL_UTIL_PROGRESS_H
#define PMEMCTL_UTIL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct progress {
	FILE *out;
	const char *label;
	bool enabled;
	bool drawn;
	double start, last;
};

/* @enable is further limited to @out being a terminal. */
void progress_init(struct progress *p, FILE *out, const char *label,
		   bool enable);
void progress_update(struct progress *p, uint64_t done, uint64_t total);
void progress_done(struct progress *p);

#endif
