// SPDX-License-Identifier: GPL-2.0-only
/*
 * BTT layout math and the fresh-layout writer: the worked values of
 * formats.md C.3, multi-arena splits (a 1.1 TiB sparse file), 520/4104
 * byte sectors, and byte-for-byte equality with the BTTs the Linux kernel
 * wrote in the kernel fixtures.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "btt.h"
#include "infoblock.h"
#include "tap.h"
#include "fixture.h"

#define GiB (1ULL << 30)
#define MiB (1ULL << 20)

static const uint8_t test_uuid[16] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
				       0x47, 0x88, 0x99, 0xaa, 0xbb, 0xcc,
				       0xdd, 0xee, 0xff, 0x01 };
static const uint8_t test_parent[16] = { 0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0x40,
					 0, 0x80, 0, 0, 0, 0, 0, 0, 0x09 };

struct row {
	const char *what;
	uint64_t rawsize;
	uint32_t lbasize;
	uint32_t inl, enl;
	uint64_t mapoff, logoff, info2off;
};

/* formats.md C.3 "Worked examples" */
static const struct row rows[] = {
	{ "v2.0 1 GiB 4096", 0x40000000, 4096, 261881, 261625,
	  0x3FEFB000, 0x3FFFB000, 0x3FFFF000 },
	{ "v1.1 1 GiB 4096", 0x3FFFF000, 4096, 261880, 261624,
	  0x3FEFA000, 0x3FFFA000, 0x3FFFE000 },
	{ "v1.1 1 GiB 512", 0x3FFFF000, 512, 2080831, 2080575,
	  0x3F80A000, 0x3FFFA000, 0x3FFFE000 },
	{ "v2.0 1 GiB 520", 0x40000000, 520, 1851229, 1850973,
	  0x3F8EB000, 0x3FFFB000, 0x3FFFF000 },
	{ "16 MiB 4096", 0x1000000, 4096, 4085, 3829,
	  0xFF7000, 0xFFB000, 0xFFF000 },
};

static void test_rows(struct tap *t)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct btt_arena_layout *a;
		unsigned n;
		int rc = btt_compute_layout(r->rawsize, r->lbasize, &a, &n);

		if (!tap_ok(t, rc == 0 && n == 1, "%s: one arena", r->what))
			continue;
		tap_eq_u64(t, a->internal_nlba, r->inl, "%s: internal_nlba",
			   r->what);
		tap_eq_u64(t, a->external_nlba, r->enl, "%s: external_nlba",
			   r->what);
		tap_eq_u64(t, a->dataoff, 4096, "%s: dataoff", r->what);
		tap_eq_u64(t, a->mapoff, r->mapoff, "%s: mapoff", r->what);
		tap_eq_u64(t, a->logoff, r->logoff, "%s: logoff", r->what);
		tap_eq_u64(t, a->info2off, r->info2off, "%s: info2off",
			   r->what);
		tap_eq_u64(t, a->nextoff, 0, "%s: nextoff", r->what);
		tap_eq_u64(t, a->info2off + 4096, r->rawsize & ~4095ULL,
			   "%s: info2 is the last page", r->what);
		free(a);
	}
}

static void test_limits(struct tap *t)
{
	static const uint32_t in[] = { 512, 520, 528, 4096, 4104, 4160, 4224 };
	static const uint32_t out[] = { 512, 576, 576, 4096, 4160, 4160, 4224 };
	struct btt_arena_layout *a;
	unsigned n;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		int rc = btt_compute_layout(64 * MiB, in[i], &a, &n);

		tap_ok(t, rc == 0 && a[0].internal_lbasize == out[i],
		       "lbasize %u -> internal %u", in[i], out[i]);
		free(a);
	}
	tap_ok(t, btt_compute_layout(64 * MiB, 1024, &a, &n) == -EINVAL,
	       "lbasize 1024 is refused");
	tap_ok(t, btt_compute_layout(64 * MiB, 0, &a, &n) == -EINVAL,
	       "lbasize 0 is refused");
	tap_ok(t, btt_compute_layout(16 * MiB - 1, 4096, &a, &n) == -EINVAL,
	       "16 MiB - 1 is refused");
	tap_ok(t, btt_compute_layout(16 * MiB, 4096, &a, &n) == 0 && n == 1,
	       "16 MiB is the minimum");
	free(a);
	tap_eq_u64(t, btt_usable_size(0x40000000, 4096), 261625ULL * 4096,
		   "usable size, 4096");
	tap_eq_u64(t, btt_usable_size(0x40000000, 520), 1850973ULL * 512,
		   "usable size, 520 exports 512-byte sectors");
	tap_eq_u64(t, btt_usable_size(1 * MiB, 4096), 0, "usable size, too small");
}

