/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Deterministic stand-in for libuuid's uuid_generate(), LD_PRELOADed into
 * ndctl inside the guest by test/vm/make-fixtures.sh, so that regenerating
 * the kernel fixtures gives byte-identical images (ndctl otherwise picks
 * random namespace, BTT and PFN uuids).
 *
 * Each call returns SSSSSSSS-0000-4000-8000-NNNNNNNNNNNN (a well-formed
 * version 4 / RFC 4122 variant uuid): S = $FAKE_UUID_SEED (hex, 32 bits),
 * N = a counter kept in the file $FAKE_UUID_STATE, since every ndctl
 * invocation is a new process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void uuid_generate(unsigned char out[16]);

void uuid_generate(unsigned char out[16])
{
	const char *state = getenv("FAKE_UUID_STATE");
	const char *seed = getenv("FAKE_UUID_SEED");
	unsigned long s = seed ? strtoul(seed, NULL, 16) : 0x5eed0000UL;
	unsigned long long n = 0;
	FILE *f;
	int i;

	if (state && (f = fopen(state, "r"))) {
		if (fscanf(f, "%llu", &n) != 1)
			n = 0;
		fclose(f);
	}
	n++;
	if (state && (f = fopen(state, "w"))) {
		fprintf(f, "%llu\n", n);
		fclose(f);
	}

	memset(out, 0, 16);
	for (i = 0; i < 4; i++)
		out[i] = (unsigned char)(s >> (24 - 8 * i));
	out[6] = 0x40; /* version 4 */
	out[8] = 0x80; /* RFC 4122 variant */
	for (i = 0; i < 6; i++)
		out[10 + i] = (unsigned char)(n >> (40 - 8 * i));
}
