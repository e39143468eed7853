// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmemctl check-btt (alias check-namespace): BTT fsck of a
 * namespace, every sector namespace of the platform ("all"), an image file
 * or a block device.  Exit codes follow fsck(8) and are OR'ed (also over
 * the namespaces of "all"): 1 corrected, 4 left uncorrected, 8 operational
 * error, 16 usage error, 32 stopped by SIGINT/SIGTERM.
 *
 * On the live kernel a namespace (or its BTT block device /dev/pmemXs) is
 * checked through its raw block device (pmemctl_namespace_open_raw()):
 * an enabled one only with -f, and put back as it was when the target is
 * closed, also after a failure or a signal.  SIGINT and SIGTERM are held
 * while a target is open; the check polls for them and stops early.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uuid/uuid.h>

#include "cmd.h"
#include "util/json.h"
#include "util/progress.h"

enum fsck_exit {
	FSCK_OK = 0,
	FSCK_CORRECTED = 1,
	FSCK_UNCORRECTED = 4,
	FSCK_OPERATIONAL = 8,
	FSCK_USAGE = 16,
	FSCK_CANCELED = 32,
};

struct check_params {
	bool repair, dry_run, rewrite_log, force;
	bool json, quiet, human;
	int verbose;
	uint64_t offset, size;
	bool offset_seen, size_seen;
	const char *uuid;
};

struct target {
	const char *name;
	struct pmemctl_bus *bus;
	struct pmemctl_media *media;
	struct pmemctl_platform_lock *lock;	/* FILE of a platform */
	uint8_t uuid[16];
	bool has_uuid;
};

/* ---- opening the target ------------------------------------------------- */

/*
 * The namespace uuid is the parent; label-less ones have none.  On the
 * live kernel an enabled sector/fsdax/devdax namespace is taken from its
 * driver only with -f.
 */
static int open_namespace_media(struct cmd_ctx *cc, struct check_params *p,
				struct pmemctl_namespace *ns, struct target *t)
{
	unsigned flags = (p->force ? PMEMCTL_RAW_FORCE : 0) |
			 (p->repair && !p->dry_run ? PMEMCTL_RAW_WRITE : 0);
	const char *dev = pmemctl_namespace_get_blockdev(ns);
	const char *name = pmemctl_namespace_get_devname(ns);
	bool live_enabled;

	memset(t->uuid, 0, sizeof(t->uuid));
	if (pmemctl_namespace_has_uuid(ns))
		pmemctl_namespace_get_uuid(ns, t->uuid);
	t->has_uuid = true;
	live_enabled = !cc->platform && pmemctl_namespace_is_active(ns) &&
		       pmemctl_namespace_get_mode(ns) != PMEMCTL_NS_MODE_RAW;
	if (live_enabled && !p->force) {
		cmd_error(cc, "%s is enabled (%s%s%s): 'check-btt -f' disables it for the check and enables it again; nothing changed",
			  name, pmemctl_ns_mode_name(pmemctl_namespace_get_mode(ns)),
			  dev[0] ? ", /dev/" : "", dev);
		return -EBUSY;
	}
	return pmemctl_namespace_open_raw(ns, flags, &t->media);
}

static int refuse_file_options(struct cmd_ctx *cc, struct check_params *p)
{
	if (!p->offset_seen && !p->size_seen)
		return 0;
	cmd_error(cc, "--offset and --size apply to image files and block devices");
	return -EINVAL;
}

static int open_namespace(struct cmd_ctx *cc, struct check_params *p,
			  struct target *t, bool writable)
{
	struct pmemctl_namespace *ns;
	int rc = refuse_file_options(cc, p);

	if (rc)
		return rc;
	/* the live kernel's raw access writes through its own O_EXCL open */
	rc = cmd_open_bus_lazy(cc, writable && cc->platform, &t->bus);
	if (rc)
		return rc;
	rc = cmd_find_namespace(t->bus, t->name, true, &ns);
	if (rc == -ENOENT)
		cmd_error(cc, "%s: no such namespace", t->name);
	return rc ? rc : open_namespace_media(cc, p, ns, t);
}

