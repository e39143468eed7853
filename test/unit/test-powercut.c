// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exhaustive power-cut injection for namespace provisioning.  For every
 * operation (create, reconfigure, destroy) and every point N in its
 * sequence of writes, zeroes and flushes, the power is cut after N of them
 * (with and without tearing the one at the cut); the platform is then
 * opened afresh and must show the state before the operation or the state
 * after it, never a mixture:
 *  - the label area always loads (one index block always valid);
 *  - every sector namespace's BTT checks clean;
 *  - create and destroy are atomic: old or new;
 *  - reconfigure may also leave the old namespace in raw mode (its layout
 *    is overwritten in place before the new label commits), never with a
 *    half-written BTT, PFN or DAX layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "private.h"
#include "tap.h"

#define MIB (1ULL << 20)

enum op { OP_CREATE, OP_RECONFIG_SECTOR, OP_RECONFIG_FSDAX, OP_DESTROY };
static const char *const op_names[] = {
	"create sector", "reconfigure raw -> sector",
	"reconfigure sector -> fsdax", "destroy sector",
};

enum outcome { OLD, NEW, OLD_RAW, BROKEN };

static const uint8_t victim_uuid[16] = { 0xaa, 1 };
static const uint8_t sector_uuid[16] = { 0xbb, 2 };
static const uint8_t new_uuid[16] = { 0xcc, 3 };

static int wrap(struct pmemctl_media *m, void *arg, struct pmemctl_media **out)
{
	return media_new_faulty(m, arg, out);
}

/* Replace @dir by a sparse copy of @pristine. */
static int restore(const char *pristine, const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r --sparse=always '%s' '%s'",
		 dir, pristine, dir);
	return system(cmd);
}

/* The starting point: v1.2 labels, a raw "victim" and a sector namespace. */
static int make_pristine(struct pmemctl_ctx *ctx, const char *dir)
{
	struct pmemctl_platform_spec spec = {
		.ndimms = 1, .dimm_size = 128 * MIB, .label_size = 128 << 10,
	};
	struct pmemctl_ns_spec raw = {
		.size = 32 * MIB, .mode = PMEMCTL_NS_MODE_RAW,
		.uuid = victim_uuid, .name = "victim",
	};
	struct pmemctl_ns_spec sector = {
		.size = 32 * MIB, .mode = PMEMCTL_NS_MODE_SECTOR,
		.uuid = sector_uuid, .sector_size = 4096,
	};
	struct pmemctl_bus *bus;
	struct pmemctl_region *r;
	int rc;

	rc = pmemctl_platform_create(ctx, dir, &spec);
	rc = rc ?: pmemctl_bus_open_image(ctx, dir, true, &bus);
	if (rc)
		return rc;
	r = pmemctl_region_get_first(bus);
	rc = pmemctl_dimm_init_labels(pmemctl_dimm_get_first(bus),
				      PMEMCTL_LABEL_V1_2, false);
	rc = rc ?: pmemctl_region_create_namespace(r, &raw, NULL);
	rc = rc ?: pmemctl_region_create_namespace(r, &sector, NULL);
	pmemctl_bus_close(bus);
	return rc;
}

static struct pmemctl_namespace *by_uuid(struct pmemctl_bus *bus,
					 const uint8_t uuid[16])
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	uint8_t uu[16];

	pmemctl_region_foreach(bus, r)
		pmemctl_namespace_foreach(r, ns) {
			if (!pmemctl_namespace_has_uuid(ns))
				continue;
			pmemctl_namespace_get_uuid(ns, uu);
			if (!memcmp(uu, uuid, 16))
				return ns;
		}
	return NULL;
}

static unsigned count_namespaces(struct pmemctl_bus *bus)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	unsigned n = 0;

	pmemctl_region_foreach(bus, r)
		pmemctl_namespace_foreach(r, ns)
			n += !pmemctl_namespace_is_seed(ns);
	return n;
}

static int run_op(struct pmemctl_bus *bus, enum op op)
{
	struct pmemctl_ns_spec s = { .force = true, .uuid = new_uuid };
	struct pmemctl_namespace *victim = by_uuid(bus, victim_uuid);
	struct pmemctl_namespace *sector = by_uuid(bus, sector_uuid);

	switch (op) {
	case OP_CREATE:
		s.size = 32 * MIB;
		s.mode = PMEMCTL_NS_MODE_SECTOR;
		return pmemctl_region_create_namespace(
			pmemctl_region_get_first(bus), &s, NULL);
	case OP_RECONFIG_SECTOR:
		s.mode = PMEMCTL_NS_MODE_SECTOR;
		return victim ? pmemctl_namespace_reconfigure(victim, &s, NULL)
			      : -ENOENT;
	case OP_RECONFIG_FSDAX:
		s.mode = PMEMCTL_NS_MODE_FSDAX;
		return sector ? pmemctl_namespace_reconfigure(sector, &s, NULL)
			      : -ENOENT;
	default:
		return sector ? pmemctl_namespace_destroy(sector, true)
			      : -ENOENT;
	}
}

/* A sector namespace is only acceptable with a clean BTT. */
static bool btt_clean(struct pmemctl_ctx *ctx, struct pmemctl_namespace *ns)
{
	struct pmemctl_btt_check_opts opts = { 0 };
	struct pmemctl_btt_check_result *res = NULL;
	struct pmemctl_media *m;
	uint8_t uu[16];
	bool clean;

	if (pmemctl_namespace_get_mode(ns) != PMEMCTL_NS_MODE_SECTOR)
		return true;
	pmemctl_namespace_get_uuid(ns, uu);
	opts.parent_uuid = uu;
	if (pmemctl_namespace_open_media(ns, &m))
		return false;
	clean = pmemctl_btt_check(ctx, m, &opts, &res) == 0 && res->total == 0;
	pmemctl_btt_check_free(res);
	pmemctl_media_close(m);
	return clean;
}

