/* SPDX-License-Identifier: LGPL-2.1-only */
/*
 * libpmemctl: persistent memory (NVDIMM) administration library.
 *
 * Object model: ctx -> bus (one platform: an image directory or the live
 * kernel) -> dimm / region -> namespace.  Handles are opaque and owned by
 * their parent; they stay valid until the bus is closed, except that a
 * change to a region's labels replaces that region's namespace handles
 * (see Provisioning).
 * Every function that can fail returns 0 or a negative errno and logs one
 * message naming the object and the problem through the context's logger.
 */
#ifndef LIBPMEMCTL_H
#define LIBPMEMCTL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pmemctl_ctx;
struct pmemctl_media;
struct pmemctl_bus;
struct pmemctl_dimm;
struct pmemctl_region;
struct pmemctl_namespace;

/* ---- context and logging ---------------------------------------------- */

typedef void (*pmemctl_log_fn)(struct pmemctl_ctx *ctx, int priority,
			       const char *file, int line, const char *fn,
			       const char *format, va_list args);

int pmemctl_new(struct pmemctl_ctx **ctx);
void pmemctl_free(struct pmemctl_ctx *ctx);
void pmemctl_set_log_fn(struct pmemctl_ctx *ctx, pmemctl_log_fn log_fn);
/* syslog-style priority: LOG_ERR (3) .. LOG_DEBUG (7); default LOG_ERR */
void pmemctl_set_log_priority(struct pmemctl_ctx *ctx, int priority);
int pmemctl_get_log_priority(struct pmemctl_ctx *ctx);
void pmemctl_set_userdata(struct pmemctl_ctx *ctx, void *userdata);
void *pmemctl_get_userdata(struct pmemctl_ctx *ctx);

/* ---- media: byte-addressed, bounds-checked access (rw_bytes) ----------- */

enum pmemctl_media_flags {
	PMEMCTL_MEDIA_WRITE = 1 << 0,	/* open for writing */
	/* exclude writers: O_EXCL on block devices; on files opened
	 * read-only, a shared flock(2) */
	PMEMCTL_MEDIA_EXCL = 1 << 1,
	/* pmemctl_media_map_file(): the mapping is persistent memory */
	PMEMCTL_MEDIA_PERSISTENT_MAPPING = 1 << 2,
	/* pmemctl_btt_open(), pmemctl_ns_io_open_media(): each LBA moves
	 * the whole external block, as libpmemblk does (pool files), not
	 * the kernel's 512- or 4096-byte sector */
	PMEMCTL_MEDIA_WHOLE_BLOCK = 1 << 3,
};

/*
 * A byte range [offset, offset + length) of a regular file.  Writers take
 * an exclusive flock(2) on the file (-EBUSY while another process holds
 * one); see PMEMCTL_MEDIA_EXCL for readers.
 */
int pmemctl_media_open_file(struct pmemctl_ctx *ctx, const char *path,
			    uint64_t offset, uint64_t length, unsigned flags,
			    struct pmemctl_media **media);
/* A whole block device (e.g. /dev/pmem0); writers get O_EXCL. */
int pmemctl_media_open_blockdev(struct pmemctl_ctx *ctx, const char *path,
				unsigned flags, struct pmemctl_media **media);
/*
 * A regular file or a device DAX character device (/dev/daxX.Y) mapped
 * shared: @length bytes from offset 0 (0: the whole regular file; a
 * character device needs its size).  Writers take an exclusive flock(2)
 * as pmemctl_media_open_file() does.  pmemctl_media_persist() is msync(2)
 * of the range's pages, unless @flags has PMEMCTL_MEDIA_PERSISTENT_MAPPING:
 * the caller says the mapping is persistent memory (device DAX, a file on
 * fsdax, mapped MAP_SYNC when the file system offers it, or a benchmark's
 * tmpfs file), and persist becomes a CPU cache flush of the range's lines
 * (CLWB, else CLFLUSHOPT, else CLFLUSH, chosen from CPUID; the environment
 * variable PMEMCTL_PMEM_FLUSH=clwb|clflushopt|clflush forces one) and one
 * SFENCE: no system call.  -EOPNOTSUPP: the CPU has no such flush.
 */
int pmemctl_media_map_file(struct pmemctl_ctx *ctx, const char *path,
			   uint64_t length, unsigned flags,
			   struct pmemctl_media **media);