/*
 * *@bus: the live kernel's bus, or NULL (an image platform, or no NVDIMM
 * bus: the name is then checked as a file); out of memory is an error.
 */
static int quiet_kernel_bus(struct cmd_ctx *cc, struct pmemctl_bus **bus)
{
	int prio = pmemctl_get_log_priority(cc->ctx), rc;

	*bus = NULL;
	if (cc->platform)
		return 0;
	pmemctl_set_log_priority(cc->ctx, 0);
	rc = pmemctl_bus_open_kernel(cc->ctx, false, bus);
	pmemctl_set_log_priority(cc->ctx, prio);
	if (rc == -ENOMEM) {
		cmd_error(cc, "out of memory");
		return rc;
	}
	if (rc)
		*bus = NULL;
	return 0;
}

/*
 * *@ns: the namespace whose block device is @dev, or NULL if none is;
 * any other failure (reading its region, memory) is the caller's error,
 * never a reason to check the device as something else.
 */
static int ns_of_blockdev(struct pmemctl_bus *bus, const char *dev,
			  struct pmemctl_namespace **ns)
{
	int rc = pmemctl_bus_find_blockdev(bus, dev, ns);

	if (rc)
		*ns = NULL;
	return rc == -ENOENT ? 0 : rc;
}

/*
 * /dev/X on the live kernel: a BTT's (or fsdax) block device is checked as
 * its namespace; /dev/pmemN missing because namespace N is in sector mode
 * (its device is /dev/pmemNs) says so.  1: not such a name.
 */
static int open_live_dev(struct cmd_ctx *cc, struct check_params *p,
			 struct target *t)
{
	struct pmemctl_namespace *ns;
	const char *dev;
	char sector[64];
	struct stat st;
	int rc;

	if (strncmp(t->name, "/dev/", 5))
		return 1;
	rc = quiet_kernel_bus(cc, &t->bus);
	if (rc || !t->bus)
		return rc ?: 1;
	dev = t->name + 5;
	rc = ns_of_blockdev(t->bus, dev, &ns);
	if (rc)
		return rc;
	if (ns && pmemctl_namespace_get_mode(ns) != PMEMCTL_NS_MODE_RAW)
		return refuse_file_options(cc, p) ?:
		       open_namespace_media(cc, p, ns, t);
	snprintf(sector, sizeof(sector), "%ss", dev);
	rc = ns_of_blockdev(t->bus, sector, &ns);
	if (rc)
		return rc;
	if (!ns || stat(t->name, &st) == 0)
		return 1;
	cmd_error(cc, "%s does not exist: %s is in sector mode, its block device is /dev/%s; check it with 'pmemctl check-btt -f %s'",
		  t->name, pmemctl_namespace_get_devname(ns), sector,
		  pmemctl_namespace_get_devname(ns));
	return -ENOENT;
}

static int open_path(struct cmd_ctx *cc, struct check_params *p,
		     struct target *t, const struct stat *st, bool writable)
{
	unsigned flags = writable ? PMEMCTL_MEDIA_WRITE : PMEMCTL_MEDIA_EXCL;
	struct pmemctl_media *whole = NULL;
	uint64_t size;
	int rc;

	if (S_ISREG(st->st_mode)) {
		rc = writable ? cmd_lock_platform_of(cc, t->name, &t->lock) : 0;
		if (rc)
			return rc;
		struct cmd_window w = {
			.offset_opt = "--offset", .size_opt = "--size",
			.offset = p->offset, .size = p->size,
			.size_given = p->size_seen,
		};

		rc = cmd_file_window(cc, t->name, (uint64_t)st->st_size, &w,
				     &size);
		if (rc)
			return rc;
		rc = pmemctl_media_open_file(cc->ctx, t->name, p->offset,
					     size, flags, &t->media);
		if (rc || p->offset_seen || p->size_seen)
			return rc;
		return cmd_open_pool(&t->media);
	}
	if (!S_ISBLK(st->st_mode)) {
		cmd_error(cc, "%s: not a namespace, image file or block device",
			  t->name);
		return -ENOTBLK;
	}
	rc = pmemctl_media_open_blockdev(cc->ctx, t->name,
					 flags | PMEMCTL_MEDIA_EXCL, &whole);
	if (rc || (!p->offset_seen && !p->size_seen)) {
		t->media = whole;
		return rc;
	}
	size = pmemctl_media_size(whole);
	size = p->size_seen ? p->size :
	       p->offset < size ? size - p->offset : 0;
	rc = pmemctl_media_new_slice(whole, p->offset, size, &t->media);
	pmemctl_media_close(whole);
	return rc;
}

