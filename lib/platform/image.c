// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Image platforms: a directory whose platform.json lists DIMM backing files
 * laid out as QEMU's file-backed nvdimm (formats.md E.1): media from offset
 * 0, the label area in the last label_size bytes, and
 * pmem_size = ALIGN_DOWN(file_size - label_size, align).  Each DIMM's NFIT
 * identity follows from its QEMU slot (formats.md E.2).
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

#define PLATFORM_FORMAT 1
#define PLATFORM_MAX_DIMMS 32
#define LABEL_SIZE_MAX (64ULL << 20)
#define QEMU_SERIAL_BASE 0x123456u
#define QEMU_VENDOR 0x8086
#define QEMU_DEVICE 0x0001
#define QEMU_REVISION 0x0001

struct image_dimm_desc {
	unsigned slot;
	char *image;
	uint64_t file_size;
	uint64_t label_size;
	uint64_t align;
};

static uint64_t pmem_size_of(const struct image_dimm_desc *d)
{
	if (d->file_size <= d->label_size)
		return 0;
	return ALIGN_DOWN(d->file_size - d->label_size, d->align);
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

static int validate_desc(struct pmemctl_ctx *ctx, const char *what,
			 const struct image_dimm_desc *d)
{
	if (d->label_size < QEMU_MIN_LABEL_SIZE) {
		err(ctx, "%s: label size %llu is below QEMU's minimum of 128 KiB",
		    what, (unsigned long long)d->label_size);
		return -EINVAL;
	}
	if (d->label_size > LABEL_SIZE_MAX) {
		err(ctx, "%s: label size %llu exceeds the 64 MiB maximum", what,
		    (unsigned long long)d->label_size);
		return -EINVAL;
	}
	if (!is_pow2(d->align) || d->align < SZ_4K) {
		err(ctx, "%s: alignment %llu is not a power of two >= 4 KiB",
		    what, (unsigned long long)d->align);
		return -EINVAL;
	}
	if (d->file_size % d->align) {
		err(ctx, "%s: image size %llu is not a multiple of the %llu-byte alignment",
		    what, (unsigned long long)d->file_size,
		    (unsigned long long)d->align);
		return -EINVAL;
	}
	if (pmem_size_of(d) == 0) {
		err(ctx, "%s: image of %llu bytes leaves no room for media beside a %llu-byte label area",
		    what, (unsigned long long)d->file_size,
		    (unsigned long long)d->label_size);
		return -EINVAL;
	}
	return 0;
}

/* ---- platform.json ------------------------------------------------------ */

/* rename(2) that never replaces @to (where the file system can promise it) */
static int move_no_replace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* no RENAME_NOREPLACE here: the caller checked @to is absent */
	return rename(from, to) == 0 ? 0 : -errno;
}

static int print_description(FILE *f, const struct image_dimm_desc *descs,
			     unsigned n)
{
	int rc = fprintf(f, "{\n  \"pmemctl_platform\": %d,\n  \"dimms\": [",
			 PLATFORM_FORMAT) < 0;

	for (unsigned i = 0; i < n && !rc; i++) {
		rc = fprintf(f, "%s\n    {\n      \"slot\": %u,\n      \"image\": ",
			     i ? "," : "", descs[i].slot) < 0;
		rc = rc || pj_write_string(f, descs[i].image);
		rc = rc || fprintf(f, ",\n      \"size\": %llu,\n      \"label_size\": %llu,\n      \"align\": %llu\n    }",
				   (unsigned long long)descs[i].file_size,
				   (unsigned long long)descs[i].label_size,
				   (unsigned long long)descs[i].align) < 0;
	}
	return rc || fprintf(f, "\n  ]\n}\n") < 0 ? -EIO : 0;
}

/*
 * Write platform.json through a fresh temporary file (mkstemp: no existing
 * name is ever truncated) and move it into place without replacing a
 * platform.json another process may have made meanwhile.  Printed by
 * hand, not by json-c, whose serializer can drop text when memory runs
 * short: the description is whole or not written.
 */
