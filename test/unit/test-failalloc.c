// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation-failure injection through the library (issue 8, item 3).
 * Linked with -Wl,--wrap for malloc, calloc, realloc, strdup, realpath
 * and fopen, so every allocation libpmemctl makes goes through the
 * counters here.  For each operation and every N, the N-th allocation
 * fails, until an N the operation never reaches.  Every run must:
 *  - return -ENOMEM and log "out of memory", or succeed;
 *  - not touch the media after the failed allocation (no write, zero or
 *    flush: counted by the power-cut media wrapper, ctx->media_wrap);
 *  - leave the image byte-identical to the state before the operation,
 *    or (a failure after the commit) to the state after a successful run;
 *  - succeed only with exactly the successful run's result;
 *  - free everything (LeakSanitizer checks the error paths in ASan builds).
 * Scanning is swept the same way: a labelled DIMM lists exactly as it
 * should or the open fails, never as label-less.  uuid_generate is
 * wrapped too, so that two runs write the same bytes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "format.h"
#include "logbook.h"
#include "tap.h"

#define MIB (1ULL << 20)
#define IMAGE_SIZE (32 * MIB + 2 * MIB)	/* 32 MiB + labels, 2M-aligned */

/* ---- the injector (test-local state: --wrap gives the hooks no context) */

struct inject {
	unsigned long nth;		/* 0: count nothing, fail nothing */
	unsigned long calls;
	bool hit;
	uint64_t ops_at_hit;		/* media operations before the failure */
	struct media_fault *fault;
	uint8_t uuid_next;
};

static struct inject inj;

static bool fail_now(void)
{
	if (!inj.nth || ++inj.calls != inj.nth)
		return false;
	inj.hit = true;
	inj.ops_at_hit = inj.fault ? inj.fault->ops : 0;
	errno = ENOMEM;
	return true;
}

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_realpath(const char *path, char *resolved);
FILE *__real_fopen(const char *path, const char *mode);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_realpath(const char *path, char *resolved);
FILE *__wrap_fopen(const char *path, const char *mode);
void __wrap_uuid_generate(uuid_t out);

void *__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return fail_now() ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_realpath(const char *path, char *resolved)
{
	return !resolved && fail_now() ? NULL : __real_realpath(path, resolved);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	return fail_now() ? NULL : __real_fopen(path, mode);
}

/* Deterministic: the same operation writes the same claim uuids. */
void __wrap_uuid_generate(uuid_t out)
{
	memset(out, 0x5a, 16);
	out[0] = ++inj.uuid_next;
	out[6] = 0x4a;
	out[8] = 0x9a;
}

/* ---- the platforms -------------------------------------------------------- */

static const uint8_t sector_uuid[16] = { 0xbb, 2 };
static const uint8_t new_uuid[16] = { 0xcc, 3 };

struct env {
	struct pmemctl_ctx *ctx;
	struct logbook log;
	char base[64];
	char dir[96];		/* where each run happens */
	char image[128];
};

static int wrap(struct pmemctl_media *m, void *arg, struct pmemctl_media **out)
{
	return media_new_faulty(m, arg, out);
}

/* The labelled platform's sector namespace (the first; DPA 0). */
static struct pmemctl_namespace *data_ns(struct pmemctl_bus *bus)
{
	struct pmemctl_namespace *ns;

	ns = pmemctl_namespace_get_first(pmemctl_region_get_first(bus));
	return ns && !strcmp(pmemctl_namespace_get_name(ns), "data") ? ns
								     : NULL;
}

/* Everything a listing shows, as one string (no allocation). */
static void listing(struct pmemctl_bus *bus, char *buf, size_t len)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	size_t at = 0;
	uint8_t uu[16];

