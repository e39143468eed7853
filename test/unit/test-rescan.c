// SPDX-License-Identifier: GPL-2.0-only
/*
 * Handles across rescans, through the public API only: a change in region
 * 0 (create, reconfigure, destroy, write-infoblock, label commands)
 * rescans region 0
 * alone, so a namespace handle of region 1 taken before stays valid and
 * keeps reading the same namespace.  Run under ASan (the sanitizer build
 * runs the unit suite) a handle freed by an over-wide rescan is a
 * use-after-free report; without it, the handle no longer being region 1's
 * first namespace, or reading another namespace, fails the checks.
 */
#include <pmemctl/libpmemctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

struct held {
	struct pmemctl_dimm *dimm;
	struct pmemctl_region *region;
	struct pmemctl_namespace *ns;
	uint8_t uuid[16];
};

/*
 * Use the held handles first (a freed one is where ASan reports), then
 * check that they are still what the bus hands out.
 */
static bool still_valid(struct pmemctl_bus *bus, const struct held *h)
{
	struct pmemctl_region *r1 = pmemctl_region_get_next(
		pmemctl_region_get_first(bus));
	struct pmemctl_btt_info btt;
	struct pmemctl_media *m;
	uint8_t uu[16];
	bool ok;

	pmemctl_namespace_get_uuid(h->ns, uu);
	ok = !memcmp(uu, h->uuid, 16) &&
	     !strcmp(pmemctl_namespace_get_devname(h->ns), "namespace1.0") &&
	     !strcmp(pmemctl_namespace_get_name(h->ns), "keep") &&
	     pmemctl_namespace_get_mode(h->ns) == PMEMCTL_NS_MODE_SECTOR &&
	     !pmemctl_namespace_is_seed(h->ns) &&
	     pmemctl_namespace_get_region(h->ns) == h->region &&
	     !strcmp(pmemctl_region_get_devname(h->region), "region1") &&
	     !strcmp(pmemctl_dimm_get_devname(h->dimm), "nmem1");
	if (!ok || pmemctl_namespace_open_media(h->ns, &m))
		return false;
	ok = pmemctl_media_get_btt_info(m, 0, &btt) == 0 && btt.hdr.checksum_ok;
	pmemctl_media_close(m);
	return ok && r1 == h->region &&
	       pmemctl_region_get_mapping_dimm(r1, 0) == h->dimm &&
	       pmemctl_namespace_get_first(r1) == h->ns;
}

static struct pmemctl_namespace *create(struct pmemctl_region *r,
					enum pmemctl_ns_mode mode,
					const char *name)
{
	struct pmemctl_ns_spec spec = {
		.size = 32 << 20, .mode = mode, .name = name,
	};
	struct pmemctl_namespace *ns = NULL;

	return pmemctl_region_create_namespace(r, &spec, &ns) ? NULL : ns;
}

static void change_region0(struct tap *t, struct pmemctl_bus *bus,
			   const struct held *h)
{
	struct pmemctl_region *r0 = pmemctl_region_get_first(bus);
	struct pmemctl_dimm *d0 = pmemctl_region_get_mapping_dimm(r0, 0);
	struct pmemctl_ns_spec fsdax = { .mode = PMEMCTL_NS_MODE_FSDAX,
					 .force = true };
	struct pmemctl_pfn_spec pfn = { .mode = PMEMCTL_NS_MODE_FSDAX,
					.force = true };
	struct pmemctl_namespace *ns;

	ns = create(r0, PMEMCTL_NS_MODE_SECTOR, "churn");
	tap_ok(t, ns && still_valid(bus, h),
	       "create in region 0: region 1's handles still valid");
	tap_ok(t, ns && pmemctl_namespace_reconfigure(ns, &fsdax, &ns) == 0 &&
	       still_valid(bus, h),
	       "reconfigure in region 0: region 1's handles still valid");
	tap_ok(t, ns && pmemctl_namespace_write_pfn(ns, &pfn, &ns) == 0 &&
	       ns && still_valid(bus, h),
	       "write-infoblock in region 0: region 1's handles still valid");
	tap_ok(t, ns && pmemctl_namespace_destroy(ns, true) == 0 &&
	       still_valid(bus, h),
	       "destroy in region 0: region 1's handles still valid");
	tap_ok(t, pmemctl_dimm_zero_labels(d0) == 0 && still_valid(bus, h),
	       "zero-labels on nmem0: region 1's handles still valid");
	tap_ok(t, pmemctl_dimm_init_labels(d0, PMEMCTL_LABEL_V1_1, false) == 0 &&
	       still_valid(bus, h),
	       "init-labels on nmem0: region 1's handles still valid");
	tap_ok(t, pmemctl_region_is_labelled(r0) &&
	       pmemctl_namespace_get_first(r0) &&
	       pmemctl_namespace_is_seed(pmemctl_namespace_get_first(r0)),
	       "region 0 itself was rescanned: fresh labels, only a seed");
}

int main(void)
{
	char dir[] = "/tmp/pmemctl-rescan-XXXXXX", cmd[128];
	struct pmemctl_platform_spec spec = {
		.ndimms = 2, .dimm_size = 128 << 20, .label_size = 128 << 10,
	};
	struct pmemctl_ctx *ctx;
	struct pmemctl_bus *bus;
	struct pmemctl_dimm *d;
	struct tap t = { 0 };
	struct held h;

	if (!mkdtemp(dir) || rmdir(dir) || pmemctl_new(&ctx))
		return 1;
	if (!tap_ok(&t, pmemctl_platform_create(ctx, dir, &spec) == 0 &&
		    pmemctl_bus_open_image(ctx, dir, true, &bus) == 0,
		    "two-DIMM platform opened for writing"))
		return tap_done(&t);
	pmemctl_dimm_foreach(bus, d)
		pmemctl_dimm_init_labels(d, PMEMCTL_LABEL_V1_2, false);
	h.region = pmemctl_region_get_next(pmemctl_region_get_first(bus));
	h.dimm = pmemctl_region_get_mapping_dimm(h.region, 0);
	h.ns = create(h.region, PMEMCTL_NS_MODE_SECTOR, "keep");
	if (h.ns)
		pmemctl_namespace_get_uuid(h.ns, h.uuid);
	if (tap_ok(&t, h.ns && still_valid(bus, &h),
		   "sector namespace in region 1, handle held"))
		change_region0(&t, bus, &h);
	pmemctl_bus_close(bus);
	pmemctl_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done(&t);
}