/* A caller-owned memory buffer (tests, fuzzing). */
int pmemctl_media_new_memory(struct pmemctl_ctx *ctx, void *buf,
			     uint64_t length, bool writable,
			     struct pmemctl_media **media);
/* A sub-range view of another media; holds a reference on the parent. */
int pmemctl_media_new_slice(struct pmemctl_media *parent, uint64_t offset,
			    uint64_t length, struct pmemctl_media **media);
void pmemctl_media_close(struct pmemctl_media *media);
/*
 * pmemctl_media_close() that tells whether what opening the media changed
 * was put back (pmemctl_namespace_open_raw() on the live kernel): 0, or
 * -errno when it was not (a message says what to do), also when a slice
 * held the last reference; 0 too when other references remain.
 */
int pmemctl_media_release(struct pmemctl_media *media);
/*
 * A PMDK libpmemblk pool file (pool header "PMEMBLK"): 0 and, in *btt, the
 * media from file offset 4 KiB on, whose BTT 1.1 then sits 4 KiB in like
 * a kernel v1.1 BTT; 1 when @file is not a pool (no signature); a
 * negative errno with a message when the pool is unusable (bad header
 * checksum, multi-part, a pool set file, no BTT laid out yet) or looks like a pool whose
 * signature was damaged (a BTT at 8 KiB, none at 0 or 4 KiB).  *btt holds a reference on
 * @file.
 */
int pmemctl_media_open_pmemblk(struct pmemctl_media *file,
			       struct pmemctl_media **btt);
/*
 * A pool libpmemblk has not written to has no BTT yet (its first write
 * lays one out; until then every block reads as zeroes).  1 when @file is
 * such a pool (any block size), with its block size and the
 * block count its BTT will have; 0 when not (no message); -EBADMSG, with
 * a message, for such a pool too small to hold a BTT of its block size
 * (libpmemblk makes none); a negative errno for an I/O error.
 */
int pmemctl_pmemblk_fresh(struct pmemctl_media *file, uint32_t *bsize,
			  uint64_t *nblock);
/*
 * Lay out such a pool's BTT as libpmemblk's first write would, then open
 * the pool: 0 with *@btt as pmemctl_media_open_pmemblk() gives it, or a
 * negative errno, never > 0.  When the layout was written but the pool
 * then does not open (the media did not keep it): -EIO, and the pool
 * keeps what reached the media (a complete layout reads as before: every
 * block zeroes).
 */
int pmemctl_pmemblk_layout(struct pmemctl_media *file,
			   struct pmemctl_media **btt);

int pmemctl_media_read(struct pmemctl_media *media, uint64_t offset,
		       void *buf, size_t len);
int pmemctl_media_write(struct pmemctl_media *media, uint64_t offset,
			const void *buf, size_t len);
/* Make [offset, offset+len) read back as zeroes; punches holes on files. */
int pmemctl_media_zero(struct pmemctl_media *media, uint64_t offset,
		       uint64_t len);
int pmemctl_media_flush(struct pmemctl_media *media);
/*
 * Make [offset, offset+len) durable before the next step: what a
 * crash-consistent writer orders its steps by (each call is one ordering
 * point).  fdatasync(2) on files and block devices; msync(2) or cache
 * flushes and one fence on mappings (pmemctl_media_map_file()); memory is
 * durable as written.
 */
int pmemctl_media_persist(struct pmemctl_media *media, uint64_t offset,
			  uint64_t len);
uint64_t pmemctl_media_size(struct pmemctl_media *media);
const char *pmemctl_media_name(struct pmemctl_media *media);

/* ---- checksums --------------------------------------------------------- */

/* libnvdimm's Fletcher-64; @le selects little-endian words (on-media). */
uint64_t pmemctl_fletcher64(const void *buf, size_t len, bool le);

/* ---- image platforms --------------------------------------------------- */

struct pmemctl_platform_spec {
	unsigned ndimms;		/* DIMMs to create */
	uint64_t dimm_size;		/* media bytes per DIMM */
	uint64_t label_size;		/* label area bytes (>= 128 KiB) */
	uint64_t align;			/* backend alignment, 0 = 2 MiB */
};

int pmemctl_platform_create(struct pmemctl_ctx *ctx, const char *dir,
			    const struct pmemctl_platform_spec *spec);