#define OUT(...) \
	(at += (size_t)snprintf(buf + at, at < len ? len - at : 0, __VA_ARGS__))
	pmemctl_region_foreach(bus, r) {
		OUT("%s labels=%d avail=%llu max=%llu cookie=%llx\n",
		    pmemctl_region_get_devname(r),
		    pmemctl_region_is_labelled(r),
		    (unsigned long long)pmemctl_region_get_available_size(r),
		    (unsigned long long)pmemctl_region_get_max_available_extent(r),
		    (unsigned long long)pmemctl_region_get_iset_cookie(r));
		pmemctl_namespace_foreach(r, ns) {
			pmemctl_namespace_get_claim_uuid(ns, uu);
			OUT(" %s %s size=%llu ss=%u align=%llu seed=%d uuid=%02x%02x name=%s\n",
			    pmemctl_namespace_get_devname(ns),
			    pmemctl_ns_mode_name(pmemctl_namespace_get_mode(ns)),
			    (unsigned long long)pmemctl_namespace_get_size(ns),
			    pmemctl_namespace_get_sector_size(ns),
			    (unsigned long long)pmemctl_namespace_get_align(ns),
			    pmemctl_namespace_is_seed(ns), uu[0], uu[1],
			    pmemctl_namespace_get_name(ns));
		}
	}
#undef OUT
}

static int make_platform(struct env *e, const char *name, bool labelled,
			 bool damaged)
{
	struct pmemctl_platform_spec spec = {
		.ndimms = 1, .dimm_size = 32 * MIB, .label_size = 128 << 10,
	};
	struct pmemctl_ns_spec sector = {
		.size = 16 * MIB, .mode = PMEMCTL_NS_MODE_SECTOR,
		.uuid = sector_uuid, .name = "data",
	};
	struct pmemctl_bus *bus;
	char dir[128], path[192];
	int rc, fd;

	snprintf(dir, sizeof(dir), "%s/%s", e->base, name);
	rc = pmemctl_platform_create(e->ctx, dir, &spec);
	if (rc || !labelled)
		return rc;
	rc = pmemctl_bus_open_image(e->ctx, dir, true, &bus);
	if (rc)
		return rc;
	rc = pmemctl_region_create_namespace(pmemctl_region_get_first(bus),
					     &sector, NULL);
	pmemctl_bus_close(bus);
	if (rc || !damaged)
		return rc;
	/* the primary BTT info block (BTT 2.0 at DPA 0): a bad checksum */
	snprintf(path, sizeof(path), "%s/nmem0.img", dir);
	fd = open(path, O_WRONLY);
	rc = fd >= 0 && pwrite(fd, "X", 1, 100) == 1 ? 0 : -EIO;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ---- the operations ------------------------------------------------------- */

enum op_kind { OP_WRITE, OP_READ };

struct op {
	const char *name;
	const char *platform;
	enum op_kind kind;
	int (*run)(struct env *e, struct pmemctl_bus *bus);
};

static int op_create(struct env *e, struct pmemctl_bus *bus)
{
	struct pmemctl_ns_spec s = {
		.size = 16 * MIB, .mode = PMEMCTL_NS_MODE_FSDAX,
		.uuid = new_uuid,
	};

	(void)e;
	return pmemctl_region_create_namespace(pmemctl_region_get_first(bus),
					       &s, NULL);
}

static int op_create_sector(struct env *e, struct pmemctl_bus *bus)
{
	struct pmemctl_ns_spec s = {
		.size = 16 * MIB, .mode = PMEMCTL_NS_MODE_SECTOR,
		.uuid = new_uuid, .sector_size = 512,
	};

	(void)e;
	return pmemctl_region_create_namespace(pmemctl_region_get_first(bus),
					       &s, NULL);
}

static int op_reconfigure(struct env *e, struct pmemctl_bus *bus)
{
	struct pmemctl_ns_spec s = {
		.mode = PMEMCTL_NS_MODE_FSDAX, .uuid = new_uuid, .force = true,
	};
	struct pmemctl_namespace *ns = data_ns(bus);

	(void)e;
	return ns ? pmemctl_namespace_reconfigure(ns, &s, NULL) : -ENOENT;
}

static int op_destroy(struct env *e, struct pmemctl_bus *bus)
{
	struct pmemctl_namespace *ns = data_ns(bus);

	(void)e;
	return ns ? pmemctl_namespace_destroy(ns, true) : -ENOENT;
}

static int op_init_labels(struct env *e, struct pmemctl_bus *bus)
{
	(void)e;
	return pmemctl_dimm_init_labels(pmemctl_dimm_get_first(bus),
					PMEMCTL_LABEL_V1_1, false);
}

static int op_zero_labels(struct env *e, struct pmemctl_bus *bus)
{
	(void)e;
	return pmemctl_dimm_zero_labels(pmemctl_dimm_get_first(bus));
}

static int op_repair(struct env *e, struct pmemctl_bus *bus)
{
	struct pmemctl_btt_check_opts o = { .parent_uuid = sector_uuid, .repair = true };
	struct pmemctl_namespace *ns = data_ns(bus);
	struct pmemctl_btt_check_result *r = NULL;
	struct pmemctl_media *m;
	int rc;

	if (!ns)
		return -ENOENT;
	rc = pmemctl_namespace_open_media(ns, &m);
	if (rc)
		return rc;
	rc = pmemctl_btt_check(e->ctx, m, &o, &r);
	if (!rc && (!r->repaired || !r->recheck || r->recheck->total))
		rc = -EUCLEAN;	/* the successful run must repair all */
	pmemctl_btt_check_free(r);
	pmemctl_media_close(m);
	return rc;
}

static int op_scan(struct env *e, struct pmemctl_bus *bus)
{
	(void)e;
	(void)bus;
	return 0;	/* the open is the scan; the listing is compared */
}

static const struct op ops[] = {
	{ "create fsdax", "labelled", OP_WRITE, op_create },
	{ "create sector with autolabel", "bare", OP_WRITE, op_create_sector },
	{ "reconfigure sector -> fsdax", "labelled", OP_WRITE, op_reconfigure },
	{ "destroy", "labelled", OP_WRITE, op_destroy },
	{ "init-labels", "bare", OP_WRITE, op_init_labels },
	{ "zero-labels", "labelled", OP_WRITE, op_zero_labels },
	{ "check-btt --repair", "damaged", OP_WRITE, op_repair },
	{ "scan a labelled DIMM", "labelled", OP_READ, op_scan },
	{ "scan a label-less DIMM", "bare", OP_READ, op_scan },
};

/* ---- one run -------------------------------------------------------------- */

struct result {
	int rc;
	bool hit;
	uint64_t ops_after_hit;
	char list[2048];
};

static int read_image(const char *path, uint8_t *buf)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? pread(fd, buf, IMAGE_SIZE, 0) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)IMAGE_SIZE ? 0 : -EIO;
}

