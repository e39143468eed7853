// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the platform description parser: the input becomes platform.json
 * of a directory whose images (nmem0.img, 4 MiB + 128 KiB) exist.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpmemctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void remove_dir(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/platform.json", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/nmem0.img", dir);
	unlink(path);
	rmdir(dir);
}

/* A directory of its own, removed at exit; no directory, no run at all. */
static void setup(void)
{
	char path[128];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/pmemctl-fuzz-json-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("fuzz-platform-json: mkdtemp");
		abort();
	}
	atexit(remove_dir);
	snprintf(path, sizeof(path), "%s/nmem0.img", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || ftruncate(fd, (4 << 20) + (2 << 20)) != 0) {
		perror("fuzz-platform-json: nmem0.img");
		abort();
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pmemctl_ctx *ctx;
	struct pmemctl_bus *bus;
	char path[128];
	FILE *f;

	if (!dir[0])
		setup();
	snprintf(path, sizeof(path), "%s/platform.json", dir);
	f = fopen(path, "w");
	if (!f) {
		perror("fuzz-platform-json: platform.json");
		abort();
	}
	fwrite(data, 1, size, f);
	fclose(f);
	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 0);
	if (pmemctl_bus_open_image(ctx, dir, false, &bus) == 0)
		pmemctl_bus_close(bus);
	pmemctl_free(ctx);
	return 0;
}
