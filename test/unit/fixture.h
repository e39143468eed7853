/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-made fixtures (test/fixtures/kernel, see its README): each
 * NAME.img.xz is a whole QEMU nvdimm backing file written by the Linux
 * kernel and ndctl in a guest.  fixture_open() decompresses one into a
 * sparse temporary file and opens it as media.
 */
#ifndef PMEMCTL_TEST_FIXTURE_H
#define PMEMCTL_TEST_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpmemctl.h"

#define FIXTURE_FILE_SIZE (258ULL << 20)
#define FIXTURE_LSA_OFFSET (FIXTURE_FILE_SIZE - (128ULL << 10))
#define FIXTURE_LSA_SIZE (128ULL << 10)
#define FIXTURE_PMEM_SIZE (256ULL << 20)

/* Returns the temporary image path (caller unlinks and frees) or NULL. */
static inline char *fixture_extract(const char *name)
{
	const char *dir = getenv("FIXTURES");
	char *path, *cmd;
	struct stat st;
	int fd;

	if (!dir)
		return NULL;
	path = strdup("/tmp/pmemctl-fixture-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	close(fd);
	if (asprintf(&cmd, "xz -dc '%s/kernel/%s.img.xz' | cp --sparse=always /dev/stdin '%s'",
		     dir, name, path) < 0)
		return NULL;
	/* sh has no pipefail: check the result's size, not just cp's status */
	if (system(cmd) != 0 || stat(path, &st) != 0 ||
	    (uint64_t)st.st_size != FIXTURE_FILE_SIZE) {
		free(cmd);
		unlink(path);
		free(path);
		return NULL;
	}
	free(cmd);
	return path;
}

#endif