/* Describe existing QEMU nvdimm backing files in a new platform DIR. */
int pmemctl_platform_adopt(struct pmemctl_ctx *ctx, const char *dir,
			   const char *const *images, unsigned nimages,
			   uint64_t label_size, uint64_t align);

/*
 * A writer that reaches an image by its path alone takes its platform's
 * lock: when @file is one of the images of the platform in @dir (the same
 * device and inode), lock the platform as its writers do and return 1 and
 * *lock (release it with pmemctl_platform_unlock()); 0 when it is not, or
 * @dir holds no platform; -EBUSY while another process holds the lock.
 */
struct pmemctl_platform_lock;
int pmemctl_platform_lock_image(struct pmemctl_ctx *ctx, const char *dir,
				const char *file,
				struct pmemctl_platform_lock **lock);
void pmemctl_platform_unlock(struct pmemctl_platform_lock *lock);

/* ---- bus (platform) ---------------------------------------------------- */

/* Open an image platform directory. */
int pmemctl_bus_open_image(struct pmemctl_ctx *ctx, const char *dir,
			   bool writable, struct pmemctl_bus **bus);
/*
 * Open the live kernel's NVDIMM buses (every ndbusN in /sys/bus/nd, the
 * lowest first; the others follow through pmemctl_bus_get_next()),
 * read-only: their DIMMs, regions and namespaces as sysfs shows them to
 * this user (what it cannot read is left out; each region is read when
 * first used, see pmemctl_bus_scan()).  The kernel numbers DIMMs
 * and regions across buses, so iterating DIMMs or regions from the first
 * bus walks on through the others' (pmemctl_dimm_get_bus() and
 * pmemctl_region_get_bus() tell which), and closing it closes them all.  -ENODEV, saying how to make an
 * image platform, when there is no bus.  @writable: the caller will change
 * drivers or labels (the kernel serialises its own changes; nothing is
 * locked).  PMEMCTL_SYSFS_ROOT (a test hook)
 * names another directory to read instead of /sys.
 */
int pmemctl_bus_open_kernel(struct pmemctl_ctx *ctx, bool writable,
			    struct pmemctl_bus **bus);
void pmemctl_bus_close(struct pmemctl_bus *bus);
/*
 * The live kernel's regions are read on first use: iterating them reads
 * each as it is reached (a region that cannot be read ends the iteration,
 * with a message), and pmemctl_bus_find_namespace() reads only the
 * named namespace's region.  pmemctl_bus_scan() reads every region not
 * read yet, of @bus and the buses after it: 0 or -errno (-ENOMEM), with
 * a message; call it first to have a read failure as an error.  On image
 * platforms everything is read at open and both are lookups only.
 */
int pmemctl_bus_scan(struct pmemctl_bus *bus);
/*
 * The namespace named @name ("namespaceR.N", the seed included) of @bus
 * or the buses after it, reading only region R: 0 and *ns, -ENOENT
 * (without a message) when there is none or @name is not such a name,
 * or another -errno (-ENOMEM) with a message.
 */
int pmemctl_bus_find_namespace(struct pmemctl_bus *bus, const char *name,
			       struct pmemctl_namespace **ns);
/*
 * The namespace whose block device is /dev/@dev ("pmem0", "pmem0s"), the
 * same way: on the live kernel only the region the device sits below is
 * read.  0 and *ns, -ENOENT (no message), or another -errno
 * (-ENAMETOOLONG, -ENOMEM) with a message.
 */
int pmemctl_bus_find_blockdev(struct pmemctl_bus *bus, const char *dev,
			      struct pmemctl_namespace **ns);
/* The next live-kernel bus; NULL after the last (and on image platforms). */
struct pmemctl_bus *pmemctl_bus_get_next(struct pmemctl_bus *bus);
#define pmemctl_bus_foreach(first, bus) \
	for (bus = (first); bus != NULL; bus = pmemctl_bus_get_next(bus))
const char *pmemctl_bus_get_devname(struct pmemctl_bus *bus);
const char *pmemctl_bus_get_provider(struct pmemctl_bus *bus);
/* The image platform's directory; NULL on other platforms. */
const char *pmemctl_bus_get_platform_path(struct pmemctl_bus *bus);
bool pmemctl_bus_is_image(struct pmemctl_bus *bus);
/*
 * The QEMU arguments that boot this image platform, one per entry;
 * -EOPNOTSUPP on other platforms.
 */
int pmemctl_bus_get_qemu_args(struct pmemctl_bus *bus, uint64_t ram_size,
			      char ***argv, unsigned *argc);