static int open_other(struct cmd_ctx *cc, struct check_params *p,
		      struct target *t)
{
	bool writable = p->repair && !p->dry_run;
	struct stat st;

	if (stat(t->name, &st) == 0)
		return open_path(cc, p, t, &st, writable);
	if (!strchr(t->name, '/') && cmd_is_namespace_name(t->name))
		return open_namespace(cc, p, t, writable);
	cmd_error(cc, "%s: no such file, block device or namespace", t->name);
	return -ENOENT;
}

static int open_target(struct cmd_ctx *cc, struct check_params *p,
		       struct target *t)
{
	uint8_t uu[16];
	int rc;

	/* a usage error before anything is opened (or switched to raw) */
	if (p->uuid && uuid_parse(p->uuid, uu) != 0) {
		cmd_error(cc, "--uuid '%s' is not a uuid", p->uuid);
		return -EINVAL;
	}
	rc = open_live_dev(cc, p, t);
	if (rc > 0) {
		pmemctl_bus_close(t->bus);
		t->bus = NULL;
		rc = open_other(cc, p, t);
	}
	if (p->uuid) {
		t->has_uuid = true;
		memcpy(t->uuid, uu, sizeof(uu));
	}
	return rc;
}

/*
 * Closing a live namespace's media gives it back to its driver: when that
 * fails (the library says what to do), exit 8.
 */
static int close_media(struct target *t)
{
	int rc = pmemctl_media_release(t->media);

	t->media = NULL;
	return rc ? FSCK_OPERATIONAL : FSCK_OK;
}

static int close_target(struct target *t)
{
	int code = close_media(t);

	pmemctl_bus_close(t->bus);
	pmemctl_platform_unlock(t->lock);
	return code;
}

/* ---- signals: held while a target is open, polled by the check --------- */

/* SIGINT and SIGTERM, unless ignored (nohup, a shell's background job) */
static void stop_signals(sigset_t *set)
{
	static const int sigs[] = { SIGINT, SIGTERM };
	struct sigaction sa;

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], NULL, &sa) == 0 &&
		    sa.sa_handler != SIG_IGN)
			sigaddset(set, sigs[i]);
}

static void hold_signals(sigset_t *old)
{
	sigset_t set;

	stop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, old);
}

/* @arg: the stop_signals() of this check, built once (it is polled often) */
static bool signalled(void *arg)
{
	const sigset_t *set = arg;
	sigset_t pending;

	return sigpending(&pending) == 0 &&
	       ((sigismember(set, SIGINT) && sigismember(&pending, SIGINT)) ||
		(sigismember(set, SIGTERM) && sigismember(&pending, SIGTERM)));
}

/* Take the held signals (they asked to stop, which is done) and unhold. */
static void release_signals(const sigset_t *old)
{
	struct timespec now = { 0, 0 };
	sigset_t set;

	stop_signals(&set);
	while (sigtimedwait(&set, NULL, &now) > 0)
		;
	sigprocmask(SIG_SETMASK, old, NULL);
}

/* ---- output ------------------------------------------------------------- */

static const char *tag(const struct pmemctl_btt_finding *f,
		       const struct check_params *p)
{
	if (f->repaired)
		return " [repaired]";
	if (!f->repairable)
		return "";
	if (p->dry_run)
		return " [would repair]";
	return p->repair ? " [not repaired]" : " [repairable]";
}

