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
 *  - no raw, fsdax or devdax namespace holds a BTT that check-btt could
 *    find, nor a BTT backup info block where check-btt or ndctl look for
 *    one (at the end of the namespace): no stale BTT can be "recovered"
 *    over it (only a reconfigure to sector mode may show its own new BTT,
 *    half-written in place before the label commits);
 *  - create and destroy are atomic: old or new;
 *  - reconfigure may also leave the old namespace in raw mode (its layout
 *    is overwritten in place before the new label commits), never with a
 *    half-written BTT, PFN or DAX layout; reconfiguring a sector namespace
 *    retires its BTT backups first, so the old namespace may also be whole
 *    with only its backup info block lost (check-btt --repair restores it).
 * The whole sweep runs on v1.1 labels (BTT 1.1 at 4 KiB, no claim class)
 * and on v1.2 labels (BTT 2.0 at 0).  The free space the creates use holds
 * a stale BTT, as ndctl's destroy (which wipes only the first 8 KiB) leaves
 * one; destroy must not leave one itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "btt.h"
#include "format.h"
#include "tap.h"

#define MIB (1ULL << 20)
#define NS_SIZE (32 * MIB)
#define SECTOR_DPA NS_SIZE		/* after the victim, lowest first */
#define FREE_DPA (2 * NS_SIZE)		/* where the creates go */

enum op {
	OP_CREATE, OP_CREATE_RAW, OP_RECONFIG_SECTOR, OP_RECONFIG_FSDAX,
	OP_RECONFIG_RAW, OP_DESTROY, OP_NR
};
static const char *const op_names[] = {
	"create sector", "create raw over a stale BTT",
	"reconfigure raw -> sector", "reconfigure sector -> fsdax",
	"reconfigure sector -> raw", "destroy sector",
};

enum outcome { OLD, OLD_RETIRING, OLD_RAW, NEW, BROKEN, OUTCOME_NR };

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

/* ndctl's destroy leaves all of a BTT but its first 8 KiB behind. */
static int plant_stale_btt(struct pmemctl_ctx *ctx, const char *dir,
			   unsigned major)
{
	static const uint8_t old_uuid[16] = { 0xdd, 4 }, btt_uuid[16] = { 5 };
	struct pmemctl_media *m;
	char path[128];
	int rc;

	snprintf(path, sizeof(path), "%s/nmem0.img", dir);
	rc = pmemctl_media_open_file(ctx, path, FREE_DPA, NS_SIZE,
				     PMEMCTL_MEDIA_WRITE, &m);
	if (rc)
		return rc;
	rc = btt_write_layout(ctx, m, major, 4096, btt_uuid, old_uuid);
	rc = rc ?: pmemctl_media_zero(m, 0, SZ_8K);
	rc = rc ?: pmemctl_media_flush(m);
	pmemctl_media_close(m);
	return rc;
}

/*
 * The starting point: a raw "victim" and a sector namespace on labels of
 * version @v, and a stale BTT in the free space after them.
 */
static int make_pristine(struct pmemctl_ctx *ctx, const char *dir,
			 enum pmemctl_label_version v)
{
	struct pmemctl_platform_spec spec = {
		.ndimms = 1, .dimm_size = 128 * MIB, .label_size = 128 << 10,
	};
	struct pmemctl_ns_spec raw = {
		.size = NS_SIZE, .mode = PMEMCTL_NS_MODE_RAW,
		.uuid = victim_uuid, .name = "victim",
	};
	struct pmemctl_ns_spec sector = {
		.size = NS_SIZE, .mode = PMEMCTL_NS_MODE_SECTOR,
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
	rc = pmemctl_dimm_init_labels(pmemctl_dimm_get_first(bus), v, false);
	rc = rc ?: pmemctl_region_create_namespace(r, &raw, NULL);
	rc = rc ?: pmemctl_region_create_namespace(r, &sector, NULL);
	pmemctl_bus_close(bus);
	return rc ?: plant_stale_btt(ctx, dir,
				     v == PMEMCTL_LABEL_V1_2 ? 2 : 1);
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
	case OP_CREATE_RAW:
		s.size = NS_SIZE;
		s.mode = op == OP_CREATE ? PMEMCTL_NS_MODE_SECTOR :
			 PMEMCTL_NS_MODE_RAW;
		return pmemctl_region_create_namespace(
			pmemctl_region_get_first(bus), &s, NULL);
	case OP_RECONFIG_SECTOR:
		s.mode = PMEMCTL_NS_MODE_SECTOR;
		return victim ? pmemctl_namespace_reconfigure(victim, &s, NULL)
			      : -ENOENT;
	case OP_RECONFIG_FSDAX:
	case OP_RECONFIG_RAW:
		s.mode = op == OP_RECONFIG_FSDAX ? PMEMCTL_NS_MODE_FSDAX :
			 PMEMCTL_NS_MODE_RAW;
		return sector ? pmemctl_namespace_reconfigure(sector, &s, NULL)
			      : -ENOENT;
	default:
		return sector ? pmemctl_namespace_destroy(sector, true)
			      : -ENOENT;
	}
}