static int write_description(struct pmemctl_ctx *ctx, const char *dir,
			     const struct image_dimm_desc *descs, unsigned n)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *f = NULL;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, PLATFORM_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, PLATFORM_FILE);
	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot write the platform description: %s", path,
		    strerror(errno));
		return rc;
	}
	if (fchmod(fd, 0644) < 0)
		rc = -errno;
	else if (!(f = fdopen(fd, "w")))
		rc = -errno;
	rc = rc ?: print_description(f, descs, n);
	if (!rc && (fflush(f) != 0 || fsync(fd) < 0))
		rc = errno ? -errno : -EIO;
	if ((f ? fclose(f) : close(fd)) != 0 && !rc)
		rc = -errno;
	if (!rc)
		rc = move_no_replace(tmp, path);
	if (rc) {
		if (rc == -ENOMEM)
			log_oom(ctx, path);
		else
			err(ctx, "%s: cannot write the platform description: %s",
			    path, strerror(-rc));
		unlink(tmp);
	}
	return rc;
}

static int get_u64(const struct pj_doc *doc, const struct pj_node *obj,
		   const char *key, uint64_t *val)
{
	const struct pj_node *v = pj_get(doc, obj, key);

	if (!v || !v->is_u64)
		return -EINVAL;
	*val = v->u64;
	return 0;
}

static int parse_dimm_desc(const struct pj_doc *doc, const struct pj_node *d,
			   struct image_dimm_desc *desc)
{
	const struct pj_node *img = pj_get(doc, d, "image");
	uint64_t slot;

	if (!d || d->type != PJ_OBJECT ||
	    get_u64(doc, d, "slot", &slot) || slot >= PLATFORM_MAX_DIMMS ||
	    get_u64(doc, d, "size", &desc->file_size) ||
	    get_u64(doc, d, "label_size", &desc->label_size) ||
	    get_u64(doc, d, "align", &desc->align) ||
	    !img || img->type != PJ_STRING)
		return -EINVAL;
	desc->slot = (unsigned)slot;
	desc->image = strdup(img->str);
	return desc->image ? 0 : -ENOMEM;
}

static void free_descs(struct image_dimm_desc *descs, unsigned n)
{
	for (unsigned i = 0; descs && i < n; i++)
		free(descs[i].image);
	free(descs);
}

void image_path(const char *dir, const char *image, char *buf, size_t len)
{
	if (image[0] == '/')
		snprintf(buf, len, "%s", image);
	else
		snprintf(buf, len, "%s/%s", dir, image);
}

static int resolve_image(struct pmemctl_ctx *ctx, const char *dir,
			 const char *image, char **out)
{
	char path[PATH_MAX];

	image_path(dir, image, path, sizeof(path));
	*out = strdup(path);
	return *out ? 0 : log_oom(ctx, path);
}

/*
 * One file backs one DIMM: refuse two paths to the same file (one name
 * twice, a hard or symbolic link, a "./" spelling), by device and inode.
 * Paths that cannot be stat()ed are left to the caller's later checks.
 */
static int refuse_shared_files(struct pmemctl_ctx *ctx, const char *where,
			       const char *const *paths, unsigned n)
{
	struct { dev_t dev; ino_t ino; bool ok; } id[PLATFORM_MAX_DIMMS];
	struct stat st;

	for (unsigned i = 0; i < n && i < PLATFORM_MAX_DIMMS; i++) {
		id[i].ok = stat(paths[i], &st) == 0;
		if (!id[i].ok)
			continue;
		id[i].dev = st.st_dev;
		id[i].ino = st.st_ino;
		for (unsigned j = 0; j < i; j++) {
			if (!id[j].ok || id[j].dev != id[i].dev ||
			    id[j].ino != id[i].ino)
				continue;
			err(ctx, "%s: %s and %s are the same file; one image cannot back two DIMMs",
			    where, paths[j], paths[i]);
			return -EEXIST;
		}
	}
	return 0;
}

