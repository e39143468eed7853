// SPDX-License-Identifier: GPL-2.0-only
/*
 * help and --help: show a man page.  The page file is looked for in
 * PMEMCTL_MAN_DIR (an explicit choice), then in the build tree's
 * Documentation/ when this binary runs from the build tree (so a pmemctl
 * just built shows its own pages), then in the installed mandir, and shown
 * with "man -l FILE".  When no file is there, or man is missing or fails,
 * the page's text is printed instead: it is built into pmemctl from the
 * same AsciiDoc source, so help never depends on man, groff or asciidoctor.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/man-text.h"
#include "config.h"

/* Is this the uninstalled pmemctl in the build tree? */
static bool in_build_tree(void)
{
	size_t n = strlen(PMEMCTL_BUILD_ROOT);
	char exe[PATH_MAX];
	ssize_t len;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0)
		return false;
	exe[len] = '\0';
	return strncmp(exe, PMEMCTL_BUILD_ROOT, n) == 0 && exe[n] == '/';
}

/* The first readable PAGE.1 (or .1.gz) in the search order, into @path. */
static bool find_page_file(const char *page, char *path, size_t len)
{
	static const char *const suffixes[] = { ".1", ".1.gz" };
	const char *env = getenv("PMEMCTL_MAN_DIR");
	char installed[PATH_MAX];
	const char *dirs[3];
	unsigned n = 0;

	if (env && *env)
		dirs[n++] = env;
	if (in_build_tree())
		dirs[n++] = PMEMCTL_BUILD_MAN_DIR;
	snprintf(installed, sizeof(installed), "%s/man1", PMEMCTL_MANDIR);
	dirs[n++] = installed;
	for (unsigned i = 0; i < n; i++)
		for (unsigned s = 0; s < 2; s++) {
			snprintf(path, len, "%s/%s%s", dirs[i], page,
				 suffixes[s]);
			if (access(path, R_OK) == 0)
				return true;
		}
	return false;
}

/* man -l @path: true when man ran and succeeded */
static bool run_man(const char *path)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		execlp("man", "man", "-l", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int cmd_show_man_page(struct cmd_ctx *cc, const char *cmd)
{
	char page[128], path[PATH_MAX];
	const char *text;

	if (cmd)
		snprintf(page, sizeof(page), "pmemctl-%s", cmd);
	else
		snprintf(page, sizeof(page), "pmemctl");
	if (find_page_file(page, path, sizeof(path)) && run_man(path))
		return EXIT_OK;
	text = man_text_find(page);
	if (!text) {
		cmd_error(cc, "no manual page %s(1)", page);
		return EXIT_FAIL;
	}
	if (fputs(text, stdout) < 0 || fflush(stdout) != 0)
		return EXIT_FAIL;
	return EXIT_OK;
}