static void test_split(struct tap *t)
{
	const struct {
		uint64_t raw;
		unsigned n;
		uint64_t last;
	} c[] = {
		{ 512 * GiB, 1, 512 * GiB },
		{ 512 * GiB + 16 * MiB - 1, 1, 512 * GiB },	/* tail lost */
		{ 512 * GiB + 16 * MiB, 2, 16 * MiB },
		{ 1024 * GiB + 20 * MiB, 3, 20 * MiB },
		{ 1126 * GiB, 3, 102 * GiB },		/* 1.1 TiB */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct btt_arena_layout *a;
		unsigned n;
		bool chain = true;

		if (btt_compute_layout(c[i].raw, 4096, &a, &n) ||
		    !tap_ok(t, n == c[i].n, "raw %#llx: %u arenas",
			    (unsigned long long)c[i].raw, c[i].n))
			continue;
		for (unsigned k = 0; k < n; k++) {
			chain &= a[k].offset == k * 512 * GiB;
			chain &= a[k].nextoff == (k + 1 < n ? 512 * GiB : 0);
			chain &= a[k].size == (k + 1 < n ? 512 * GiB :
					       c[i].last);
		}
		tap_ok(t, chain, "raw %#llx: offsets, sizes and nextoff chain",
		       (unsigned long long)c[i].raw);
		free(a);
	}
}

/* Info blocks and the flog of a layout written by btt_write_layout(). */
static bool arena_ok(struct pmemctl_media *m, uint64_t base,
		     const struct btt_arena_layout *a, unsigned major)
{
	struct btt_sb p, b, want;
	struct btt_log_group g;
	uint32_t map[4];
	bool ok = true;

	btt_layout_fill_sb(a, major, 4096, test_uuid, test_parent, &want);
	if (pmemctl_media_read(m, base + a->offset, &p, sizeof(p)) ||
	    pmemctl_media_read(m, base + a->offset + a->info2off, &b,
			       sizeof(b)))
		return false;
	ok &= memcmp(&p, &want, sizeof(p)) == 0;
	ok &= memcmp(&b, &want, sizeof(b)) == 0;
	ok &= btt_sb_validate(&p, major, test_parent) == BTT_SB_VALID;
	for (uint32_t lane = 0; lane < BTT_NFREE; lane += 85) {
		if (pmemctl_media_read(m, base + a->offset + a->logoff +
				       lane * 64ULL, &g, sizeof(g)))
			return false;
		ok &= get_le32(&g.ent[0].lba) == lane;
		ok &= get_le32(&g.ent[0].old_map) == a->external_nlba + lane;
		ok &= get_le32(&g.ent[0].new_map) == a->external_nlba + lane;
		ok &= get_le32(&g.ent[0].seq) == 1;
		ok &= mem_is_zero(&g.ent[1], 48);
	}
	if (pmemctl_media_read(m, base + a->offset + a->logoff - 16, map,
			       sizeof(map)))
		return false;
	return ok && mem_is_zero(map, sizeof(map));
}