static void print_findings(const struct pmemctl_btt_check_result *r,
			   const struct check_params *p, const char *name,
			   const char *prefix)
{
	for (unsigned i = 0; i < r->nfindings; i++) {
		const struct pmemctl_btt_finding *f = &r->findings[i];

		printf("%s: %sarena %u: %s: %s%s\n", name, prefix, f->arena,
		       pmemctl_btt_finding_name(f->kind), f->detail,
		       tag(f, p));
	}
	if (r->unlisted)
		printf("%s: %s%llu more problem(s) of the same kinds not listed\n",
		       name, prefix, (unsigned long long)r->unlisted);
}

static void print_header(const struct pmemctl_btt_check_result *r, const char *name)
{
	char uu[40];

	if (!r->narenas || !r->arenas[0].valid) {
		printf("%s: BTT %u.%u at %#llx: no valid info block for the first arena\n",
		       name, r->version_major, r->version_minor,
		       (unsigned long long)r->start);
		return;
	}
	uuid_unparse(r->uuid, uu);
	printf("%s: BTT %u.%u at %#llx: %u arena%s, %u-byte sectors, %llu blocks, uuid %s\n",
	       name, r->version_major, r->version_minor,
	       (unsigned long long)r->start, r->narenas,
	       r->narenas == 1 ? "" : "s", r->external_lbasize,
	       (unsigned long long)r->external_nlba, uu);
}

static void print_summary(const struct pmemctl_btt_check_result *r,
			  const struct check_params *p, const char *name)
{
	unsigned long long total = (unsigned long long)r->total;

	if (!total)
		printf("%s: clean\n", name);
	else if (r->recheck && r->recheck->total)
		printf("%s: repaired %u of %llu problem(s); %llu left after re-check\n",
		       name, r->repaired, total,
		       (unsigned long long)r->recheck->total);
	else if (r->recheck)
		printf("%s: repaired %u problem(s); re-check clean\n", name,
		       r->repaired);
	else if (p->dry_run)
		printf("%s: %llu problem(s); --repair would fix %u (dry run: nothing written)\n",
		       name, total, r->repairable);
	else if (r->repairable && !p->repair)
		printf("%s: %llu problem(s), %u repairable: run with --repair\n",
		       name, total, r->repairable);
	else
		printf("%s: %llu problem(s), none repairable\n", name, total);
}

static void print_text(const struct pmemctl_btt_check_result *r,
		       const struct check_params *p, const char *name)
{
	if (!p->quiet)
		print_header(r, name);
	print_findings(r, p, name, "");
	if (r->recheck)
		print_findings(r->recheck, p, name, "re-check: ");
	if (!p->quiet)
		print_summary(r, p, name);
}

static struct json_object *loc_json(const struct pmemctl_btt_finding *f, bool human)
{
	struct json_object *o = json_object_new_object();

	if (f->has & PMEMCTL_BTT_LOC_OFFSET)
		json_add(o, "offset", json_hex(f->offset, human));
	if (f->has & PMEMCTL_BTT_LOC_LBA)
		json_add(o, "lba", json_u64(f->lba));
	if (f->has & PMEMCTL_BTT_LOC_LANE)
		json_add(o, "lane", json_u64(f->lane));
	if (f->has & PMEMCTL_BTT_LOC_BLOCK)
		json_add(o, "block", json_u64(f->block));
	if (f->has & PMEMCTL_BTT_LOC_COUNT)
		json_add(o, "count", json_u64(f->count));
	return o;
}

static struct json_object *finding_json(const struct pmemctl_btt_finding *f,
					bool human)
{
	struct json_object *o = json_object_new_object();

	json_add(o, "kind", json_object_new_string(
			 pmemctl_btt_finding_name(f->kind)));
	json_add(o, "location", loc_json(f, human));
	json_add(o, "detail", json_object_new_string(f->detail));
	json_add(o, "repairable", json_object_new_boolean(f->repairable));
	json_add(o, "repaired", json_object_new_boolean(f->repaired));
	return o;
}

