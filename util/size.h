/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PMEMCTL_UTIL_SIZE_H
#define PMEMCTL_UTIL_SIZE_H

#include <stddef.h>
#include <stdint.h>

#define SZ_1K 1024ULL
#define SZ_1M (1024ULL * 1024)
#define SZ_1G (1024ULL * 1024 * 1024)
#define SZ_1T (1024ULL * 1024 * 1024 * 1024)

/* "4096", "0x1000", "16M", "1g", "2T" (base 1024); -EINVAL on junk or
 * overflow. */
int parse_size(const char *s, uint64_t *out);
/* A plain unsigned number, decimal or 0x hex. */
int parse_u64(const char *s, uint64_t *out);
/* "1.00 GiB"; exact byte counts below 1 KiB. */
const char *format_size(uint64_t bytes, char *buf, size_t len);
/* The shortest exact spelling of @bytes with a suffix: "48M", "4096". */
const char *format_size_exact(uint64_t bytes, char *buf, size_t len);

#endif