/* The images of @descs, resolved against @dir, must be distinct files. */
static int refuse_shared_images(struct pmemctl_ctx *ctx, const char *where,
				const char *dir,
				const struct image_dimm_desc *descs, unsigned n)
{
	char *paths[PLATFORM_MAX_DIMMS] = { NULL };
	int rc = 0;

	for (unsigned i = 0; i < n && !rc; i++)
		rc = resolve_image(ctx, dir, descs[i].image, &paths[i]);
	if (!rc)
		rc = refuse_shared_files(ctx, where, (const char *const *)paths,
					 n);
	for (unsigned i = 0; i < n; i++)
		free(paths[i]);
	return rc;
}

/*
 * Read and validate DIR/platform.json.  Anything wrong with its contents
 * is a corrupt description (-EBADMSG), never a usage error.
 */
static int read_description(struct pmemctl_ctx *ctx, const char *dir,
			    struct image_dimm_desc **out, unsigned *nout)
{
	const struct pj_node *root, *dimms, *fmt;
	struct image_dimm_desc *descs;
	char path[PATH_MAX];
	struct pj_doc doc;
	size_t n;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, PLATFORM_FILE);
	if (access(path, F_OK) < 0) {
		err(ctx, "%s: no image platform here (missing %s); create one with 'pmemctl platform create %s'",
		    dir, PLATFORM_FILE, dir);
		return -ENOENT;
	}
	rc = pj_load_file(ctx, path, PLATFORM_FILE_MAX, &doc);
	if (rc)
		return rc == -EINVAL ? -EBADMSG : rc;
	root = &doc.nodes[0];
	fmt = pj_get(&doc, root, "pmemctl_platform");
	dimms = pj_get(&doc, root, "dimms");
	if (!fmt || !fmt->is_u64 || fmt->u64 != PLATFORM_FORMAT ||
	    !dimms || dimms->type != PJ_ARRAY) {
		err(ctx, "%s: not a valid platform description", path);
		pj_free(&doc);
		return -EBADMSG;
	}
	n = dimms->nkids;
	if (n == 0 || n > PLATFORM_MAX_DIMMS) {
		err(ctx, "%s: platform must list 1 to %d DIMMs", path,
		    PLATFORM_MAX_DIMMS);
		pj_free(&doc);
		return -EBADMSG;
	}
	descs = calloc(n, sizeof(*descs));
	if (!descs)
		rc = log_oom(ctx, path);
	for (size_t i = 0; descs && i < n && !rc; i++) {
		rc = parse_dimm_desc(&doc, pj_at(&doc, dimms, (unsigned)i),
				     &descs[i]);
		if (rc == -ENOMEM)
			log_oom(ctx, path);
		else if (rc)
			err(ctx, "%s: DIMM entry %zu is malformed", path, i);
		else if (validate_desc(ctx, path, &descs[i]))
			rc = -EINVAL;
		for (size_t j = 0; !rc && j < i; j++)
			if (descs[j].slot == descs[i].slot) {
				err(ctx, "%s: slot %u is listed twice", path,
				    descs[i].slot);
				rc = -EINVAL;
			}
	}
	pj_free(&doc);
	if (!rc)
		rc = refuse_shared_images(ctx, path, dir, descs, (unsigned)n);
	if (rc) {
		free_descs(descs, (unsigned)n);
		return rc == -ENOMEM ? rc : -EBADMSG;
	}
	*out = descs;
	*nout = (unsigned)n;
	return 0;
}

/* ---- create and adopt --------------------------------------------------- */

/*
 * Use @dir for a new platform, creating it if needed (*made says so, for
 * the undo); it must not hold a platform already.
 */