static void test_big_sparse(struct tap *t)
{
	char path[] = "/tmp/pmemctl-btt-layout-XXXXXX";
	uint64_t size = 1126 * GiB + 4096;	/* v1.1: raw = 1.1 TiB */
	struct pmemctl_btt_check_opts o = { 0 };
	struct pmemctl_btt_check_result *r = NULL;
	struct btt_arena_layout *a;
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;
	struct stat st;
	unsigned n;
	bool ok = true;
	int fd = mkstemp(path);

	if (!tap_ok(t, fd >= 0 && ftruncate(fd, (off_t)size) == 0,
		    "1.1 TiB sparse file"))
		return;
	close(fd);
	pmemctl_new(&ctx);
	if (pmemctl_media_open_file(ctx, path, 0, size, PMEMCTL_MEDIA_WRITE,
				    &m)) {
		tap_ok(t, false, "open the sparse file");
		goto out;
	}
	tap_ok(t, btt_write_layout(ctx, m, 1, 4096, test_uuid,
				   test_parent) == 0, "write a 3-arena layout");
	btt_compute_layout(size - 4096, 4096, &a, &n);
	for (unsigned i = 0; i < n; i++)
		ok &= arena_ok(m, 4096, &a[i], 1);
	tap_ok(t, n == 3 && ok, "every arena's info blocks and flog as the kernel writes them");
	tap_ok(t, stat(path, &st) == 0 && st.st_blocks * 512ULL < 8 * MiB,
	       "the layout allocates %llu KiB, not the map's size",
	       (unsigned long long)st.st_blocks / 2);
	o.parent_uuid = test_parent;
	tap_ok(t, pmemctl_btt_check(ctx, m, &o, &r) == 0 && r->total == 0 &&
	       r->narenas == 3 && r->external_nlba ==
	       (uint64_t)a[0].external_nlba * 2 + a[2].external_nlba,
	       "the 3-arena BTT checks clean");
	pmemctl_btt_check_free(r);
	free(a);
	pmemctl_media_close(m);
out:
	pmemctl_free(ctx);
	unlink(path);
}

static void test_odd_sectors(struct tap *t)
{
	static const uint32_t lbs[] = { 520, 4104 };
	uint64_t size = 64 * MiB;
	uint8_t *buf = calloc(1, size);
	struct pmemctl_media *m;
	struct pmemctl_ctx *ctx;

	pmemctl_new(&ctx);
	for (size_t i = 0; i < 2; i++) {
		struct pmemctl_btt_check_opts o = { .parent_uuid = test_parent };
		struct pmemctl_btt_check_result *r = NULL;
		struct btt_sb sb;

		memset(buf, 0xa5, size);	/* data area is left alone */
		pmemctl_media_new_memory(ctx, buf, size, true, &m);
		tap_ok(t, btt_write_layout(ctx, m, 2, lbs[i], test_uuid,
					   test_parent) == 0,
		       "layout with %u-byte sectors", lbs[i]);
		memcpy(&sb, buf, sizeof(sb));
		tap_eq_u64(t, get_le32(&sb.internal_lbasize),
			   btt_internal_lbasize(lbs[i]),
			   "%u: internal lbasize", lbs[i]);
		tap_ok(t, buf[4096] == 0xa5 && buf[8191] == 0xa5,
		       "%u: the data area is not written", lbs[i]);
		tap_ok(t, pmemctl_btt_check(ctx, m, &o, &r) == 0 &&
		       r->total == 0 && r->external_lbasize == lbs[i],
		       "%u: checks clean", lbs[i]);
		pmemctl_btt_check_free(r);
		pmemctl_media_close(m);
	}
	pmemctl_free(ctx);
	free(buf);
}

/* ---- kernel fixtures ---------------------------------------------------- */

static struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static bool label_extent(struct json_object *fx, const char *uuid,
			 uint64_t *dpa, uint64_t *size)
{
	struct json_object *labels = jget(fx, "labels");
	struct json_object *l = jget(json_object_array_get_idx(labels, 0),
				     "label");

	for (size_t i = 0; l && i < json_object_array_length(l); i++) {
		struct json_object *e = json_object_array_get_idx(l, i);

		if (strcmp(json_object_get_string(jget(e, "uuid")), uuid))
			continue;
		*dpa = (uint64_t)json_object_get_int64(jget(e, "dpa"));
		*size = (uint64_t)json_object_get_int64(jget(e, "rawsize"));
		return true;
	}
	return false;
}