enum btt_state { BTT_CLEAN, BTT_BACKUP_LOST, BTT_BAD };

/* A sector namespace's BTT: clean, whole but for its backup, or worse. */
static enum btt_state btt_state(struct pmemctl_ctx *ctx,
				struct pmemctl_namespace *ns)
{
	struct pmemctl_btt_check_opts opts = { 0 };
	struct pmemctl_btt_check_result *res = NULL;
	enum btt_state st = BTT_BAD;
	struct pmemctl_media *m;
	uint8_t uu[16];

	pmemctl_namespace_get_uuid(ns, uu);
	opts.parent_uuid = uu;
	if (pmemctl_namespace_open_media(ns, &m))
		return BTT_BAD;
	if (pmemctl_btt_check(ctx, m, &opts, &res) == 0) {
		st = res->total ? BTT_BACKUP_LOST : BTT_CLEAN;
		for (unsigned i = 0; i < res->nfindings; i++)
			if (res->findings[i].kind < PMEMCTL_BTT_F_INFO2_BAD_SIGNATURE ||
			    res->findings[i].kind > PMEMCTL_BTT_F_INFO2_MISMATCH ||
			    !res->findings[i].repairable)
				st = BTT_BAD;
		if (res->unlisted)
			st = BTT_BAD;
	}
	pmemctl_btt_check_free(res);
	pmemctl_media_close(m);
	return st;
}

/*
 * Could a BTT be found in @m?  check-btt (any parent uuid) must find none,
 * and the last 4 KiB, where a one-arena BTT keeps its backup and where
 * check-btt and ndctl look for it, must not carry the BTT signature.  The
 * exception is a BTT whose parent is @coming (not NULL): the new layout of
 * a reconfigure to sector mode, written in place before its label commits.
 */
static bool stale_btt(struct pmemctl_ctx *ctx, struct pmemctl_media *m,
		      const uint8_t *coming)
{
	struct pmemctl_btt_check_opts opts = { .max_listed = 1 };
	struct pmemctl_btt_check_result *res = NULL;
	uint64_t size = pmemctl_media_size(m);
	struct btt_sb sb;
	int rc;

	if (pmemctl_media_read(m, size - BTT_INFO_SIZE, &sb, sizeof(sb)))
		return true;
	if (!memcmp(sb.signature, BTT_SIG, BTT_SIG_LEN))
		return !coming || memcmp(sb.parent_uuid, coming, 16) != 0;
	pmemctl_set_log_priority(ctx, 0);
	rc = pmemctl_btt_check(ctx, m, &opts, &res);
	pmemctl_btt_check_free(res);
	return rc != -ENODEV;
}

static bool ns_stale_btt(struct pmemctl_ctx *ctx, struct pmemctl_namespace *ns,
			 const uint8_t *coming)
{
	struct pmemctl_media *m;
	bool stale;

	if (pmemctl_namespace_open_media(ns, &m))
		return true;
	stale = stale_btt(ctx, m, coming);
	pmemctl_media_close(m);
	return stale;
}

/*
 * Every namespace passes; *@retiring: @old lost only its BTT backup;
 * @coming: the reconfigure's new BTT may be half-written in a raw one.
 */
static bool namespaces_sound(struct pmemctl_ctx *ctx, struct pmemctl_bus *bus,
			     struct pmemctl_namespace *old,
			     const uint8_t *coming, bool *retiring)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;

	*retiring = false;
	pmemctl_region_foreach(bus, r)
		pmemctl_namespace_foreach(r, ns) {
			enum btt_state st;

			if (pmemctl_namespace_is_seed(ns))
				continue;
			if (pmemctl_namespace_get_mode(ns) !=
			    PMEMCTL_NS_MODE_SECTOR) {
				if (ns_stale_btt(ctx, ns, coming))
					return false;
				continue;
			}
			st = btt_state(ctx, ns);
			if (st == BTT_BACKUP_LOST && ns == old)
				*retiring = true;
			else if (st != BTT_CLEAN)
				return false;
		}
	return true;
}

static enum outcome classify(struct pmemctl_ctx *ctx, struct pmemctl_bus *bus,
			     enum op op)
{
	struct pmemctl_namespace *victim = by_uuid(bus, victim_uuid);
	struct pmemctl_namespace *sector = by_uuid(bus, sector_uuid);
	struct pmemctl_namespace *made = by_uuid(bus, new_uuid);
	unsigned n = count_namespaces(bus);
	bool from_sector = op == OP_RECONFIG_FSDAX || op == OP_RECONFIG_RAW;
	bool retiring;