/* ---- dimms ------------------------------------------------------------- */

struct pmemctl_dimm *pmemctl_dimm_get_first(struct pmemctl_bus *bus);
struct pmemctl_dimm *pmemctl_dimm_get_next(struct pmemctl_dimm *dimm);
#define pmemctl_dimm_foreach(bus, dimm) \
	for (dimm = pmemctl_dimm_get_first(bus); dimm != NULL; \
	     dimm = pmemctl_dimm_get_next(dimm))

struct pmemctl_bus *pmemctl_dimm_get_bus(struct pmemctl_dimm *dimm);
unsigned pmemctl_dimm_get_id(struct pmemctl_dimm *dimm);
const char *pmemctl_dimm_get_devname(struct pmemctl_dimm *dimm);
/* NFIT representation: "vvvv-ssssssss" as the kernel prints it */
const char *pmemctl_dimm_get_unique_id(struct pmemctl_dimm *dimm);
uint32_t pmemctl_dimm_get_handle(struct pmemctl_dimm *dimm);
uint16_t pmemctl_dimm_get_phys_id(struct pmemctl_dimm *dimm);
uint32_t pmemctl_dimm_get_serial(struct pmemctl_dimm *dimm);
uint16_t pmemctl_dimm_get_vendor(struct pmemctl_dimm *dimm);
/* the label area's size; 0 on the live kernel until the area is opened */
uint64_t pmemctl_dimm_get_label_size(struct pmemctl_dimm *dimm);
/* the label area's size, opening the area (live kernel: asking the DIMM) */
int pmemctl_dimm_label_area_size(struct pmemctl_dimm *dimm, uint64_t *size);
uint16_t pmemctl_dimm_get_device(struct pmemctl_dimm *dimm);
uint16_t pmemctl_dimm_get_revision(struct pmemctl_dimm *dimm);
/* false when the live kernel has no driver bound to the DIMM */
bool pmemctl_dimm_is_enabled(struct pmemctl_dimm *dimm);
/* NFIT memory-device health flags, as the live kernel reports them */
enum pmemctl_dimm_flag {
	PMEMCTL_DIMM_FAILED_SAVE = 1 << 0,
	PMEMCTL_DIMM_FAILED_RESTORE = 1 << 1,
	PMEMCTL_DIMM_FAILED_FLUSH = 1 << 2,
	PMEMCTL_DIMM_FAILED_ARM = 1 << 3,
	PMEMCTL_DIMM_SMART_EVENT = 1 << 4,
	PMEMCTL_DIMM_FAILED_MAP = 1 << 5,
	PMEMCTL_DIMM_SMART_NOTIFY = 1 << 6,
};
unsigned pmemctl_dimm_get_flags(struct pmemctl_dimm *dimm);
/* The DIMM's backing file on an image platform; NULL on other platforms. */
const char *pmemctl_dimm_get_image_path(struct pmemctl_dimm *dimm);

/*
 * Bind and unbind the DIMM's driver (live kernel).  On an image platform
 * there are no drivers: -EOPNOTSUPP, saying so.
 */
int pmemctl_dimm_enable(struct pmemctl_dimm *dimm);
int pmemctl_dimm_disable(struct pmemctl_dimm *dimm);

/* Raw label storage area access, bounds-checked against its size. */
int pmemctl_dimm_read_lsa(struct pmemctl_dimm *dimm, uint64_t offset,
			  void *buf, size_t len);
int pmemctl_dimm_write_lsa(struct pmemctl_dimm *dimm, uint64_t offset,
			   const void *buf, size_t len);

/* ---- label storage area ------------------------------------------------ */

enum pmemctl_label_version {
	PMEMCTL_LABEL_V1_1 = 11,
	PMEMCTL_LABEL_V1_2 = 12,
};

struct pmemctl_lsa;	/* a validated, decoded copy of one DIMM's LSA */

/* Read and validate: -ENODATA if no valid index block exists. */
int pmemctl_lsa_load(struct pmemctl_dimm *dimm, struct pmemctl_lsa **lsa);
void pmemctl_lsa_free(struct pmemctl_lsa *lsa);
/* Write two fresh index blocks; -EEXIST on a valid index without @force. */
int pmemctl_dimm_init_labels(struct pmemctl_dimm *dimm,
			     enum pmemctl_label_version version, bool force);