/* Compare a kernel-written BTT with the layout computed for it. */
static void fixture_btt(struct tap *t, struct pmemctl_media *img,
			const char *ns, struct json_object *ib,
			struct json_object *fx)
{
	const char *parent_s = json_object_get_string(jget(ib, "parent_uuid"));
	bool v11 = strcmp(json_object_get_string(jget(ib, "version")), "1.1") == 0;
	uint32_t lbasize = (uint32_t)json_object_get_int(jget(ib, "external_lbasize"));
	uint64_t base = v11 ? 4096 : 0, dpa = 0, size = 0;
	struct btt_arena_layout *a;
	struct btt_sb kern, kern2, mine;
	struct btt_log_group *klog, *mlog;
	uint8_t uu[16], parent[16];
	unsigned n;

	if (!tap_ok(t, label_extent(fx, parent_s, &dpa, &size),
		    "%s: namespace extent from its label", ns))
		return;
	uuid_parse(json_object_get_string(jget(ib, "uuid")), uu);
	uuid_parse(parent_s, parent);
	if (btt_compute_layout(size - base, lbasize, &a, &n) || n != 1 ||
	    pmemctl_media_read(img, dpa + base, &kern, sizeof(kern)) ||
	    pmemctl_media_read(img, dpa + base + a->info2off, &kern2,
			       sizeof(kern2))) {
		tap_ok(t, false, "%s: read the kernel's info blocks", ns);
		return;
	}
	btt_layout_fill_sb(a, v11 ? 1 : 2, lbasize, uu, parent, &mine);
	tap_ok(t, memcmp(&kern, &mine, sizeof(mine)) == 0,
	       "%s: v%s %u-byte BTT: primary info block byte for byte", ns,
	       v11 ? "1.1" : "2.0", lbasize);
	tap_ok(t, memcmp(&kern2, &mine, sizeof(mine)) == 0,
	       "%s: backup info block byte for byte", ns);
	/* the flog of every lane but the one the guest's writes used */
	klog = calloc(BTT_NFREE, sizeof(*klog));
	mlog = calloc(BTT_NFREE, sizeof(*mlog));
	pmemctl_media_read(img, dpa + base + a->logoff, klog, BTT_LOG_SIZE);
	for (uint32_t i = 0; i < BTT_NFREE; i++) {
		put_le32(&mlog[i].ent[0].lba, i);
		put_le32(&mlog[i].ent[0].old_map, a->external_nlba + i);
		put_le32(&mlog[i].ent[0].new_map, a->external_nlba + i);
		put_le32(&mlog[i].ent[0].seq, 1);
	}
	tap_ok(t, memcmp(&klog[1], &mlog[1], (BTT_NFREE - 1) * 64) == 0,
	       "%s: flog lanes 1..255 as btt_write_layout() writes them", ns);
	free(klog);
	free(mlog);
	free(a);
}

static void test_fixture(struct tap *t, const char *name)
{
	char jpath[4096];
	const char *dir = getenv("FIXTURES");
	struct json_object *fx, *ibs;
	struct pmemctl_media *img;
	struct pmemctl_ctx *ctx;
	char *path;

	snprintf(jpath, sizeof(jpath), "%s/kernel/%s.json", dir ? dir : ".",
		 name);
	fx = json_object_from_file(jpath);
	path = fx ? fixture_extract(name) : NULL;
	if (!path) {
		printf("ok %d - # SKIP fixture %s not available\n", ++t->n, name);
		json_object_put(fx);
		return;
	}
	pmemctl_new(&ctx);
	if (!tap_ok(t, pmemctl_media_open_file(ctx, path, 0, FIXTURE_PMEM_SIZE,
					       0, &img) == 0,
		    "%s: open the extracted image", name))
		goto out;
	ibs = jget(fx, "infoblocks");
	json_object_object_foreach(ibs, ns, list) {
		struct json_object *ib = json_object_array_get_idx(list, 0);

		if (ib && strcmp(json_object_get_string(jget(ib, "signature")),
				 "BTT_ARENA_INFO") == 0)
			fixture_btt(t, img, ns, ib, fx);
	}
	pmemctl_media_close(img);
out:
	pmemctl_free(ctx);
	unlink(path);
	free(path);
	json_object_put(fx);
}

int main(void)
{
	struct tap t = { 0 };

	test_rows(&t);
	test_limits(&t);
	test_split(&t);
	test_odd_sectors(&t);
	test_big_sparse(&t);
	test_fixture(&t, "ns-v1.1");
	test_fixture(&t, "ns-v1.2");
	return tap_done(&t);
}
