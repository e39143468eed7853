/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PMEMCTL_CMD_H
#define PMEMCTL_CMD_H

#include <stdarg.h>
#include <stdbool.h>

#include <pmemctl/libpmemctl.h>
#include "util/options.h"

/*
 * Exit codes (documented in pmemctl(1)); check-btt uses fsck(8) codes
 * instead (pmemctl-check-btt(1)).
 */
enum cmd_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* operation failed */
	EXIT_USAGE = 2,		/* bad option or argument */
	EXIT_NOT_FOUND = 3,	/* no such platform, dimm, region, namespace */
	EXIT_REFUSED = 4,	/* would destroy data without --force; busy */
	EXIT_CORRUPT = 5,	/* invalid or corrupt media */
	EXIT_NO_SPACE = 6,	/* not enough free capacity or label slots */
};

/* Per-invocation state; nothing here is global. */
struct cmd_ctx {
	struct pmemctl_ctx *ctx;
	const char *prog;	/* "pmemctl <command>" for messages */
	const char *cmd;	/* the command name */
	const char *platform;	/* --platform / PMEMCTL_PLATFORM, or NULL */
	const char *page;	/* its man page: the command, or the aliased one */
	const struct opt *globals; /* options that go before the command */
};

typedef int (*cmd_fn)(int argc, char **argv, struct cmd_ctx *cc);

struct cmd_struct {
	const char *name;
	cmd_fn fn;
	const char *summary;
};

void cmd_error(struct cmd_ctx *cc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cmd_exit_code(int rc);
/* parse options; returns -1 to go on, else the exit code to return */
int cmd_parse(struct cmd_ctx *cc, int *argc, char ***argv,
	      const struct opt *opts, const char *usage);
/* -v: info messages; -vv: debug */
void cmd_set_verbose(struct cmd_ctx *cc, int verbose);
/*
 * Show pmemctl-@page(1) (pmemctl(1) for NULL) with man: from
 * PMEMCTL_MAN_DIR, the build tree when running uninstalled, or the
 * installed mandir; when man or the page is missing, print the page's
 * text built into pmemctl instead.
 */
int cmd_show_man_page(struct cmd_ctx *cc, const char *page);
/* The platform with every region read (pmemctl_bus_scan()). */
int cmd_open_bus(struct cmd_ctx *cc, bool writable, struct pmemctl_bus **bus);
/* The platform, its regions read on first use: for one named namespace. */
int cmd_open_bus_lazy(struct cmd_ctx *cc, bool writable,
		      struct pmemctl_bus **bus);
/* "all", "nmemN" or "N" */
bool cmd_match_dimm(struct pmemctl_dimm *dimm, const char *spec);
bool cmd_match_region(struct pmemctl_region *region, const char *spec);
bool cmd_match_namespace(struct pmemctl_namespace *ns, const char *spec);
/*
 * The namespace named "namespaceX.Y" or "X.Y", reading only its region;
 * an idle seed only with @seed.  -ENOENT (no message: the caller says
 * what it looked for) or another -errno the library has reported.
 */
int cmd_find_namespace(struct pmemctl_bus *bus, const char *name, bool seed,
		       struct pmemctl_namespace **ns);

/* "namespaceX.Y" or "X.Y" */
bool cmd_is_namespace_name(const char *s);
/*
 * Take the lock of the platform an image file belongs to (named by
 * --platform, or the one in the file's directory); none if it belongs to
 * none.  Release with pmemctl_platform_unlock().
 */
int cmd_lock_platform_of(struct cmd_ctx *cc, const char *path,
			 struct pmemctl_platform_lock **lock);

/*
 * A window into a file (or, with @device, a block device) of @fsize bytes:
 * @offset (option @offset_opt) and, when @size_given, @size bytes (option
 * @size_opt), else to the end.
 */
struct cmd_window {
	const char *offset_opt, *size_opt;
	uint64_t offset, size;
	bool size_given;
	bool device;
};

/* The window's length in *@len, or -EINVAL with a message if it does not fit. */
int cmd_file_window(struct cmd_ctx *cc, const char *name, uint64_t fsize,
		    const struct cmd_window *w, uint64_t *len);

/*
 * When *@media (a whole regular file) is a libpmemblk pool, replace it by
 * the view of the pool's BTT (pmemctl_media_open_pmemblk()); a broken
 * pool is an error, and then *@media is closed and NULL.  Nothing changes
 * for other files.
 */
int cmd_open_pool(struct pmemctl_media **media);
/* write(2) all of @buf to @fd: 0 or -errno */
int cmd_write_all(int fd, const void *buf, size_t len);

int cmd_list(int argc, char **argv, struct cmd_ctx *cc);
int cmd_platform(int argc, char **argv, struct cmd_ctx *cc);
int cmd_init_labels(int argc, char **argv, struct cmd_ctx *cc);
int cmd_read_labels(int argc, char **argv, struct cmd_ctx *cc);
int cmd_write_labels(int argc, char **argv, struct cmd_ctx *cc);
int cmd_zero_labels(int argc, char **argv, struct cmd_ctx *cc);
int cmd_check_labels(int argc, char **argv, struct cmd_ctx *cc);
int cmd_check_btt(int argc, char **argv, struct cmd_ctx *cc);
int cmd_create_namespace(int argc, char **argv, struct cmd_ctx *cc);
int cmd_destroy_namespace(int argc, char **argv, struct cmd_ctx *cc);
int cmd_enable_disable(int argc, char **argv, struct cmd_ctx *cc);
int cmd_read_infoblock(int argc, char **argv, struct cmd_ctx *cc);
int cmd_write_infoblock(int argc, char **argv, struct cmd_ctx *cc);
int cmd_read_namespace(int argc, char **argv, struct cmd_ctx *cc);
int cmd_write_namespace(int argc, char **argv, struct cmd_ctx *cc);

#endif
