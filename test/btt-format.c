// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper (not installed): write a fresh BTT, as the kernel would,
 * onto a file with btt_write_layout().
 *
 *   btt-format [--dense] FILE SIZE LBASIZE MAJOR [UUID [PARENT_UUID]]
 *
 * The BTT covers the first SIZE bytes of FILE ("16M", "1T"...; 0 = the
 * whole file), which is created or grown (sparse) as needed, never
 * shrunk; MAJOR 1 puts a v1.1 BTT at 4 KiB, 2 a v2.0 BTT at 0.
 * Without UUID a fixed one is used; PARENT_UUID defaults to zero (a
 * label-less namespace).
 *
 * --dense then writes every map byte (identity entries with the "normal"
 * flags, the padding as written zeros), as a BTT the kernel formatted
 * looks like, and prints each arena's metadata range, "OFFSET LENGTH"
 * (map, flog and backup info block) for the benchmarks' plain-read limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "btt.h"
#include "util/size.h"

static int usage(void)
{
	fprintf(stderr, "usage: btt-format [--dense] FILE SIZE LBASIZE MAJOR [UUID [PARENT_UUID]]\n");
	return 2;
}

static int open_sized(const char *path, uint64_t size, uint64_t *out)
{
	struct stat st;
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0 || fstat(fd, &st) < 0) {
		perror(path);
		return -1;
	}
	if (size > (uint64_t)st.st_size && ftruncate(fd, (off_t)size) < 0) {
		perror(path);
		close(fd);
		return -1;
	}
	*out = size ? size : (uint64_t)st.st_size;
	close(fd);
	return 0;
}

/* Write arena @a's map [mapoff, logoff) densely, 1 MiB at a time. */
static int write_map(int fd, uint64_t base, const struct btt_arena_layout *a)
{
	enum { WIN = 1 << 20 };
	static le32 buf[WIN / sizeof(le32)];
	uint64_t off = base + a->offset + a->mapoff;
	uint64_t end = base + a->offset + a->logoff;
	uint32_t lba = 0;

	while (off < end) {
		size_t len = end - off < WIN ? (size_t)(end - off) : WIN;

		for (size_t i = 0; i < len / sizeof(le32); i++, lba++)
			put_le32(&buf[i], lba < a->external_nlba ?
				 btt_map_encode(lba) : 0);
		if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len)
			return -1;
		off += len;
	}
	printf("%llu %llu\n",
	       (unsigned long long)(base + a->offset + a->mapoff),
	       (unsigned long long)(a->info2off + BTT_INFO_SIZE - a->mapoff));
	return 0;
}

static int densify(const char *path, uint64_t size, uint32_t lbasize,
		   unsigned major)
{
	uint64_t base = btt_start_offset(major);
	struct btt_arena_layout a;
	int fd = open(path, O_WRONLY);
	int rc = fd < 0 ? -1 : 0;

	for (unsigned i = 0; !rc && btt_layout_arena(size - base, lbasize, i, &a);
	     i++)
		rc = write_map(fd, base, &a);
	if (rc)
		perror(path);
	if (fd >= 0)
		close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	uint8_t uuid[16] = { 0xb7, 0x7b, 0x3c, 0x1e, 0, 0, 0x40, 0,
			     0x80, 0, 0, 0, 0, 0, 0, 0x01 };
	uint8_t parent[16] = { 0 };
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;
	uint64_t size, lbasize, major;
	bool dense = argc > 1 && !strcmp(argv[1], "--dense");
	int rc;

	if (dense) {
		argv++;
		argc--;
	}
	if (argc < 5 || argc > 7 || parse_size(argv[2], &size) ||
	    parse_u64(argv[3], &lbasize) || parse_u64(argv[4], &major) ||
	    (argc > 5 && uuid_parse(argv[5], uuid)) ||
	    (argc > 6 && uuid_parse(argv[6], parent)))
		return usage();
	if (open_sized(argv[1], size, &size))
		return 1;
	if (pmemctl_new(&ctx))
		return 1;
	pmemctl_set_log_priority(ctx, LOG_ERR);
	rc = pmemctl_media_open_file(ctx, argv[1], 0, size,
				     PMEMCTL_MEDIA_WRITE, &m);
	if (!rc) {
		rc = btt_write_layout(ctx, m, (unsigned)major,
				      (uint32_t)lbasize, uuid, parent);
		pmemctl_media_close(m);
	}
	pmemctl_free(ctx);
	if (!rc && dense &&
	    densify(argv[1], size, (uint32_t)lbasize, (unsigned)major))
		return 1;
	if (rc)
		fprintf(stderr, "btt-format: %s: %s\n", argv[1], strerror(-rc));
	return rc ? 1 : 0;
}
