// SPDX-License-Identifier: GPL-2.0-only
/*
 * The other side of the pool-file tests (cli-pmemblk): libpmemblk itself.
 *   pmemblk-tool create FILE BSIZE SIZE   create a pool, write the blocks
 *                                         on stdin from block 0, print the
 *                                         pool's block count
 *   pmemblk-tool read FILE                every block of the pool to stdout
 *   pmemblk-tool write FILE LBA           the blocks on stdin from LBA on
 */
#include <libpmemblk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int create(const char *path, size_t bsize, size_t size)
{
	PMEMblkpool *p = pmemblk_create(path, bsize, size, 0644);
	char *buf = malloc(bsize);
	long long lba = 0;

	if (!p || !buf) {
		fprintf(stderr, "pmemblk_create %s: %s\n", path,
			pmemblk_errormsg());
		return 1;
	}
	while (fread(buf, bsize, 1, stdin) == 1)
		if (pmemblk_write(p, buf, lba++)) {
			fprintf(stderr, "pmemblk_write %lld: %s\n", lba - 1,
				pmemblk_errormsg());
			return 1;
		}
	printf("%zu\n", pmemblk_nblock(p));
	pmemblk_close(p);
	free(buf);
	return 0;
}

static int read_all(const char *path)
{
	PMEMblkpool *p = pmemblk_open(path, 0);
	char *buf;
	size_t bsize;

	if (!p) {
		fprintf(stderr, "pmemblk_open %s: %s\n", path,
			pmemblk_errormsg());
		return 1;
	}
	bsize = pmemblk_bsize(p);
	buf = malloc(bsize);
	for (size_t i = 0; buf && i < pmemblk_nblock(p); i++) {
		if (pmemblk_read(p, buf, (long long)i) ||
		    fwrite(buf, bsize, 1, stdout) != 1) {
			fprintf(stderr, "block %zu: %s\n", i,
				pmemblk_errormsg());
			return 1;
		}
	}
	pmemblk_close(p);
	free(buf);
	return buf ? 0 : 1;
}

static int write_at(const char *path, long long lba)
{
	PMEMblkpool *p = pmemblk_open(path, 0);
	char *buf = p ? malloc(pmemblk_bsize(p)) : NULL;
	int rc = 0;

	if (!buf) {
		fprintf(stderr, "pmemblk_open %s: %s\n", path,
			pmemblk_errormsg());
		return 1;
	}
	while (!rc && fread(buf, pmemblk_bsize(p), 1, stdin) == 1)
		if (pmemblk_write(p, buf, lba++)) {
			fprintf(stderr, "pmemblk_write %lld: %s\n", lba - 1,
				pmemblk_errormsg());
			rc = 1;
		}
	pmemblk_close(p);
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "create"))
		return create(argv[2], strtoul(argv[3], NULL, 0),
			      strtoul(argv[4], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "read"))
		return read_all(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "write"))
		return write_at(argv[2], strtoll(argv[3], NULL, 0));
	fprintf(stderr, "usage: pmemblk-tool create FILE BSIZE SIZE | read FILE | write FILE LBA\n");
	return 2;
}