int pmemctl_dimm_zero_labels(struct pmemctl_dimm *dimm);
/*
 * Labels written to a label-less DIMM replace its namespace with an empty
 * labelled region: -EBUSY (with a message) when that namespace holds data,
 * unless @force.  0 when labels would hide nothing.
 */
int pmemctl_dimm_refuse_relabel(struct pmemctl_dimm *dimm, bool force);

enum pmemctl_label_version pmemctl_lsa_get_version(struct pmemctl_lsa *lsa);
unsigned pmemctl_lsa_get_nslot(struct pmemctl_lsa *lsa);
unsigned pmemctl_lsa_get_nfree(struct pmemctl_lsa *lsa);
int pmemctl_lsa_get_current_index(struct pmemctl_lsa *lsa);

/* Index block @i (0 or 1) as decoded; valid == false if it failed checks. */
struct pmemctl_index_info {
	bool valid;
	const char *invalid_reason;
	char signature[17];
	unsigned major, minor;
	unsigned labelsize;		/* bytes */
	uint32_t seq;
	uint64_t myoff, mysize, otheroff, labeloff;
	uint32_t nslot;
	uint64_t checksum;
};
int pmemctl_lsa_get_index(struct pmemctl_lsa *lsa, int i,
			  struct pmemctl_index_info *info);

struct pmemctl_label_info {
	unsigned slot;
	uint8_t uuid[16];
	char name[65];
	uint32_t flags;
	uint16_t nlabel, position;
	uint64_t isetcookie;
	uint64_t lbasize;
	uint64_t dpa, rawsize;
	uint8_t type_guid[16];		/* v1.2 only, EFI byte order */
	uint8_t abstraction_guid[16];	/* v1.2 only, EFI byte order */
	bool checksum_ok;		/* always true for v1.1 */
};
/* Active labels (bitmap-allocated, slot field matching). */
unsigned pmemctl_lsa_get_nlabels(struct pmemctl_lsa *lsa);
int pmemctl_lsa_get_label(struct pmemctl_lsa *lsa, unsigned n,
			  struct pmemctl_label_info *info);

/* Check both index blocks; returns 0 if at least one is valid. */
int pmemctl_dimm_check_labels(struct pmemctl_dimm *dimm,
			      struct pmemctl_index_info info[2]);

/* ---- regions ----------------------------------------------------------- */

struct pmemctl_region *pmemctl_region_get_first(struct pmemctl_bus *bus);
struct pmemctl_region *pmemctl_region_get_next(struct pmemctl_region *region);
struct pmemctl_bus *pmemctl_region_get_bus(struct pmemctl_region *region);
#define pmemctl_region_foreach(bus, region) \
	for (region = pmemctl_region_get_first(bus); region != NULL; \
	     region = pmemctl_region_get_next(region))

unsigned pmemctl_region_get_id(struct pmemctl_region *region);
const char *pmemctl_region_get_devname(struct pmemctl_region *region);
uint64_t pmemctl_region_get_size(struct pmemctl_region *region);
uint64_t pmemctl_region_get_align(struct pmemctl_region *region);
uint64_t pmemctl_region_get_available_size(struct pmemctl_region *region);
uint64_t pmemctl_region_get_max_available_extent(struct pmemctl_region *region);
const char *pmemctl_region_get_type_name(struct pmemctl_region *region);
/* interleave-set cookie for the region's current label version */
uint64_t pmemctl_region_get_iset_cookie(struct pmemctl_region *region);
/* true when the DIMMs carry a valid label index ("pmem" namespaces) */
bool pmemctl_region_is_labelled(struct pmemctl_region *region);
unsigned pmemctl_region_get_nmappings(struct pmemctl_region *region);
struct pmemctl_dimm *pmemctl_region_get_mapping_dimm(struct pmemctl_region *r,
						     unsigned i);
uint64_t pmemctl_region_get_mapping_offset(struct pmemctl_region *r, unsigned i);
uint64_t pmemctl_region_get_mapping_length(struct pmemctl_region *r, unsigned i);
unsigned pmemctl_region_get_mapping_position(struct pmemctl_region *r,
					     unsigned i);
/* false when the live kernel has no driver bound to the region */
bool pmemctl_region_is_enabled(struct pmemctl_region *region);
/* the NUMA node, or -1 when the platform does not say */
int pmemctl_region_get_numa_node(struct pmemctl_region *region);
/* "cpu_cache", "memory_controller", "none", "unknown"; NULL when the
 * platform does not say (image platforms) */