static int make_platform_dir(struct pmemctl_ctx *ctx, const char *dir,
			     bool *made)
{
	char path[PATH_MAX];
	struct stat st;

	*made = mkdir(dir, 0755) == 0;
	if (!*made && errno != EEXIST) {
		int rc = -errno;

		err(ctx, "%s: cannot create directory: %s", dir,
		    strerror(errno));
		return rc;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		err(ctx, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, PLATFORM_FILE);
	if (access(path, F_OK) == 0) {
		err(ctx, "%s: already holds a platform; remove it first", dir);
		return -EEXIST;
	}
	return 0;
}

/* Undo a failed create: remove exactly what it made, nothing else. */
static void unmake_platform(const char *dir, bool made_dir,
			    const struct image_dimm_desc *descs, unsigned made)
{
	char path[PATH_MAX];

	for (unsigned i = 0; i < made; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, descs[i].image);
		unlink(path);
	}
	if (made_dir)
		rmdir(dir);
}

/* A new sparse image; never touches an existing file (O_EXCL). */
static int create_sparse_image(struct pmemctl_ctx *ctx, const char *path,
			       uint64_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int rc = 0;

	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot create image: %s", path, strerror(errno));
		return rc;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		rc = -errno;
		err(ctx, "%s: cannot size image: %s", path, strerror(errno));
		unlink(path);	/* made just now, by this O_EXCL open */
	}
	close(fd);
	return rc;
}

static int plan_images(struct pmemctl_ctx *ctx, const char *dir,
		       const struct pmemctl_platform_spec *spec, uint64_t align,
		       struct image_dimm_desc *descs)
{
	char name[32];

	for (unsigned i = 0; i < spec->ndimms; i++) {
		snprintf(name, sizeof(name), "nmem%u.img", i);
		descs[i] = (struct image_dimm_desc){
			.slot = i,
			.image = strdup(name),
			.file_size = ALIGN_UP(spec->dimm_size + spec->label_size,
					      align),
			.label_size = spec->label_size,
			.align = align,
		};
		if (!descs[i].image)
			return log_oom(ctx, dir);
		if (validate_desc(ctx, dir, &descs[i]))
			return -EINVAL;
	}
	return 0;
}

PMEMCTL_EXPORT int
pmemctl_platform_create(struct pmemctl_ctx *ctx, const char *dir,
			const struct pmemctl_platform_spec *spec)
{
	uint64_t align = spec->align ? spec->align : SZ_2M;
	struct image_dimm_desc *descs;
	unsigned made = 0;
	bool made_dir = false;
	char path[PATH_MAX];
	int rc;

	if (spec->ndimms == 0 || spec->ndimms > PLATFORM_MAX_DIMMS) {
		err(ctx, "%s: DIMM count must be 1 to %d", dir,
		    PLATFORM_MAX_DIMMS);
		return -EINVAL;
	}
	/* the image holds media, labels and alignment: none may wrap */
	if (spec->dimm_size > UINT64_MAX - align ||
	    spec->label_size > UINT64_MAX - align - spec->dimm_size) {
		err(ctx, "%s: DIMM size %llu with a %llu-byte label area and %llu-byte alignment is too large",
		    dir, (unsigned long long)spec->dimm_size,
		    (unsigned long long)spec->label_size,
		    (unsigned long long)align);
		return -EINVAL;
	}
	if (spec->dimm_size == 0 || spec->dimm_size % align) {
		err(ctx, "%s: DIMM size %llu is not a non-zero multiple of %llu bytes (did you mean --dimm-size=%llu?)",
		    dir, (unsigned long long)spec->dimm_size,
		    (unsigned long long)align,
		    (unsigned long long)ALIGN_UP(spec->dimm_size ? spec->dimm_size : 1, align));
		return -EINVAL;
	}
	descs = calloc(spec->ndimms, sizeof(*descs));
	if (!descs)
		return log_oom(ctx, dir);
	rc = plan_images(ctx, dir, spec, align, descs);
	rc = rc ?: make_platform_dir(ctx, dir, &made_dir);
	for (unsigned i = 0; !rc && i < spec->ndimms; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, descs[i].image);
		rc = create_sparse_image(ctx, path, descs[i].file_size);
		made += !rc;
	}
	rc = rc ?: write_description(ctx, dir, descs, spec->ndimms);
	if (rc)
		unmake_platform(dir, made_dir, descs, made);
	free_descs(descs, spec->ndimms);
	return rc;
}

