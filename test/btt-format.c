// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test helper (not installed): write a fresh BTT, as the kernel would,
 * onto a file with btt_write_layout().
 *
 *   btt-format FILE SIZE LBASIZE MAJOR [UUID [PARENT_UUID]]
 *
 * The BTT covers the first SIZE bytes of FILE ("16M", "1T"...; 0 = the
 * whole file), which is created or grown (sparse) as needed, never
 * shrunk; MAJOR 1 puts a v1.1 BTT at 4 KiB, 2 a v2.0 BTT at 0.
 * Without UUID a fixed one is used; PARENT_UUID defaults to zero (a
 * label-less namespace).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "btt.h"
#include "util/size.h"

static int usage(void)
{
	fprintf(stderr, "usage: btt-format FILE SIZE LBASIZE MAJOR [UUID [PARENT_UUID]]\n");
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

int main(int argc, char **argv)
{
	uint8_t uuid[16] = { 0xb7, 0x7b, 0x3c, 0x1e, 0, 0, 0x40, 0,
			     0x80, 0, 0, 0, 0, 0, 0, 0x01 };
	uint8_t parent[16] = { 0 };
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;
	uint64_t size, lbasize, major;
	int rc;

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
	if (rc)
		fprintf(stderr, "btt-format: %s: %s\n", argv[1], strerror(-rc));
	return rc ? 1 : 0;
}
