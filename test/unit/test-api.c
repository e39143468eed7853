// SPDX-License-Identifier: GPL-2.0-only
/*
 * The public API as an outside program sees it: only <pmemctl/libpmemctl.h>,
 * linked against the shared library, so every call goes through the
 * versioned symbol map (a declaration the map does not export fails to
 * link).  Provisions a platform end to end and reads it back.
 */
#include <errno.h>
#include <pmemctl/libpmemctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

/* One byte of @ns's raw capacity at @off; whether it was written. */
static bool set_byte(struct pmemctl_namespace *ns, uint64_t off, uint8_t v)
{
	struct pmemctl_media *m;
	bool ok;

	if (pmemctl_namespace_open_media(ns, &m))
		return false;
	ok = pmemctl_media_write(m, off, &v, 1) == 0;
	return pmemctl_media_release(m) == 0 && ok;
}

int main(void)
{
	char dir[] = "/tmp/pmemctl-api-XXXXXX", cmd[128], img[64];
	struct pmemctl_platform_lock *lock = NULL, *lock2 = NULL;
	struct pmemctl_platform_spec spec = {
		.ndimms = 2, .dimm_size = 64 << 20, .label_size = 128 << 10,
	};
	struct pmemctl_ns_spec ns_spec = {
		.size = 32 << 20, .mode = PMEMCTL_NS_MODE_SECTOR,
		.name = "api",
	};
	struct pmemctl_pfn_spec pfn = { .mode = PMEMCTL_NS_MODE_DEVDAX };
	struct pmemctl_pfn_spec pfn16 = {
		.mode = PMEMCTL_NS_MODE_DEVDAX, .size = 16 << 20,
		.uuid = (const uint8_t *)"0123456789abcdef",
	};
	static uint8_t area[PMEMCTL_INFOBLOCK_AREA_SIZE], big[16 << 20];
	struct pmemctl_namespace *ns = NULL;
	struct pmemctl_btt_check_result *res = NULL;
	struct pmemctl_btt_check_opts opts = { 0 };
	struct pmemctl_btt_info btt;
	struct pmemctl_media *m = NULL;
	struct pmemctl_region *r;
	struct pmemctl_dimm *d;
	struct pmemctl_ctx *ctx;
	struct pmemctl_namespace *found;
	struct pmemctl_bus *bus;
	struct tap t = { 0 };
	uint8_t uu[16];
	unsigned n = 0;

	if (!mkdtemp(dir) || rmdir(dir) || pmemctl_new(&ctx))
		return 1;
	tap_ok(&t, pmemctl_platform_create(ctx, dir, &spec) == 0,
	       "platform created");
	tap_ok(&t, pmemctl_bus_open_image(ctx, dir, true, &bus) == 0,
	       "platform opened for writing");
	pmemctl_dimm_foreach(bus, d)
		n++;
	tap_ok(&t, n == 2, "two DIMMs");
	d = pmemctl_dimm_get_first(bus);
	tap_ok(&t, !strcmp(pmemctl_dimm_get_unique_id(d), "8680-56341200") &&
	       pmemctl_dimm_get_handle(d) == 1, "slot 0 identity");
	tap_ok(&t, pmemctl_dimm_init_labels(d, PMEMCTL_LABEL_V1_2, false) == 0,
	       "v1.2 labels");
	r = pmemctl_region_get_first(bus);
	tap_ok(&t, pmemctl_region_get_iset_cookie(r) == 0x00BA90120012B4DCULL,
	       "cookie2 of slot 0");
	tap_ok(&t, pmemctl_region_create_namespace(r, &ns_spec, &ns) == 0 && ns,
	       "sector namespace created");
	tap_ok(&t, ns && pmemctl_namespace_get_mode(ns) == PMEMCTL_NS_MODE_SECTOR &&
	       !strcmp(pmemctl_namespace_get_name(ns), "api") &&
	       !strcmp(pmemctl_namespace_get_blockdev(ns), "pmem0s"),
	       "namespace reads back: sector, named, pmem0s");
	tap_ok(&t, ns && pmemctl_bus_find_namespace(bus,
			pmemctl_namespace_get_devname(ns), &found) == 0 &&
	       found == ns && pmemctl_bus_find_blockdev(bus, "pmem0s",
							&found) == 0 &&
	       found == ns, "found by its name and by its block device");
	tap_ok(&t, pmemctl_bus_find_namespace(bus, "namespace0.9", &found) ==
	       -ENOENT && pmemctl_bus_find_blockdev(bus, "pmem9", &found) ==
	       -ENOENT, "an unknown name or device: -ENOENT");
	tap_ok(&t, ns && pmemctl_namespace_open_media(ns, &m) == 0 &&
	       pmemctl_media_get_btt_info(m, 0, &btt) == 0 &&
	       btt.hdr.major == 2 && btt.hdr.checksum_ok,
	       "BTT 2.0 at offset 0 with a valid checksum");
	tap_ok(&t, ns && pmemctl_media_get_btt_next(m, &btt, &btt) == -ENOENT,
	       "its arena chain ends after one arena");
	if (ns)
		pmemctl_namespace_get_uuid(ns, uu);
	opts.parent_uuid = uu;
	tap_ok(&t, ns && pmemctl_btt_check(ctx, m, &opts, &res) == 0 &&
	       res->narenas == 1 && res->total == 0 &&
	       !strcmp(pmemctl_btt_finding_name(PMEMCTL_BTT_F_FLOG_MAP_MISMATCH),
		       "flog_map_mismatch"),
	       "check-btt through the public header: the BTT is clean");
	pmemctl_btt_check_free(res);
	pmemctl_media_close(m);
	tap_ok(&t, pmemctl_region_get_available_size(r) == 32 << 20,
	       "32 MiB left");
	tap_ok(&t, pmemctl_bus_is_image(bus) &&
	       pmemctl_bus_get_platform_path(bus) &&
	       strstr(pmemctl_dimm_get_image_path(d), "/nmem0.img"),
	       "image platform: its directory and images");
	tap_ok(&t, ns && pmemctl_namespace_enable(ns) == -EOPNOTSUPP &&
	       pmemctl_namespace_disable(ns) == -EOPNOTSUPP &&
	       pmemctl_region_enable(r) == -EOPNOTSUPP &&
	       pmemctl_region_disable(r) == -EOPNOTSUPP &&
	       pmemctl_dimm_enable(d) == -EOPNOTSUPP &&
	       pmemctl_dimm_disable(d) == -EOPNOTSUPP,
	       "no drivers to bind on an image platform");
	ns_spec.mode = PMEMCTL_NS_MODE_RAW;
	ns_spec.name = NULL;
	tap_ok(&t, pmemctl_region_create_namespace(r, &ns_spec, &ns) == 0 &&
	       ns && pmemctl_namespace_check_use(ns) == 0 &&
	       !pmemctl_namespace_in_use(ns),
	       "a fresh raw namespace is not in use");
	tap_ok(&t, ns && set_byte(ns, 100, 'x') &&
	       pmemctl_namespace_check_use(ns) == 1 &&
	       pmemctl_namespace_in_use(ns) &&
	       pmemctl_namespace_destroy(ns, false) == -EBUSY,
	       "a byte in its first 8 KiB: in use, destroy refused without force");
	tap_ok(&t, ns && set_byte(ns, 100, 0) &&
	       pmemctl_namespace_check_use(ns) == 0,
	       "the byte zeroed again: not in use");
	tap_ok(&t, ns && pmemctl_namespace_write_pfn(ns, &pfn, &ns) == 0 && ns &&
	       pmemctl_namespace_get_mode(ns) == PMEMCTL_NS_MODE_DEVDAX,
	       "raw namespace made devdax by writing its info block");
	tap_ok(&t, pmemctl_pfn_build(ctx, "api", &pfn16, area) == 0 &&
	       !memcmp(area + 4096, "NVDIMM_DAX_INFO", 16),
	       "a standalone DAX info block area");
	tap_ok(&t, pmemctl_media_new_memory(ctx, big, sizeof(big), true,
					    &m) == 0 &&
	       pmemctl_media_write_pfn(m, &pfn16) == 0 &&
	       !memcmp(big, area, 4096 + 48),
	       "written into a media");
	pmemctl_media_close(m);
	pmemctl_bus_close(bus);
	snprintf(img, sizeof(img), "%s/nmem1.img", dir);
	tap_ok(&t, pmemctl_platform_lock_image(ctx, dir, img, &lock) == 1 &&
	       pmemctl_platform_lock_image(ctx, dir, img, &lock2) == -EBUSY &&
	       pmemctl_bus_open_image(ctx, dir, true, &bus) == -EBUSY,
	       "an image's platform lock excludes the platform's writers");
	pmemctl_platform_unlock(lock);
	tap_ok(&t, pmemctl_platform_lock_image(ctx, dir, "/dev/null", &lock) == 0 &&
	       !lock, "a file of no platform takes no platform lock");
	pmemctl_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done(&t);
}