	if (!namespaces_sound(ctx, bus, from_sector ? sector : NULL,
			      op == OP_RECONFIG_SECTOR ? new_uuid : NULL,
			      &retiring))
		return BROKEN;
	switch (op) {
	case OP_CREATE:
	case OP_CREATE_RAW:
		if (n == 2 && victim && sector && !made)
			return OLD;
		if (n == 3 && made && pmemctl_namespace_get_mode(made) ==
		    (op == OP_CREATE ? PMEMCTL_NS_MODE_SECTOR :
		     PMEMCTL_NS_MODE_RAW))
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
	case OP_RECONFIG_RAW:
		if (n == 2 && sector && !made) {
			if (pmemctl_namespace_get_mode(sector) !=
			    PMEMCTL_NS_MODE_SECTOR)
				return OLD_RAW;
			return retiring ? OLD_RETIRING : OLD;
		}
		if (n == 2 && made && !sector &&
		    pmemctl_namespace_get_mode(made) ==
		    (op == OP_RECONFIG_FSDAX ? PMEMCTL_NS_MODE_FSDAX :
		     PMEMCTL_NS_MODE_RAW))
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

/* After a whole destroy, its extent must hold no BTT to recover either. */
static bool freed_extent_clean(struct pmemctl_ctx *ctx, const char *dir)
{
	struct pmemctl_media *m;
	char path[128];
	bool stale;

	snprintf(path, sizeof(path), "%s/nmem0.img", dir);
	if (pmemctl_media_open_file(ctx, path, SECTOR_DPA, NS_SIZE, 0, &m))
		return false;
	stale = stale_btt(ctx, m, NULL);
	pmemctl_media_close(m);
	return !stale;
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
		  const char *dir, enum op op, bool tear, const char *labels)
{
	struct media_fault f = { .budget = UINT64_MAX };
	bool from_sector = op == OP_RECONFIG_FSDAX || op == OP_RECONFIG_RAW;
	unsigned seen[OUTCOME_NR] = { 0 };
	uint64_t total;

	if (trial(ctx, pristine, dir, op, &f) != NEW ||
	    (op == OP_DESTROY && !freed_extent_clean(ctx, dir))) {
		tap_ok(t, false, "%s %s: uninterrupted run reaches the new state",
		       labels, op_names[op]);
		return;
	}
	total = f.ops;
	for (uint64_t n = 0; n <= total; n++) {
		enum outcome o;

		f = (struct media_fault){ .budget = n, .tear = tear };
		o = trial(ctx, pristine, dir, op, &f);
		seen[o]++;
		if (o == BROKEN)
			printf("# %s %s: power cut after %llu of %llu operations%s: broken state\n",
			       labels, op_names[op], (unsigned long long)n,
			       (unsigned long long)total, tear ? " (torn)" : "");
	}
	/*
	 * The old layout goes first in a reconfigure: old may only be raw,
	 * and a BTT's backups go before its primary (retiring, never raw
	 * beside a backup: that would be broken).
	 */
	tap_ok(t, seen[BROKEN] == 0 && seen[OLD] + seen[OLD_RAW] > 0 &&
	       seen[NEW] > 0 && (from_sector ? seen[OLD_RETIRING] > 0 :
	       seen[OLD_RAW] + seen[OLD_RETIRING] == 0),
	       "%s %s%s: %llu cut points: %u old, %u old-retiring, %u old-raw, %u new, %u broken",
	       labels, op_names[op], tear ? " (torn writes)" : "",
	       (unsigned long long)total + 1, seen[OLD], seen[OLD_RETIRING],
	       seen[OLD_RAW], seen[NEW], seen[BROKEN]);
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
	for (int i = 0; i < 2; i++) {
		enum pmemctl_label_version v = i ? PMEMCTL_LABEL_V1_2 :
						   PMEMCTL_LABEL_V1_1;
		const char *labels = i ? "v1.2:" : "v1.1:";
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pristine);
		if (!tap_ok(&t, system(cmd) == 0 &&
			    make_pristine(ctx, pristine, v) == 0,
			    "%s platform with a raw and a sector namespace, a stale BTT in free space",
			    labels))
			continue;
		for (int op = 0; op < OP_NR; op++) {
			sweep(&t, ctx, pristine, dir, op, false, labels);
			sweep(&t, ctx, pristine, dir, op, true, labels);
		}
	}
	pmemctl_free(ctx);
	snprintf(dir, sizeof(dir), "rm -rf '%s'", base);
	if (system(dir) != 0)
		return 1;
	return tap_done(&t);
}