static int write_image(const char *path, const uint8_t *buf)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = fd >= 0 ? pwrite(fd, buf, IMAGE_SIZE, 0) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)IMAGE_SIZE ? 0 : -EIO;
}

/* Open, operate, close with the @nth allocation failing (0: none). */
static void run(struct env *e, const struct op *op, unsigned long nth,
		struct result *res)
{
	struct media_fault f = { .budget = UINT64_MAX };
	struct pmemctl_bus *bus;

	memset(res, 0, sizeof(*res));
	memset(&e->log, 0, sizeof(e->log));
	e->ctx->media_wrap = wrap;
	e->ctx->media_wrap_arg = &f;
	inj = (struct inject){ .nth = nth, .fault = &f };
	res->rc = pmemctl_bus_open_image(e->ctx, e->dir, op->kind == OP_WRITE,
					 &bus);
	if (!res->rc) {
		res->rc = op->run(e, bus);
		if (!res->rc)
			listing(bus, res->list, sizeof(res->list));
		pmemctl_bus_close(bus);
	}
	res->hit = inj.hit;
	res->ops_after_hit = inj.hit ? f.ops - inj.ops_at_hit : 0;
	inj = (struct inject){ 0 };
	e->ctx->media_wrap = NULL;
}

/* ---- the sweep ------------------------------------------------------------ */

