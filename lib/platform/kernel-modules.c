// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Module loading and udev settling for libpmemctl (kernel.h): libkmod
 * when a bind found no driver, libudev when udevd runs, each dlopen()ed
 * only then, so a process start does not load libkmod (nor libcrypto,
 * libzstd and liblzma through it) or libudev.  pmemctl.static links
 * kernel-modules-spawn.c instead.
 */
#include <dlfcn.h>
#include <libkmod.h>
#include <libudev.h>
#include <stdio.h>
#include <unistd.h>

#include "kernel.h"

/* A symbol of a dlopen()ed library, and the function pointer it fills. */
struct dl_sym {
	const char *name;
	void *slot;
};

/*
 * @lib with each of its @n symbols resolved into its slot, or NULL when
 * the library or one of them is missing (nothing is left open).
 */
static void *dl_open_all(const char *lib, const struct dl_sym *syms,
			 size_t n)
{
	void *dl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);

	for (size_t i = 0; dl && i < n; i++) {
		void *fn = dlsym(dl, syms[i].name);

		if (!fn) {
			dlclose(dl);
			return NULL;
		}
		/* POSIX: a function's address fits a data pointer */
		memcpy(syms[i].slot, &fn, sizeof(fn));
	}
	return dl;
}

/* The libkmod calls used, resolved from a dlopen()ed libkmod. */
struct kmod_api {
	void *dl;
	__typeof__(kmod_new) *new_ctx;
	__typeof__(kmod_unref) *unref;
	__typeof__(kmod_module_new_from_lookup) *lookup;
	__typeof__(kmod_list_next) *list_next;
	__typeof__(kmod_module_get_module) *get_module;
	__typeof__(kmod_module_probe_insert_module) *insert;
	__typeof__(kmod_module_get_name) *name;
	__typeof__(kmod_module_unref) *mod_unref;
	__typeof__(kmod_module_unref_list) *unref_list;
};

static bool kmod_open(struct kmod_api *k)
{
	const struct dl_sym syms[] = {
		{ "kmod_new", &k->new_ctx },
		{ "kmod_unref", &k->unref },
		{ "kmod_module_new_from_lookup", &k->lookup },
		{ "kmod_list_next", &k->list_next },
		{ "kmod_module_get_module", &k->get_module },
		{ "kmod_module_probe_insert_module", &k->insert },
		{ "kmod_module_get_name", &k->name },
		{ "kmod_module_unref", &k->mod_unref },
		{ "kmod_module_unref_list", &k->unref_list },
	};

	k->dl = dl_open_all("libkmod.so.2", syms, ARRAY_SIZE(syms));
	return k->dl;
}

/* Insert @list's modules that are not loaded yet; how many were. */
static unsigned insert_modules(struct pmemctl_ctx *ctx, struct kmod_api *k,
			       const char *alias, struct kmod_list *list)
{
	struct kmod_list *it;
	unsigned n = 0;

	for (it = list; it; it = k->list_next(list, it)) {
		struct kmod_module *mod = k->get_module(it);
		int rc = k->insert(mod, KMOD_PROBE_APPLY_BLACKLIST |
				   KMOD_PROBE_FAIL_ON_LOADED, NULL, NULL, NULL,
				   NULL);

		if (rc == 0)
			n++;
		else if (rc < 0 && rc != -EEXIST)
			info(ctx, "%s: loading %s: %s", alias,
			     k->name(mod), strerror(-rc));
		k->mod_unref(mod);
	}
	return n;
}

/*
 * Insert the modules @alias resolves to that are not loaded yet; whether
 * any was.  Failing here is not fatal: the driver may be built in; the
 * bind then says what happened.
 */
bool kernel_load_modules(struct pmemctl_ctx *ctx, const char *alias)
{
	struct kmod_list *list = NULL;
	struct kmod_ctx *kctx = NULL;
	const char *why = "kmod_new() failed";
	struct kmod_api k;
	unsigned n;

	if (kmod_open(&k)) {
		kctx = k.new_ctx(NULL, NULL);
		if (!kctx)
			dlclose(k.dl);
	} else {
		why = dlerror();
	}
	if (!kctx) {
		info(ctx, "libkmod unavailable (%s): not loading %s",
		     why ? why : "unknown", alias);
		return false;
	}
	if (k.lookup(kctx, alias, &list) < 0)
		list = NULL;
	n = insert_modules(ctx, &k, alias, list);
	k.unref_list(list);
	k.unref(kctx);
	dlclose(k.dl);
	return n > 0;
}

/* The libudev calls used, resolved from a dlopen()ed libudev. */
struct udev_api {
	void *dl;
	__typeof__(udev_new) *new_ctx;
	__typeof__(udev_unref) *unref;
	__typeof__(udev_queue_new) *queue_new;
	__typeof__(udev_queue_unref) *queue_unref;
	__typeof__(udev_queue_get_queue_is_empty) *queue_is_empty;
};

/*
 * Only when udevd runs (its control socket): without it nothing is queued
 * to wait for, and process start does not pay for libudev.
 */
static bool udev_open(struct udev_api *u)
{
	const struct dl_sym syms[] = {
		{ "udev_new", &u->new_ctx },
		{ "udev_unref", &u->unref },
		{ "udev_queue_new", &u->queue_new },
		{ "udev_queue_unref", &u->queue_unref },
		{ "udev_queue_get_queue_is_empty", &u->queue_is_empty },
	};

	if (access("/run/udev/control", F_OK) != 0)
		return false;
	u->dl = dl_open_all("libudev.so.1", syms, ARRAY_SIZE(syms));
	return u->dl;
}

void kernel_udev_settle(long timeout_ms)
{
	struct udev_queue *q = NULL;
	struct udev *ud = NULL;
	struct udev_api u;
	long end;

	if (!udev_open(&u))
		return;
	ud = u.new_ctx();
	if (ud)
		q = u.queue_new(ud);
	for (end = kernel_now_ms() + timeout_ms;
	     q && !u.queue_is_empty(q) && kernel_now_ms() < end;)
		kernel_pause_ms();
	if (q)
		u.queue_unref(q);
	if (ud)
		u.unref(ud);
	dlclose(u.dl);
}
