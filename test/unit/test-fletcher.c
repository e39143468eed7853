// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fletcher-64 and interleave-set cookies, checked against values the Linux
 * kernel computed (region set_cookie) and checksums it wrote on media
 * (index blocks, v1.2 labels, BTT and PFN info blocks in the fixtures).
 */
#include <string.h>

#include "fixture.h"
#include "model.h"
#include "tap.h"
#include "infoblock.h"

static uint64_t read_cookie_txt(const char *name)
{
	char path[4096], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/kernel/%s.txt", getenv("FIXTURES"),
		 name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strtoull(buf, NULL, 16);
}

static void test_vectors(struct tap *t)
{
	uint8_t buf[16] = { 0 };
	uint32_t w[4] = { htole32(1), htole32(2), htole32(3), htole32(4) };

	tap_eq_u64(t, pmemctl_fletcher64(buf, 16, true), 0, "all-zero sums to 0");
	memcpy(buf, w, 16);
	/* lo = 1,3,6,10; hi = 1+3+6+10 = 20 */
	tap_eq_u64(t, pmemctl_fletcher64(buf, 16, true), (20ULL << 32) | 10,
		   "1,2,3,4 words");
	tap_eq_u64(t, pmemctl_fletcher64(buf, 15, true),
		   pmemctl_fletcher64(buf, 12, true), "trailing bytes ignored");
}

static uint64_t cookie_of(const struct pmemctl_dimm *d,
			  enum pmemctl_label_version v)
{
	uint64_t zero = 0, cookie = 0;

	return iset_cookie(&d, &zero, 1, v, &cookie) ? 0 : cookie;
}

static void test_cookies(struct tap *t)
{
	struct pmemctl_dimm d0 = { .serial = 0x123456, .vendor = 0x8086 };
	struct pmemctl_dimm d1 = { .serial = 0x123457, .vendor = 0x8086 };
	const struct pmemctl_dimm *many[ISET_MAX_MAPPINGS + 1];
	uint64_t offs[ISET_MAX_MAPPINGS + 1] = { 0 }, cookie = 0;

	tap_eq_u64(t, cookie_of(&d0, PMEMCTL_LABEL_V1_1),
		   read_cookie_txt("lsa-v1.1"),
		   "slot 0 cookie1 equals the guest kernel's set_cookie");
	tap_eq_u64(t, cookie_of(&d0, PMEMCTL_LABEL_V1_2),
		   read_cookie_txt("lsa-v1.2"),
		   "slot 0 cookie2 equals the guest kernel's set_cookie");
	tap_eq_u64(t, cookie_of(&d1, PMEMCTL_LABEL_V1_1),
		   0x002468AE00123457ULL, "slot 1 cookie1 (formats B.5)");
	tap_eq_u64(t, cookie_of(&d1, PMEMCTL_LABEL_V1_2),
		   0x00BA901C0012B4DDULL, "slot 1 cookie2 (formats B.5)");
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = &d0;
	tap_ok(t, iset_cookie(many, offs, ISET_MAX_MAPPINGS + 1,
			      PMEMCTL_LABEL_V1_2, &cookie) == -E2BIG,
	       "a set over the mapping limit is refused, not given cookie 0");
}

/* Recompute every checksum the kernel wrote in a namespace fixture. */
static void test_kernel_checksums(struct tap *t, const char *name,
				  unsigned lsz, unsigned expect_blocks)
{
	char *path = fixture_extract(name);
	uint8_t *lsa = malloc(FIXTURE_LSA_SIZE);
	struct pmemctl_media *m = NULL;
	struct pmemctl_ctx *ctx;
	unsigned isz = 256, labels = 0, blocks = 0;

	pmemctl_new(&ctx);
	if (!tap_ok(t, path && lsa, "%s: fixture extracted", name))
		goto out;
	pmemctl_media_open_file(ctx, path, 0, FIXTURE_FILE_SIZE, 0, &m);
	pmemctl_media_read(m, FIXTURE_LSA_OFFSET, lsa, FIXTURE_LSA_SIZE);
	for (int i = 0; i < 2; i++) {
		uint8_t blk[256];
		uint64_t saved;

		memcpy(blk, lsa + i * isz, isz);
		memcpy(&saved, blk + 64, 8);
		memset(blk + 64, 0, 8);
		tap_eq_u64(t, pmemctl_fletcher64(blk, isz, true), le64toh(saved),
			   "%s: index %d checksum", name, i);
	}
	for (unsigned s = 0; lsz == 256 && s < 510; s++) {
		uint8_t *l = lsa + 2 * isz + s * lsz;
		uint8_t copy[256];
		uint64_t saved;

		if (le32toh(*(uint32_t *)(l + 120)) != s || !l[0])
			continue;
		memcpy(copy, l, 256);
		memcpy(&saved, copy + 248, 8);
		memset(copy + 248, 0, 8);
		labels += pmemctl_fletcher64(copy, 256, true) == le64toh(saved);
	}
	if (lsz == 256)
		tap_ok(t, labels >= 4, "%s: %u v1.2 label checksums verify", name,
		       labels);
	/* every BTT/PFN info block the kernel wrote: scan 4 KiB blocks */
	for (uint64_t off = 0; off < FIXTURE_PMEM_SIZE; off += 4096) {
		uint8_t blk[4096];

		pmemctl_media_read(m, off, blk, sizeof(blk));
		if (memcmp(blk, BTT_SIG, 16) && memcmp(blk, PFN_SIG, 16) &&
		    memcmp(blk, DAX_SIG, 16))
			continue;
		blocks++;
		if (pmemctl_sb_checksum(blk) != le64toh(*(uint64_t *)(blk + 4088)))
			tap_ok(t, false, "%s: info block at %#llx checksum", name,
			       (unsigned long long)off);
	}
	tap_ok(t, blocks == expect_blocks, "%s: %u kernel info block checksums verify",
	       name, blocks);
out:
	pmemctl_media_close(m);
	pmemctl_free(ctx);
	if (path)
		unlink(path);
	free(path);
	free(lsa);
}

int main(void)
{
	struct tap t = { 0 };

	test_vectors(&t);
	test_cookies(&t);
	test_kernel_checksums(&t, "ns-v1.1", 128, 5);
	test_kernel_checksums(&t, "ns-v1.2", 256, 6);
	return tap_done(&t);
}