static struct json_object *arena_json(const struct pmemctl_btt_check_result *r,
				      unsigned i, bool human)
{
	const struct pmemctl_btt_arena_info *a = &r->arenas[i];
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char layout[16];

	json_add(o, "arena", json_u64(i));
	json_add(o, "offset", json_hex(a->offset, human));
	json_add(o, "valid", json_object_new_boolean(a->valid));
	json_add(o, "checked", json_object_new_boolean(a->checked));
	if (a->valid) {
		json_add(o, "size", json_size(a->size, human));
		json_add(o, "dataoff", json_hex(a->dataoff, human));
		json_add(o, "mapoff", json_hex(a->mapoff, human));
		json_add(o, "logoff", json_hex(a->logoff, human));
		json_add(o, "info2off", json_hex(a->info2off, human));
		json_add(o, "nextoff", json_hex(a->nextoff, human));
		json_add(o, "external_lbasize", json_u64(a->external_lbasize));
		json_add(o, "internal_lbasize", json_u64(a->internal_lbasize));
		json_add(o, "external_nlba", json_u64(a->external_nlba));
		json_add(o, "internal_nlba", json_u64(a->internal_nlba));
		json_add(o, "flags", json_hex(a->flags, human));
	}
	if (a->log_index[0] >= 0) {
		snprintf(layout, sizeof(layout), "%d/%d", a->log_index[0],
			 a->log_index[1]);
		json_add(o, "log_layout", json_object_new_string(layout));
	}
	for (unsigned k = 0; k < r->nfindings; k++)
		if (r->findings[k].arena == i)
			json_append(arr,
				finding_json(&r->findings[k], human));
	json_add(o, "problems", json_u64(a->nfindings));
	json_add(o, "findings", arr);
	return o;
}

static struct json_object *result_json(const struct pmemctl_btt_check_result *r,
				       bool human, const char *name)
{
	struct json_object *o = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	char ver[16];

	if (name)
		json_add(o, "target", json_object_new_string(name));
	snprintf(ver, sizeof(ver), "%u.%u", r->version_major,
		 r->version_minor);
	json_add(o, "version", json_object_new_string(ver));
	json_add(o, "offset", json_hex(r->start, human));
	json_add(o, "uuid", json_uuid(r->uuid));
	json_add(o, "parent_uuid", json_uuid(r->parent_uuid));
	json_add(o, "sector_size", json_u64(r->external_lbasize));
	json_add(o, "blocks", json_u64(r->external_nlba));
	for (unsigned i = 0; i < r->narenas; i++)
		json_append(arr, arena_json(r, i, human));
	json_add(o, "arenas", arr);
	json_add(o, "problems", json_u64(r->total));
	json_add(o, "unlisted", json_u64(r->unlisted));
	json_add(o, "repairable", json_u64(r->repairable));
	json_add(o, "repaired", json_u64(r->repaired));
	return o;
}

static const char *verdict_name(int code)
{
	switch (code) {
	case FSCK_OK:
		return "clean";
	case FSCK_CORRECTED:
		return "corrected";
	case FSCK_UNCORRECTED:
		return "uncorrected";
	default:
		return "partially-corrected";
	}
}

static struct json_object *report_json(const struct pmemctl_btt_check_result *r,
				       const struct check_params *p,
				       const char *name, int code)
{
	struct json_object *o = result_json(r, p->human, name);

	if (r->recheck)
		json_add(o, "recheck",
			 result_json(r->recheck, p->human, NULL));
	json_add(o, "result", json_object_new_string(verdict_name(code)));
	json_add(o, "exit_code", json_object_new_int(code));
	return o;
}

static int print_json(const struct pmemctl_btt_check_result *r,
		      const struct check_params *p, const char *name,
		      int code)
{
	struct json_object *o = report_json(r, p, name, code);
	int rc = json_print(stdout, o);

	json_object_put(o);
	return rc;
}

/* ---- the command -------------------------------------------------------- */

static int verdict(const struct pmemctl_btt_check_result *r)
{
	const struct pmemctl_btt_check_result *last = r->recheck ? r->recheck : r;

	return (r->repaired ? FSCK_CORRECTED : 0) |
	       (last->total ? FSCK_UNCORRECTED : 0);
}

static void show_progress(void *arg, uint64_t done, uint64_t total)
{
	progress_update(arg, done, total);
}