const char *pmemctl_region_get_persistence_domain(struct pmemctl_region *region);

/* Bind and unbind the region's driver (live kernel; see the DIMM's). */
int pmemctl_region_enable(struct pmemctl_region *region);
int pmemctl_region_disable(struct pmemctl_region *region);

/* Compute the interleave-set cookie for a label version (formats B.5). */
uint64_t pmemctl_region_compute_cookie(struct pmemctl_region *region,
				       enum pmemctl_label_version version);

/* ---- namespaces -------------------------------------------------------- */

enum pmemctl_ns_mode {
	PMEMCTL_NS_MODE_RAW,
	PMEMCTL_NS_MODE_SECTOR,
	PMEMCTL_NS_MODE_FSDAX,
	PMEMCTL_NS_MODE_DEVDAX,
	PMEMCTL_NS_MODE_UNKNOWN,
};

enum pmemctl_pfn_map {
	PMEMCTL_MAP_NONE = 0,
	PMEMCTL_MAP_MEM = 1,	/* struct pages in DRAM (PFN_MODE_RAM) */
	PMEMCTL_MAP_DEV = 2,	/* struct pages on the device (PFN_MODE_PMEM) */
};

struct pmemctl_namespace *pmemctl_namespace_get_first(struct pmemctl_region *r);
struct pmemctl_namespace *pmemctl_namespace_get_next(struct pmemctl_namespace *n);
#define pmemctl_namespace_foreach(region, ns) \
	for (ns = pmemctl_namespace_get_first(region); ns != NULL; \
	     ns = pmemctl_namespace_get_next(ns))

struct pmemctl_region *pmemctl_namespace_get_region(struct pmemctl_namespace *ns);
const char *pmemctl_namespace_get_devname(struct pmemctl_namespace *ns);
unsigned pmemctl_namespace_get_id(struct pmemctl_namespace *ns);
/* raw capacity of the namespace (sum of label rawsize) */
uint64_t pmemctl_namespace_get_raw_size(struct pmemctl_namespace *ns);
/* capacity usable by the OS after BTT / PFN metadata */
uint64_t pmemctl_namespace_get_size(struct pmemctl_namespace *ns);
enum pmemctl_ns_mode pmemctl_namespace_get_mode(struct pmemctl_namespace *ns);
enum pmemctl_pfn_map pmemctl_namespace_get_map(struct pmemctl_namespace *ns);
/* false for label-less (io) namespaces */
bool pmemctl_namespace_has_uuid(struct pmemctl_namespace *ns);
void pmemctl_namespace_get_uuid(struct pmemctl_namespace *ns, uint8_t uu[16]);
/* btt/pfn/dax instance uuid when claimed, else the namespace uuid */
bool pmemctl_namespace_get_claim_uuid(struct pmemctl_namespace *ns,
				      uint8_t uu[16]);
const char *pmemctl_namespace_get_name(struct pmemctl_namespace *ns);
uint32_t pmemctl_namespace_get_sector_size(struct pmemctl_namespace *ns);
uint64_t pmemctl_namespace_get_align(struct pmemctl_namespace *ns);
/* block device name the kernel would give: pmem0, pmem0.1, pmem0s */
const char *pmemctl_namespace_get_blockdev(struct pmemctl_namespace *ns);
/* char device for devdax: dax0.0 */
const char *pmemctl_namespace_get_chardev(struct pmemctl_namespace *ns);
/* a zero-size idle seed namespace */
bool pmemctl_namespace_is_seed(struct pmemctl_namespace *ns);
/* bound to a driver, itself or through its claim device (never a seed) */
bool pmemctl_namespace_is_active(struct pmemctl_namespace *ns);
/* the NUMA node, or -1 when the platform does not say */
int pmemctl_namespace_get_numa_node(struct pmemctl_namespace *ns);
/*
 * Media view of the namespace's raw capacity (single-mapping regions);
 * writable when the bus was opened for writing.  On the live kernel this
 * is pmemctl_namespace_open_raw() without flags.
 */
int pmemctl_namespace_open_media(struct pmemctl_namespace *ns,
				 struct pmemctl_media **media);