PMEMCTL_EXPORT int pmemctl_platform_adopt(struct pmemctl_ctx *ctx,
					  const char *dir,
					  const char *const *images,
					  unsigned nimages,
					  uint64_t label_size, uint64_t align)
{
	struct image_dimm_desc *descs;
	bool made_dir = false;
	int rc = 0;

	if (nimages == 0 || nimages > PLATFORM_MAX_DIMMS) {
		err(ctx, "%s: image count must be 1 to %d", dir,
		    PLATFORM_MAX_DIMMS);
		return -EINVAL;
	}
	descs = calloc(nimages, sizeof(*descs));
	if (!descs)
		return log_oom(ctx, dir);
	for (unsigned i = 0; i < nimages && !rc; i++) {
		char *abs = realpath(images[i], NULL);
		struct stat st;

		if (!abs && errno == ENOMEM) {
			rc = log_oom(ctx, images[i]);
			break;
		}
		if (!abs || stat(abs, &st) < 0 || !S_ISREG(st.st_mode)) {
			err(ctx, "%s: not an existing image file", images[i]);
			free(abs);
			rc = -ENOENT;
			break;
		}
		descs[i] = (struct image_dimm_desc){
			.slot = i,
			.image = abs,
			.file_size = (uint64_t)st.st_size,
			.label_size = label_size,
			/* QEMU's default is the page size; 2 MiB keeps fsdax
			 * and devdax usable when the image allows it */
			.align = align ? align :
				 ((uint64_t)st.st_size % SZ_2M ? SZ_4K : SZ_2M),
		};
		rc = validate_desc(ctx, images[i], &descs[i]);
	}
	if (!rc && refuse_shared_files(ctx, dir, images, nimages))
		rc = -EINVAL;
	rc = rc ?: make_platform_dir(ctx, dir, &made_dir);
	rc = rc ?: write_description(ctx, dir, descs, nimages);
	if (rc)
		unmake_platform(dir, made_dir, descs, 0);
	free_descs(descs, nimages);
	return rc;
}

/* ---- open ----------------------------------------------------------------- */

static void identity_from_slot(struct pmemctl_dimm *dimm, unsigned slot)
{
	dimm->handle = slot + 1;
	dimm->phys_id = 0;	/* QEMU leaves the memdev physical id 0 */
	dimm->vendor = QEMU_VENDOR;
	dimm->device = QEMU_DEVICE;
	dimm->revision = QEMU_REVISION;
	dimm->serial = QEMU_SERIAL_BASE + slot;
	dimm->region_offset = 0;
	/* the kernel prints the raw NFIT bytes big-endian: "8680-56341200" */
	snprintf(dimm->unique_id, sizeof(dimm->unique_id), "%04x-%08x",
		 be16toh(htole16(dimm->vendor)), be32toh(htole32(dimm->serial)));
}

