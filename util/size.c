// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/size.h"

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v, mult = 1;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case '\0':
		break;
	case 'k':
		mult = SZ_1K;
		break;
	case 'm':
		mult = SZ_1M;
		break;
	case 'g':
		mult = SZ_1G;
		break;
	case 't':
		mult = SZ_1T;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		/* accept "16M", "16MiB" and "16MB" alike (all base 1024) */
		if (*end && strcasecmp(end, "ib") != 0 && strcasecmp(end, "b") != 0)
			return -EINVAL;
	}
	if (v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < SZ_1K) {
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
		return buf;
	}
	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	snprintf(buf, len, "%.2f %s", v, units[u]);
	return buf;
}

const char *format_size_exact(uint64_t bytes, char *buf, size_t len)
{
	static const struct {
		uint64_t mult;
		char suffix;
	} units[] = { { SZ_1T, 'T' }, { SZ_1G, 'G' }, { SZ_1M, 'M' },
		      { SZ_1K, 'K' } };

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (bytes && bytes % units[i].mult == 0) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(bytes / units[i].mult),
				 units[i].suffix);
			return buf;
		}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}
