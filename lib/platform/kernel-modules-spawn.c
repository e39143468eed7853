// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Module loading and udev settling for pmemctl.static (kernel.h).  A
 * static glibc can dlopen() libkmod and libudev only when the system's
 * glibc is the very one it was built with, so pmemctl.static runs the
 * programs the system itself uses for these ends, and only when needed:
 * the kernel's own modprobe (/proc/sys/kernel/modprobe, the program
 * request_module() runs) as "modprobe -q -b -- ALIAS" when a bind found no
 * driver, and "udevadm settle" when udevd runs.  Their standard streams
 * are /dev/null, so pmemctl's output stays its own; a failure is one line
 * through the logger.
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel.h"

extern char **environ;

static int spawn_setup(posix_spawn_file_actions_t *fa, posix_spawnattr_t *sa)
{
	sigset_t none, all;
	int rc = 0;

	sigemptyset(&none);
	sigfillset(&all);
	for (int fd = 0; !rc && fd <= 2; fd++)
		rc = posix_spawn_file_actions_addopen(fa, fd, "/dev/null",
						      fd ? O_WRONLY : O_RDONLY,
						      0);
	/* not the caller's blocked signals (a check's stop poll) */
	rc = rc ?: posix_spawnattr_setsigmask(sa, &none);
	rc = rc ?: posix_spawnattr_setsigdefault(sa, &all);
	rc = rc ?: posix_spawnattr_setflags(sa, POSIX_SPAWN_SETSIGMASK |
						    POSIX_SPAWN_SETSIGDEF);
	return -rc;
}

/*
 * Run @argv (@argv[0] searched in PATH when it has no '/') and wait for
 * it: its exit status, 128 + the signal that killed it, or -errno when it
 * could not be run.
 */
static int run_quiet(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	int rc, status;
	pid_t pid;

	rc = -posix_spawn_file_actions_init(&fa);
	if (rc)
		return rc;
	rc = -posix_spawnattr_init(&sa);
	if (!rc) {
		rc = spawn_setup(&fa, &sa);
		rc = rc ?: -posix_spawnp(&pid, argv[0], &fa, &sa, argv,
					 environ);
		posix_spawnattr_destroy(&sa);
	}
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return rc;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

/* The program the kernel runs for request_module(); /sbin/modprobe if unset. */
static void modprobe_path(char *path, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/modprobe", "re");
	bool ok = f && fgets(path, len, f);

	if (f)
		fclose(f);
	path[ok ? strcspn(path, "\n") : 0] = '\0';
	if (!path[0])
		snprintf(path, len, "/sbin/modprobe");
}

bool kernel_load_modules(struct pmemctl_ctx *ctx, const char *alias)
{
	char path[PATH_MAX], name[SYSFS_ATTR_MAX];
	char *argv[] = { path, (char *)"-q", (char *)"-b", (char *)"--",
			 name, NULL };
	int rc;

	modprobe_path(path, sizeof(path));
	snprintf(name, sizeof(name), "%s", alias);
	rc = run_quiet(argv);
	if (rc < 0)
		info(ctx, "cannot run %s (%s): not loading %s", path,
		     strerror(-rc), alias);
	else if (rc)
		info(ctx, "%s -q -b -- %s exited with status %d", path, alias,
		     rc);
	return rc == 0;
}

void kernel_udev_settle(long timeout_ms)
{
	char timeout[32];
	char *argv[] = { (char *)"udevadm", (char *)"settle", timeout, NULL };

	if (access("/run/udev/control", F_OK) != 0)
		return;
	snprintf(timeout, sizeof(timeout), "--timeout=%ld",
		 (timeout_ms + 999) / 1000);
	(void)run_quiet(argv);
}
