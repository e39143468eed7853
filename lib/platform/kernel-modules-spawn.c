// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Module loading and udev settling for pmemctl.static (kernel.h).  A
 * static glibc can dlopen() libkmod and libudev only when the system's
 * glibc is the very one it was built with, so pmemctl.static does what
 * they would without them, at the same moments:
 *
 *  - modules: the kernel's own modprobe (the absolute path in
 *    /proc/sys/kernel/modprobe, the program request_module() runs; empty
 *    means module autoloading is off), as "modprobe -q -b -- MODALIAS",
 *    its standard streams on /dev/null and in a process group of its own,
 *    so a terminal's ^C reaches pmemctl (which may be holding it until a
 *    check is cleaned up), not a half-done module load.  Whether a module
 *    was loaded is whether /proc/modules grew, as libkmod's
 *    KMOD_PROBE_FAIL_ON_LOADED tells libpmemctl.
 *  - udev: its queue is empty when /run/udev/queue does not exist, which
 *    is all libudev's udev_queue_get_queue_is_empty() checks.
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
	sigset_t none;
	int rc = 0;

	sigemptyset(&none);
	for (int fd = 0; !rc && fd <= 2; fd++)
		rc = posix_spawn_file_actions_addopen(fa, fd, "/dev/null",
						      fd ? O_WRONLY : O_RDONLY,
						      0);
	/*
	 * Not the caller's blocked signals (a check's stop poll); ignored
	 * ones stay ignored (nohup), as across any exec.
	 */
	rc = rc ?: posix_spawnattr_setsigmask(sa, &none);
	rc = rc ?: posix_spawnattr_setpgroup(sa, 0);
	rc = rc ?: posix_spawnattr_setflags(sa, POSIX_SPAWN_SETSIGMASK |
						    POSIX_SPAWN_SETPGROUP);
	return -rc;
}

/*
 * Run @argv (@argv[0] an absolute path) and wait for it: its exit status,
 * 128 + the signal that killed it, or -errno when it could not be run.  A
 * caller that ignores SIGCHLD has its children reaped for it: the status
 * is then unknown, reported as 0.
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
		rc = rc ?: -posix_spawn(&pid, argv[0], &fa, &sa, argv, environ);
		posix_spawnattr_destroy(&sa);
	}
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return rc;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == ECHILD)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

/*
 * The program the kernel runs for request_module(): /sbin/modprobe when
 * the kernel does not say (no such file); "" when autoloading is off.
 */
static void modprobe_path(char *path, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/modprobe", "re");

	if (!f) {
		snprintf(path, len, "/sbin/modprobe");
		return;
	}
	if (!fgets(path, len, f))
		path[0] = '\0';
	fclose(f);
	path[strcspn(path, "\n")] = '\0';
}

/* Lines in /proc/modules (one per loaded module), or -1. */
static long modules_loaded(void)
{
	FILE *f = fopen("/proc/modules", "re");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

bool kernel_load_modules(struct pmemctl_ctx *ctx, const char *alias)
{
	char path[PATH_MAX], name[SYSFS_ATTR_MAX];
	char *argv[] = { path, (char *)"-q", (char *)"-b", (char *)"--",
			 name, NULL };
	long before;
	int rc;

	modprobe_path(path, sizeof(path));
	if (path[0] != '/') {
		info(ctx, "module autoloading is off (/proc/sys/kernel/modprobe is \"%s\"): not loading %s",
		     path, alias);
		return false;
	}
	snprintf(name, sizeof(name), "%s", alias);
	before = modules_loaded();
	rc = run_quiet(argv);
	if (rc < 0)
		info(ctx, "running %s: %s: not loading %s", path,
		     strerror(-rc), alias);
	else if (rc)
		info(ctx, "%s -q -b -- %s: exit status %d", path, alias, rc);
	if (before < 0)
		return rc == 0;
	return modules_loaded() > before;
}

void kernel_udev_settle(long timeout_ms)
{
	long end;

	if (access("/run/udev/control", F_OK) != 0)
		return;
	for (end = kernel_now_ms() + timeout_ms;
	     access("/run/udev/queue", F_OK) == 0 && kernel_now_ms() < end;)
		kernel_pause_ms();
}