/* Check the opened target; its JSON report goes into @all if given. */
static int check_target(struct cmd_ctx *cc, struct check_params *p,
			struct target *t, struct json_object *all)
{
	struct pmemctl_btt_check_opts o = {
		.parent_uuid = t->has_uuid ? t->uuid : NULL,
		.name = t->name,
		.repair = p->repair,
		.dry_run = p->dry_run,
		.rewrite_log = p->rewrite_log,
		.progress = show_progress,
	};
	struct pmemctl_btt_check_result *r = NULL;
	struct progress pg;
	sigset_t stop;
	int rc, code;

	progress_init(&pg, stderr, "checking BTT", !p->quiet);
	o.progress_arg = &pg;
	stop_signals(&stop);
	o.stop = signalled;
	o.stop_arg = &stop;
	rc = pmemctl_btt_check(cc->ctx, t->media, &o, &r);
	progress_done(&pg);
	if (rc)
		return rc == -EINTR ? FSCK_CANCELED : FSCK_OPERATIONAL;
	code = verdict(r);
	if (all) {
		json_append(all, report_json(r, p, t->name, code));
	} else if (p->json && print_json(r, p, t->name, code)) {
		cmd_error(cc, "out of memory printing the result%s",
			  r->repaired ? " (the repairs are on the media)" : "");
		code |= FSCK_OPERATIONAL;
	} else if (!p->json) {
		print_text(r, p, t->name);
	}
	pmemctl_btt_check_free(r);
	return code;
}

static int run(struct cmd_ctx *cc, struct check_params *p, const char *name)
{
	struct target t = { .name = name };
	sigset_t old;
	int rc;

	hold_signals(&old);
	rc = open_target(cc, p, &t);
	if (!rc)
		rc = check_target(cc, p, &t, NULL);
	else
		rc = rc == -EINVAL ? FSCK_USAGE : FSCK_OPERATIONAL;
	rc |= close_target(&t);
	release_signals(&old);
	return rc;
}

/*
 * A raw namespace is left alone by "all" (repairing it could restore a
 * stale BTT over it), but one that still holds BTT metadata of its own
 * may be a sector namespace that lost its first info block: say so.
 */
static int note_raw(struct cmd_ctx *cc, struct target *t)
{
	struct pmemctl_btt_check_opts o = { .parent_uuid = t->uuid, .max_listed = 1 };
	int prio = pmemctl_get_log_priority(cc->ctx);
	struct pmemctl_btt_check_result *r = NULL;
	int rc;

	pmemctl_set_log_priority(cc->ctx, 0);
	rc = pmemctl_btt_check(cc->ctx, t->media, &o, &r);
	pmemctl_set_log_priority(cc->ctx, prio);
	if (rc == -ENODEV)
		return FSCK_OK;
	if (rc) {
		cmd_error(cc, "%s: %s", t->name, rc == -ENOMEM ? "out of memory"
							       : strerror(-rc));
		return FSCK_OPERATIONAL;
	}
	cmd_error(cc, "%s is raw but holds BTT metadata (%llu problem(s); a sector namespace that lost its first info block?): not checked; name it to check it",
		  t->name, (unsigned long long)r->total);
	pmemctl_btt_check_free(r);
	return FSCK_UNCORRECTED;
}

/* One namespace of "all"; *@n counts the checked ones. */
static int check_one(struct cmd_ctx *cc, struct check_params *p,
		     struct pmemctl_namespace *ns, struct json_object *arr,
		     int *n)
{
	enum pmemctl_ns_mode mode = pmemctl_namespace_get_mode(ns);
	struct target t = { .name = pmemctl_namespace_get_devname(ns) };
	int code;

	if (pmemctl_namespace_is_seed(ns) ||
	    (mode != PMEMCTL_NS_MODE_SECTOR && mode != PMEMCTL_NS_MODE_RAW))
		return FSCK_OK;
	if (open_namespace_media(cc, p, ns, &t))
		return FSCK_OPERATIONAL;
	if (mode == PMEMCTL_NS_MODE_RAW) {
		code = note_raw(cc, &t);
	} else {
		code = check_target(cc, p, &t, arr);
		(*n)++;
	}
	return code | close_media(&t);
}

