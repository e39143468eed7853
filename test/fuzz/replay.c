// SPDX-License-Identifier: GPL-2.0-only
/*
 * Without libFuzzer: replay every file of the corpus directories given as
 * arguments through LLVMFuzzerTestOneInput, then deterministic mutations
 * of each (bit flips, truncations, interesting 32-bit values), so CI runs
 * the harnesses with the normal compiler and sanitizers.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MUTATIONS 300

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void mutate_and_run(const uint8_t *data, size_t size)
{
	static const uint32_t values[] = { 0, 1, 3, 0x1000, 0x7fffffff,
					   0x80000000, 0xffffffff };
	uint8_t *buf = malloc(size + 1);
	uint64_t seed = 0x2545F4914F6CDD1DULL ^ size;

	for (int i = 0; buf && i < MUTATIONS; i++) {
		size_t len = size;

		memcpy(buf, data, size);
		for (int k = 0; size && k < 1 + i % 6; k++) {
			/* metadata sits at the front: bias there */
			size_t span = i % 2 && size > 8192 ? 8192 : size;
			size_t at = xorshift(&seed) % span;
			uint32_t v = values[xorshift(&seed) % 7];

			if (i % 3 == 0 && at + 4 <= size)
				memcpy(buf + (at & ~(size_t)3), &v, 4);
			else
				buf[at] ^= (uint8_t)(1u << (xorshift(&seed) % 8));
		}
		if (i % 10 == 9 && size)
			len = xorshift(&seed) % size;
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data;
	long n;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, (size_t)n);
	mutate_and_run(data, (size_t)n);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	int files = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (!d) {
			files += run_file(argv[i]) == 0;
			continue;
		}
		while ((e = readdir(d))) {
			char path[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
			files += run_file(path) == 0;
		}
		closedir(d);
	}
	printf("%d inputs replayed with %d mutations each\n", files, MUTATIONS);
	return files ? 0 : 1;
}
