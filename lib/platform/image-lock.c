// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Image platform locks.  One writer per platform: an exclusive,
 * non-blocking flock(2) on DIR/platform.json for as long as a writer has
 * the platform open.  Each image file also carries the flock its media
 * takes (media.c), so a writer that reaches an image by its path alone
 * (check-btt FILE --repair) excludes the platform's writers as well.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "pjson.h"

struct pmemctl_platform_lock {
	int fd;
};

int platform_lock(struct pmemctl_ctx *ctx, const char *dir, int *fd)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, PLATFORM_FILE);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int rc = -errno;

		err(ctx, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	err(ctx, "%s: busy: platform is being changed by another process",
	    dir);
	return -EBUSY;
}

static bool same_file(const char *path, const struct stat *file)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == file->st_dev &&
	       st.st_ino == file->st_ino;
}

/*
 * Does DIR/platform.json list @file among its images (1, else 0)?  Only
 * the image names are read: a description that fails other checks still
 * owns them.  Out of memory is -ENOMEM, never "not listed".
 */
static int platform_lists(struct pmemctl_ctx *ctx, const char *dir,
			  const struct stat *file)
{
	const struct pj_node *dimms, *image;
	char path[PATH_MAX];
	struct pj_doc doc;
	int rc, found = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, PLATFORM_FILE);
	if (access(path, F_OK) < 0)
		return 0;
	/* quiet (no ctx): not being a description is an answer here */
	rc = pj_load_file(NULL, path, PLATFORM_FILE_MAX, &doc);
	if (rc == -ENOMEM)
		return log_oom(ctx, path);
	if (rc)
		return 0;
	dimms = pj_get(&doc, &doc.nodes[0], "dimms");
	for (unsigned i = 0; !found && dimms && i < dimms->nkids; i++) {
		image = pj_get(&doc, pj_at(&doc, dimms, i), "image");
		if (!image || image->type != PJ_STRING)
			continue;
		image_path(dir, image->str, path, sizeof(path));
		found = same_file(path, file);
	}
	pj_free(&doc);
	return found;
}

PMEMCTL_EXPORT int
pmemctl_platform_lock_image(struct pmemctl_ctx *ctx, const char *dir,
			    const char *file, struct pmemctl_platform_lock **lock)
{
	struct stat st;
	int fd, rc;

	*lock = NULL;
	if (stat(file, &st) < 0)
		return 0;
	rc = platform_lists(ctx, dir, &st);
	if (rc <= 0)
		return rc;
	rc = platform_lock(ctx, dir, &fd);
	if (!rc) {
		*lock = malloc(sizeof(**lock));
		rc = *lock ? 1 : log_oom(ctx, dir);
	}
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return rc;
	}
	(*lock)->fd = fd;
	return 1;
}

PMEMCTL_EXPORT void pmemctl_platform_unlock(struct pmemctl_platform_lock *lock)
{
	if (!lock)
		return;
	close(lock->fd);
	free(lock);
}
