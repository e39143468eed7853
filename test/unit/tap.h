/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Minimal TAP producer for unit tests run by `meson test` (protocol: tap).
 * Each check prints "ok N - what" or "not ok N - what"; tap_done() prints
 * the plan and returns the exit status.
 */
#ifndef PMEMCTL_TEST_TAP_H
#define PMEMCTL_TEST_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TAP_ASAN: an AddressSanitizer build, which runs several times slower */
#if defined(__SANITIZE_ADDRESS__)
#define TAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TAP_ASAN 1
#endif
#endif

struct tap {
	int n;
	int failed;
};

static inline bool tap_ok(struct tap *t, bool cond, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline bool tap_ok(struct tap *t, bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++t->n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	t->failed += !cond;
	return cond;
}

#define tap_eq_u64(t, got, want, ...)                                        \
	do {                                                                 \
		uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);        \
		if (!tap_ok(t, g_ == w_, __VA_ARGS__))                       \
			printf("#   got %#" PRIx64 " (%" PRIu64 "), want %#"  \
			       PRIx64 " (%" PRIu64 ")\n", g_, g_, w_, w_);    \
	} while (0)

static inline int tap_done(struct tap *t)
{
	printf("1..%d\n", t->n);
	return t->failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* Read a whole file (fixtures); returns NULL on error. */
static inline void *tap_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		*len = (size_t)n;
	fclose(f);
	return buf;
}

#endif