enum pmemctl_raw_flags {
	/* read-write; an image platform's bus must be open for writing */
	PMEMCTL_RAW_WRITE = 1 << 0,
	/* live kernel: disable an enabled sector/fsdax/devdax namespace for
	 * as long as the media is open */
	PMEMCTL_RAW_FORCE = 1 << 1,
};

/*
 * The namespace's whole raw capacity as media, also on the live kernel,
 * where it is the raw block device /dev/pmemX opened exclusively (O_EXCL):
 *  - a namespace enabled in raw mode is opened as it is;
 *  - a disabled one is switched to raw access (force_raw=1) and bound;
 *  - an enabled sector, fsdax or devdax namespace is refused (-EBUSY)
 *    unless PMEMCTL_RAW_FORCE, which disables it first; one in use
 *    (mounted, swapped on, held open exclusively, or devdax memory online
 *    as system RAM) is refused (-EBUSY) even then.
 * Closing the media puts the namespace back: the raw device is closed and
 * unbound, force_raw is restored, and a namespace that was enabled is
 * enabled again (the kernel finds its btt/pfn/dax from the info block).
 * A failure part way puts it back before returning.  The media may be
 * closed after the bus.  Not root or sysfs read-only: -EACCES/-EROFS
 * before anything is changed.  On an image platform this is
 * pmemctl_namespace_open_media() (nothing there is ever enabled).
 */
int pmemctl_namespace_open_raw(struct pmemctl_namespace *ns, unsigned flags,
			       struct pmemctl_media **media);
/* Bind and unbind the namespace's driver (live kernel; see the DIMM's). */
int pmemctl_namespace_enable(struct pmemctl_namespace *ns);
int pmemctl_namespace_disable(struct pmemctl_namespace *ns);

/*
 * Provisioning.  Each call writes the mode's layout into the namespace's
 * range first and commits the label last, so an interruption leaves either
 * the old namespace or the new one.  Label changes rescan the region:
 * its namespace handles from before the call are invalid afterwards (the
 * call returns the new one); DIMM and region handles, and the namespace
 * handles of every other region, stay valid.  The label commands
 * (pmemctl_dimm_write_lsa, _init_labels, _zero_labels) rescan the regions
 * of their DIMM the same way.  Without @force nothing that holds a BTT/PFN/DAX
 * layout, non-zero data in its first 8 KiB or a BTT backup info block is
 * overwritten (-EBUSY).  The old layout's info blocks and BTT backup info
 * blocks are wiped (the backups first), so no BTT can be recovered from a
 * namespace that was reconfigured, destroyed or created over it.  Out of
 * memory is -ENOMEM with nothing written, or (in the rescan after the
 * commit) with the whole change made (the handles are then invalid too).
 */
struct pmemctl_ns_spec {
	uint64_t size;			/* 0: the largest free extent */
	enum pmemctl_ns_mode mode;
	enum pmemctl_pfn_map map;	/* fsdax/devdax; NONE means dev */
	uint32_t sector_size;		/* 0: 4096 for sector, else 512 */
	uint64_t align;			/* fsdax/devdax; 0 means 2 MiB */
	const char *name;		/* NULL: none (reconfigure: keep) */
	const uint8_t *uuid;		/* NULL: generate */
	bool force;
};

int pmemctl_region_create_namespace(struct pmemctl_region *region,
				    const struct pmemctl_ns_spec *spec,
				    struct pmemctl_namespace **ns);
int pmemctl_namespace_reconfigure(struct pmemctl_namespace *ns,
				  const struct pmemctl_ns_spec *spec,
				  struct pmemctl_namespace **out);
int pmemctl_namespace_destroy(struct pmemctl_namespace *ns, bool force);
/*
 * Whether create, reconfigure or destroy would need @force for the
 * namespace: it holds a layout, data in its first 8 KiB, or a BTT backup
 * info block check-btt could restore a BTT from; on the live kernel also
 * when it is enabled.  A disabled one there is read through its raw block
 * device (bound with force_raw for the look, then put back), which needs
 * root.  1 in use, 0 not, or -errno with a message when that cannot be
 * found out (out of memory, I/O, not root).
 */
int pmemctl_namespace_check_use(struct pmemctl_namespace *ns);
/* pmemctl_namespace_check_use() != 0: an error counts as in use */
bool pmemctl_namespace_in_use(struct pmemctl_namespace *ns);

/* ---- info blocks ------------------------------------------------------- */