/* The image must be a regular file of the size the platform records. */
static int check_image_file(struct pmemctl_ctx *ctx,
			    const struct image_dimm *dimm,
			    const struct image_dimm_desc *d)
{
	struct stat st;

	if (stat(dimm->image_path, &st) < 0)
		return 0;	/* opening it says why */
	if (!S_ISREG(st.st_mode)) {
		err(ctx, "%s: image %s is %s, not an image file",
		    dimm->dimm.devname, dimm->image_path,
		    S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		return -EBADMSG;
	}
	if ((uint64_t)st.st_size != d->file_size) {
		err(ctx, "%s: image %s is %llu bytes but the platform says %llu (truncated or resized image)",
		    dimm->dimm.devname, dimm->image_path,
		    (unsigned long long)st.st_size,
		    (unsigned long long)d->file_size);
		return -EIO;
	}
	return 0;
}

static int open_dimm(struct image_bus *ib, struct image_dimm *dimm,
		     const struct image_dimm_desc *d)
{
	struct pmemctl_bus *bus = &ib->bus;
	unsigned flags = bus->writable ? PMEMCTL_MEDIA_WRITE : 0;
	struct pmemctl_media *file;
	int rc;

	dimm->dimm.bus = bus;
	snprintf(dimm->dimm.devname, sizeof(dimm->dimm.devname), "nmem%u",
		 dimm->dimm.id);
	identity_from_slot(&dimm->dimm, d->slot);
	dimm->slot = d->slot;
	dimm->file_size = d->file_size;
	dimm->dimm.label_size = d->label_size;
	dimm->align = d->align;
	dimm->media_size = pmem_size_of(d);
	rc = resolve_image(bus->ctx, ib->path, d->image, &dimm->image_path);
	if (rc)
		return rc;
	rc = check_image_file(bus->ctx, dimm, d);
	if (rc)
		return rc;
	rc = pmemctl_media_open_file(bus->ctx, dimm->image_path, 0,
				     d->file_size, flags, &file);
	if (rc)
		return rc;
	if (bus->ctx->media_wrap) {
		struct pmemctl_media *wrapped;

		rc = bus->ctx->media_wrap(file, bus->ctx->media_wrap_arg,
					  &wrapped);
		pmemctl_media_close(file);
		if (rc)
			return rc;
		file = wrapped;
	}
	rc = pmemctl_media_new_slice(file, 0, dimm->media_size, &dimm->media);
	if (!rc)
		rc = pmemctl_media_new_slice(file, d->file_size - d->label_size,
					     d->label_size, &dimm->lsa_media);
	pmemctl_media_close(file);	/* the slices hold it */
	return rc;
}

void image_close(struct pmemctl_bus *bus)
{
	struct image_bus *ib = image_bus(bus);

	image_free_regions(bus);
	if (ib->lock_fd >= 0)
		close(ib->lock_fd);
	for (unsigned i = 0; i < bus->ndimms; i++) {
		struct image_dimm *dimm = &ib->dimms[i];

		pmemctl_lsa_free(dimm->lsa);
		pmemctl_media_close(dimm->media);
		pmemctl_media_close(dimm->lsa_media);
		free(dimm->image_path);
	}
	free(ib->dimms);
	free(bus->dimms);
	free(ib->path);
	free(ib);
}

static int cmp_slot(const void *a, const void *b)
{
	const struct image_dimm_desc *x = a, *y = b;

	return (int)x->slot - (int)y->slot;
}

PMEMCTL_EXPORT int pmemctl_bus_open_image(struct pmemctl_ctx *ctx,
					  const char *dir, bool writable,
					  struct pmemctl_bus **out)
{
	struct image_dimm_desc *descs;
	struct pmemctl_bus *bus;
	struct image_bus *ib;
	unsigned n;
	int rc;

	rc = read_description(ctx, dir, &descs, &n);
	if (rc)
		return rc;
	/* QEMU registers NFIT entries, hence nmem and region ids, by slot */
	qsort(descs, n, sizeof(*descs), cmp_slot);
	ib = calloc(1, sizeof(*ib));
	if (!ib) {
		free_descs(descs, n);
		return log_oom(ctx, dir);
	}
	bus = &ib->bus;
	bus->ctx = ctx;
	bus->ops = &image_ops;
	bus->writable = writable;
	ib->lock_fd = -1;
	snprintf(bus->devname, sizeof(bus->devname), "ndbus0");
	ib->path = realpath(dir, NULL);
	if (!ib->path) {
		rc = -errno;
		if (rc == -ENOMEM)
			log_oom(ctx, dir);
		else
			err(ctx, "%s: %s", dir, strerror(-rc));
	} else {
		ib->dimms = calloc(n, sizeof(*ib->dimms));
		bus->dimms = calloc(n, sizeof(*bus->dimms));
		rc = ib->dimms && bus->dimms ? 0 : log_oom(ctx, dir);
	}
	if (!rc && writable)
		rc = platform_lock(ctx, ib->path, &ib->lock_fd);
	for (unsigned i = 0; !rc && i < n; i++) {
		bus->dimms[i] = &ib->dimms[i].dimm;
		bus->dimms[i]->id = i;
		bus->ndimms = i + 1;
		rc = open_dimm(ib, &ib->dimms[i], &descs[i]);
	}
	free_descs(descs, n);
	if (!rc)
		rc = image_scan(bus);
	if (rc) {
		pmemctl_bus_close(bus);
		return rc;
	}
	*out = bus;
	return 0;
}

/* ---- QEMU arguments ------------------------------------------------------- */

static char *qemu_escape(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(2 * n + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		*p++ = *s;
		if (*s == ',')
			*p++ = ',';	/* QEMU option syntax doubles commas */
	}
	*p = '\0';
	return out;
}

static int push_arg(char ***argv, unsigned *argc, char *arg)
{
	char **v;

	if (!arg)
		return -ENOMEM;
	v = realloc(*argv, (*argc + 2) * sizeof(*v));
	if (!v) {
		free(arg);
		return -ENOMEM;
	}
	v[(*argc)++] = arg;
	v[*argc] = NULL;
	*argv = v;
	return 0;
}

static char *fmt(const char *format, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *format, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, format);
	n = vasprintf(&s, format, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}

int image_qemu_args(struct pmemctl_bus *bus, uint64_t ram_size,
		    char ***argv, unsigned *argc)
{
	struct image_bus *ib = image_bus(bus);
	uint64_t maxmem = ram_size;
	int rc;

	if (ram_size < (1ULL << 20) || ram_size % (1ULL << 20)) {
		err(bus->ctx, "guest memory must be a whole number of MiB");
		return -EINVAL;
	}
	for (unsigned i = 0; i < bus->ndimms; i++)
		maxmem += ib->dimms[i].file_size;
	maxmem = ALIGN_UP(maxmem, 1ULL << 30);
	*argv = NULL;
	*argc = 0;
	rc = push_arg(argv, argc, strdup("-machine"));
	rc = rc ?: push_arg(argv, argc, strdup("pc,nvdimm=on"));
	rc = rc ?: push_arg(argv, argc, strdup("-m"));
	/* a bare -m number means MiB to QEMU: always give the unit */
	rc = rc ?: push_arg(argv, argc, fmt("%lluM,slots=%u,maxmem=%lluM",
			      (unsigned long long)(ram_size >> 20), bus->ndimms,
			      (unsigned long long)(maxmem >> 20)));
	for (unsigned i = 0; !rc && i < bus->ndimms; i++) {
		struct image_dimm *d = &ib->dimms[i];
		char *path = qemu_escape(d->image_path);

		rc = path ? push_arg(argv, argc, strdup("-object")) : -ENOMEM;
		rc = rc ?: push_arg(argv, argc,
			fmt("memory-backend-file,id=mem%u,share=on,mem-path=%s,size=%llu,align=%llu",
			    d->slot, path,
			    (unsigned long long)d->file_size,
			    (unsigned long long)d->align));
		rc = rc ?: push_arg(argv, argc, strdup("-device"));
		rc = rc ?: push_arg(argv, argc,
			fmt("nvdimm,memdev=mem%u,id=nvdimm%u,slot=%u,label-size=%llu",
			    d->slot, d->slot, d->slot,
			    (unsigned long long)d->dimm.label_size));
		free(path);
	}
	if (rc) {
		/* all or nothing: no half a command line */
		for (unsigned i = 0; i < *argc; i++)
			free((*argv)[i]);
		free(*argv);
		*argv = NULL;
		*argc = 0;
		if (rc == -ENOMEM)
			log_oom(bus->ctx, bus->devname);
	}
	return rc;
}