static enum outcome classify(struct pmemctl_ctx *ctx, struct pmemctl_bus *bus,
			     enum op op)
{
	struct pmemctl_namespace *victim = by_uuid(bus, victim_uuid);
	struct pmemctl_namespace *sector = by_uuid(bus, sector_uuid);
	struct pmemctl_namespace *made = by_uuid(bus, new_uuid);
	unsigned n = count_namespaces(bus);
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;

	pmemctl_region_foreach(bus, r)
		pmemctl_namespace_foreach(r, ns)
			if (!btt_clean(ctx, ns))
				return BROKEN;
	switch (op) {
	case OP_CREATE:
		if (n == 2 && victim && sector && !made)
			return OLD;
		if (n == 3 && made && pmemctl_namespace_get_mode(made) ==
		    PMEMCTL_NS_MODE_SECTOR)
			return NEW;
		return BROKEN;
	case OP_RECONFIG_SECTOR:
		if (n == 2 && victim && !made)
			return OLD;	/* raw before and raw-looking */
		if (n == 2 && made && !victim &&
		    pmemctl_namespace_get_mode(made) == PMEMCTL_NS_MODE_SECTOR)
			return NEW;
		return BROKEN;
	case OP_RECONFIG_FSDAX:
		if (n == 2 && sector && !made)
			return pmemctl_namespace_get_mode(sector) ==
			       PMEMCTL_NS_MODE_SECTOR ? OLD : OLD_RAW;
		if (n == 2 && made && !sector &&
		    pmemctl_namespace_get_mode(made) == PMEMCTL_NS_MODE_FSDAX)
			return NEW;
		return BROKEN;
	default:
		if (n == 2 && sector &&
		    pmemctl_namespace_get_mode(sector) == PMEMCTL_NS_MODE_SECTOR)
			return OLD;
		if (n == 1 && !sector)
			return NEW;
		return BROKEN;
	}
}

/* Cut the power after @budget operations; classify what is left. */
static enum outcome trial(struct pmemctl_ctx *ctx, const char *pristine,
			  const char *dir, enum op op, struct media_fault *f)
{
	struct pmemctl_bus *bus;
	enum outcome o = BROKEN;

	if (restore(pristine, dir))
		return BROKEN;
	ctx->media_wrap = wrap;
	ctx->media_wrap_arg = f;
	if (pmemctl_bus_open_image(ctx, dir, true, &bus) == 0) {
		run_op(bus, op);
		pmemctl_bus_close(bus);
	}
	ctx->media_wrap = NULL;
	if (pmemctl_bus_open_image(ctx, dir, false, &bus) == 0) {
		o = classify(ctx, bus, op);
		pmemctl_bus_close(bus);
	}
	return o;
}

static void sweep(struct tap *t, struct pmemctl_ctx *ctx, const char *pristine,
		  const char *dir, enum op op, bool tear)
{
	struct media_fault f = { .budget = UINT64_MAX };
	unsigned seen[4] = { 0 };
	uint64_t total;

	if (trial(ctx, pristine, dir, op, &f) != NEW) {
		tap_ok(t, false, "%s: uninterrupted run reaches the new state",
		       op_names[op]);
		return;
	}
	total = f.ops;
	for (uint64_t n = 0; n <= total; n++) {
		enum outcome o;

		f = (struct media_fault){ .budget = n, .tear = tear };
		o = trial(ctx, pristine, dir, op, &f);
		seen[o]++;
		if (o == BROKEN)
			printf("# %s: power cut after %llu of %llu operations%s: broken state\n",
			       op_names[op], (unsigned long long)n,
			       (unsigned long long)total, tear ? " (torn)" : "");
	}
	/* the old layout goes first in a reconfigure: old may only be raw */
	tap_ok(t, seen[BROKEN] == 0 && seen[OLD] + seen[OLD_RAW] > 0 &&
	       seen[NEW] > 0 && (op == OP_RECONFIG_FSDAX || seen[OLD_RAW] == 0),
	       "%s%s: %llu cut points: %u old, %u old-raw, %u new, %u broken",
	       op_names[op], tear ? " (torn writes)" : "",
	       (unsigned long long)total + 1, seen[OLD], seen[OLD_RAW],
	       seen[NEW], seen[BROKEN]);
}

int main(void)
{
	char base[] = "/tmp/pmemctl-powercut-XXXXXX";
	char pristine[64], dir[64];
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	if (!mkdtemp(base))
		return 1;
	snprintf(pristine, sizeof(pristine), "%s/pristine", base);
	snprintf(dir, sizeof(dir), "%s/trial", base);
	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 0);
	if (tap_ok(&t, make_pristine(ctx, pristine) == 0,
		   "platform with a raw and a sector namespace")) {
		for (int op = OP_CREATE; op <= OP_DESTROY; op++) {
			sweep(&t, ctx, pristine, dir, op, false);
			sweep(&t, ctx, pristine, dir, op, true);
		}
	}
	pmemctl_free(ctx);
	snprintf(dir, sizeof(dir), "rm -rf '%s'", base);
	if (system(dir) != 0)
		return 1;
	return tap_done(&t);
}