/* What BTT and PFN/DAX info blocks share: the first 56 and last 8 bytes. */
struct pmemctl_infoblock_header {
	uint64_t offset;		/* of this info block in the media */
	bool checksum_ok;
	char signature[17];
	uint8_t uuid[16], parent_uuid[16];
	uint32_t flags;
	uint16_t major, minor;
	uint64_t checksum;
};

struct pmemctl_btt_info {
	struct pmemctl_infoblock_header hdr;
	uint32_t external_lbasize, external_nlba;
	uint32_t internal_lbasize, internal_nlba;
	uint32_t nfree, infosize;
	uint64_t nextoff, dataoff, mapoff, logoff, info2off;
};

struct pmemctl_pfn_info {
	struct pmemctl_infoblock_header hdr;
	bool dax;
	uint64_t dataoff, npfns;
	uint32_t mode, start_pad, end_trunc, align, page_size;
	uint16_t page_struct_size;
};

/* Decode a BTT info block at @offset; -ENODEV without a BTT signature. */
int pmemctl_media_get_btt_info(struct pmemctl_media *media, uint64_t offset,
			       struct pmemctl_btt_info *info);
/*
 * The next arena of the chain @cur is in, as the BTT walks it: nextoff
 * 16 MiB..512 GiB forward, the info block inside the media (so every walk
 * ends).  0 and *@next decoded (its signature checked only, as by
 * pmemctl_media_get_btt_info()), -ENOENT after the last arena (nextoff 0),
 * -ERANGE when nextoff cannot be followed, -ENODEV without a signature.
 */
int pmemctl_media_get_btt_next(struct pmemctl_media *media,
			       const struct pmemctl_btt_info *cur,
			       struct pmemctl_btt_info *next);
/* Decode the PFN/DAX info block at 4 KiB; -ENODEV without a signature. */
int pmemctl_media_get_pfn_info(struct pmemctl_media *media,
			       struct pmemctl_pfn_info *info);

/*
 * Writing a PFN (fsdax) or DAX (devdax) info block, as the kernel lays it
 * out for a namespace of @size bytes (ndctl write-infoblock).  The block
 * is written as the 8 KiB info block area: 4 KiB of zeroes, then the
 * block at 4 KiB.  Everything is validated before the first write:
 * -EINVAL for a spec the kernel would refuse, -ENOSPC if the alignment
 * leaves no room for data, -EBUSY (without @force) if the first 8 KiB of
 * the target hold anything (an info block, data).
 */
#define PMEMCTL_INFOBLOCK_AREA_SIZE 8192

struct pmemctl_pfn_spec {
	enum pmemctl_ns_mode mode;	/* FSDAX or DEVDAX */
	enum pmemctl_pfn_map map;	/* NONE means dev */
	uint64_t size;			/* namespace bytes; 0: the target's */
	uint64_t align;			/* 0 means 2 MiB; 1 GiB needs phys_start */
	bool has_phys_start;		/* phys_start is known */
	uint64_t phys_start;		/* guest-physical start, 2 MiB-aligned */
	const uint8_t *uuid;		/* NULL: generate */
	const uint8_t *parent_uuid;	/* NULL: the namespace's, else zero */
	bool force;
};

/* Build the info block area (@area: PMEMCTL_INFOBLOCK_AREA_SIZE bytes). */
int pmemctl_pfn_build(struct pmemctl_ctx *ctx, const char *dev,
		      const struct pmemctl_pfn_spec *spec, void *area);
/* Write it at offset 0 of a file, block device or other media. */
int pmemctl_media_write_pfn(struct pmemctl_media *media,
			    const struct pmemctl_pfn_spec *spec);
/*
 * Write it into a namespace: the size is the namespace's, the parent uuid
 * must be the namespace uuid (zero when label-less) and the label's claim
 * must allow the mode.  Rescans the region: @out is the namespace after.
 */
int pmemctl_namespace_write_pfn(struct pmemctl_namespace *ns,
				const struct pmemctl_pfn_spec *spec,
				struct pmemctl_namespace **out);

const char *pmemctl_ns_mode_name(enum pmemctl_ns_mode mode);
int pmemctl_ns_mode_parse(const char *name, enum pmemctl_ns_mode *mode);
const char *pmemctl_map_name(enum pmemctl_pfn_map map);

#ifdef __cplusplus
}
#endif

/* the BTT engine, namespace I/O and check-btt */
#include "libpmemctl-btt.h"

#endif /* LIBPMEMCTL_H */