static void sweep(struct tap *t, struct env *e, const struct op *op,
		  uint8_t *before, uint8_t *after, uint8_t *now)
{
	char pristine[192], msg[512] = "";
	struct result ref, res;
	unsigned long n;
	bool is_before = false, is_after, good;
	unsigned bad = 0, as_before = 0, as_after = 0;

	snprintf(pristine, sizeof(pristine), "%s/%s/nmem0.img", e->base,
		 op->platform);
	if (read_image(pristine, before) || write_image(e->image, before)) {
		tap_ok(t, false, "%s: set up", op->name);
		return;
	}
	run(e, op, 0, &ref);
	if (ref.rc || read_image(e->image, after)) {
		tap_ok(t, false, "%s: the run without failures succeeds (%d)",
		       op->name, ref.rc);
		return;
	}
	for (n = 1;; n++) {
		/* put the media back unless it is as before already */
		if (!is_before && write_image(e->image, before)) {
			bad++;
			break;
		}
		run(e, op, n, &res);
		if (read_image(e->image, now)) {
			bad++;
			break;
		}
		is_before = !memcmp(now, before, IMAGE_SIZE);
		is_after = !memcmp(now, after, IMAGE_SIZE);
		if (!res.hit) {
			/* past the last allocation: the reference again */
			if (res.rc || !is_after || strcmp(res.list, ref.list)) {
				bad++;
				snprintf(msg, sizeof(msg),
					 "without a failure: rc %d", res.rc);
			}
			break;
		}
		if (res.rc == 0)
			good = is_after && !strcmp(res.list, ref.list);
		else
			good = res.rc == -ENOMEM && e->log.oom &&
			       (is_before || is_after);
		good = good && res.ops_after_hit == 0;
		as_before += res.rc && is_before;
		as_after += res.rc && !is_before && is_after;
		if (!good && !bad++)
			snprintf(msg, sizeof(msg),
				 "N=%lu: rc %d, %s, %llu media operations after the failure, log: %s",
				 n, res.rc, is_before ? "media as before" :
				 is_after ? "media as after" : "media changed",
				 (unsigned long long)res.ops_after_hit,
				 e->log.last);
	}
	if (bad)
		printf("# %s: first bad run: %s\n", op->name, msg);
	tap_ok(t, bad == 0 && n > 1,
	       "%s: %lu allocations; each failure is -ENOMEM with the media as before (%u) or as after the commit (%u)",
	       op->name, n - 1, as_before, as_after);
}

int main(void)
{
	static const char *const platforms[] = { "bare", "labelled" };
	uint8_t *before = malloc(IMAGE_SIZE), *after = malloc(IMAGE_SIZE);
	uint8_t *now = malloc(IMAGE_SIZE);
	struct tap t = { 0 };
	struct env e = { 0 };
	char cmd[256];
	int rc;

	snprintf(e.base, sizeof(e.base), "/tmp/pmemctl-failalloc-XXXXXX");
	if (!before || !after || !now || !mkdtemp(e.base) || pmemctl_new(&e.ctx))
		return 1;
	pmemctl_set_userdata(e.ctx, &e.log);
	pmemctl_set_log_fn(e.ctx, logbook_capture);
	pmemctl_set_log_priority(e.ctx, LOG_ERR);
	snprintf(e.dir, sizeof(e.dir), "%s/run", e.base);
	snprintf(e.image, sizeof(e.image), "%s/nmem0.img", e.dir);
	rc = make_platform(&e, "run", false, false);
	for (size_t i = 0; !rc && i < ARRAY_SIZE(platforms); i++)
		rc = make_platform(&e, platforms[i], i == 1, false);
	rc = rc ?: make_platform(&e, "damaged", true, true);
	if (tap_ok(&t, rc == 0, "platforms: label-less, labelled, damaged BTT"))
		for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
			sweep(&t, &e, &ops[i], before, after, now);
	pmemctl_free(e.ctx);
	free(before);
	free(after);
	free(now);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e.base);
	if (system(cmd) != 0)
		return 1;
	return tap_done(&t);
}