/* "all": every sector namespace, as ndctl check-namespace all. */
static int run_all(struct cmd_ctx *cc, struct check_params *p)
{
	struct json_object *arr = NULL;
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	struct pmemctl_bus *bus;
	int code = 0, n = 0;
	sigset_t old;

	if (refuse_file_options(cc, p))
		return FSCK_USAGE;
	if (p->uuid) {
		cmd_error(cc, "--uuid applies to a single target, not all");
		return FSCK_USAGE;
	}
	if (p->json && !(arr = json_object_new_array())) {
		cmd_error(cc, "out of memory");
		return FSCK_OPERATIONAL;
	}
	if (cmd_open_bus(cc, p->repair && !p->dry_run && cc->platform, &bus)) {
		json_object_put(arr);
		return FSCK_OPERATIONAL;
	}
	hold_signals(&old);
	pmemctl_region_foreach(bus, r)
		pmemctl_namespace_foreach(r, ns)
			if (!(code & FSCK_CANCELED))
				code |= check_one(cc, p, ns, arr, &n);
	release_signals(&old);
	pmemctl_bus_close(bus);
	if (arr && json_print(stdout, arr)) {
		cmd_error(cc, "out of memory printing the results");
		code |= FSCK_OPERATIONAL;
	}
	json_object_put(arr);
	if (!p->quiet)
		fprintf(stderr, "checked %d namespace%s\n", n, n == 1 ? "" : "s");
	return code;
}

int cmd_check_btt(int argc, char **argv, struct cmd_ctx *cc)
{
	struct check_params p = { 0 };
	struct opt opts[] = {
		OPT_BOOLEAN('R', "repair", &p.repair,
			    "fix what can be fixed safely, then re-check"),
		OPT_BOOLEAN(0, "dry-run", &p.dry_run,
			    "with --repair: say what would change, write nothing"),
		OPT_BOOLEAN('L', "rewrite-log", &p.rewrite_log,
			    "with --repair: convert a 0/2 flog to the 0/1 layout"),
		OPT_BOOLEAN('f', "force", &p.force,
			    "live kernel: disable an enabled namespace for the check"),
		OPT_BOOLEAN('j', "json", &p.json, "report as JSON"),
		OPT_BOOLEAN('u', "human", &p.human,
			    "JSON offsets and sizes as strings"),
		OPT_COUNT('v', "verbose", &p.verbose, "describe each pass"),
		OPT_BOOLEAN('q', "quiet", &p.quiet,
			    "no progress bar, header or summary"),
		{ OPT_SIZE, 0, "offset", &p.offset, "OFF",
		  "the BTT namespace starts OFF bytes into the file",
		  &p.offset_seen, ARG_SIZE },
		{ OPT_SIZE, 0, "size", &p.size, "SIZE",
		  "the namespace is SIZE bytes (default: to the end)",
		  &p.size_seen, ARG_SIZE },
		OPT_STR_OF(0, "uuid", &p.uuid, "UUID",
			   "namespace uuid the info blocks' parent_uuid must match",
			   ARG_UUID),
		OPT_OPERANDS(ARG_NAMESPACE | ARG_ALL | ARG_FILE),
		OPT_LAST,
	};
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl check-btt <namespaceX.Y|all|FILE|BLOCKDEV> [<options>]");

	if (rc >= 0)
		return rc == EXIT_USAGE ? FSCK_USAGE : rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc != 1) {
		cmd_error(cc, "expected one namespace (or all), image file or block device");
		return FSCK_USAGE;
	}
	if (p.rewrite_log && !p.repair) {
		cmd_error(cc, "--rewrite-log also requires --repair");
		return FSCK_USAGE;
	}
	/* --dry-run alone: plan the repairs without making them */
	if (p.dry_run)
		p.repair = true;
	if (!strcmp(argv[0], "all"))
		return run_all(cc, &p);
	return run(cc, &p, argv[0]);
}
