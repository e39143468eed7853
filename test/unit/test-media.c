// SPDX-License-Identifier: GPL-2.0-only
/* The media shim: bounds checks, read-only, slices, hole punching,
 * callbacks. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "tap.h"

static void test_memory(struct tap *t, struct pmemctl_ctx *ctx)
{
	uint8_t buf[4096] = { 0 }, out[16];
	struct pmemctl_media *m, *s, *ro;

	pmemctl_media_new_memory(ctx, buf, sizeof(buf), true, &m);
	memset(out, 0xAB, sizeof(out));
	tap_ok(t, pmemctl_media_write(m, 4080, out, 16) == 0, "write at the end");
	tap_ok(t, pmemctl_media_write(m, 4081, out, 16) == -ERANGE,
	       "write one byte past the end fails");
	tap_ok(t, buf[4095] == 0xAB && buf[4079] == 0, "only the range changed");
	tap_ok(t, pmemctl_media_read(m, UINT64_MAX - 4, out, 16) == -ERANGE,
	       "offset overflow is rejected");
	tap_ok(t, pmemctl_media_new_slice(m, 1024, 1024, &s) == 0, "slice");
	tap_ok(t, pmemctl_media_read(s, 1020, out, 8) == -ERANGE,
	       "slice bounds are its own");
	tap_ok(t, pmemctl_media_write(s, 0, out, 4) == 0 && buf[1024] == 0xAB,
	       "slice writes land at its offset");
	pmemctl_media_close(s);
	tap_ok(t, pmemctl_media_new_slice(m, 4000, 200, &s) == -ERANGE,
	       "a slice beyond its parent is refused");
	pmemctl_media_new_memory(ctx, buf, sizeof(buf), false, &ro);
	tap_ok(t, pmemctl_media_write(ro, 0, out, 1) == -EROFS,
	       "read-only media refuses writes");
	pmemctl_media_close(ro);
	pmemctl_media_close(m);
}

static void test_file(struct tap *t, struct pmemctl_ctx *ctx)
{
	char path[] = "/tmp/pmemctl-media-XXXXXX";
	uint8_t blk[65536];
	struct pmemctl_media *m = NULL;
	struct stat st;
	int fd = mkstemp(path);

	memset(blk, 0x5A, sizeof(blk));
	if (ftruncate(fd, 1 << 20) != 0 || pwrite(fd, blk, sizeof(blk), 0) < 0)
		tap_ok(t, false, "prepare file");
	close(fd);
	tap_ok(t, pmemctl_media_open_file(ctx, path, 0, 2 << 20,
					  PMEMCTL_MEDIA_WRITE, &m) == -EIO,
	       "a file shorter than the media is refused (truncated)");
	tap_ok(t, pmemctl_media_open_file(ctx, path, 4096, 65536,
					  PMEMCTL_MEDIA_WRITE, &m) == 0,
	       "open a range");
	tap_ok(t, pmemctl_media_read(m, 65536 - 8, blk, 16) == -ERANGE,
	       "read past the range fails");
	stat(path, &st);
	tap_ok(t, pmemctl_media_zero(m, 0, 65536 - 4096) == 0, "zero");
	pmemctl_media_read(m, 0, blk, 16);
	tap_ok(t, mem_is_zero(blk, 16), "zeroed range reads back as zeros");
	{
		struct stat st2;

		stat(path, &st2);
		tap_ok(t, st2.st_blocks < st.st_blocks,
		       "zero punched a hole (%lld -> %lld blocks)",
		       (long long)st.st_blocks, (long long)st2.st_blocks);
	}
	pmemctl_media_close(m);
	unlink(path);
}

/* Holes: where data may start, through slices, never past the range. */
static void test_holes(struct tap *t, struct pmemctl_ctx *ctx)
{
	char path[] = "/tmp/pmemctl-holes-XXXXXX";
	struct pmemctl_media *m = NULL, *s = NULL;
	uint8_t blk[4096];
	int fd = mkstemp(path);

	memset(blk, 1, sizeof(blk));
	if (ftruncate(fd, 16 << 20) != 0 ||
	    pwrite(fd, blk, sizeof(blk), 8 << 20) < 0)
		tap_ok(t, false, "prepare sparse file");
	close(fd);
	pmemctl_media_open_file(ctx, path, 0, 16 << 20, 0, &m);
	tap_eq_u64(t, media_data_from(m, 0, 16 << 20), 8 << 20,
		   "data starts where it was written");
	tap_eq_u64(t, media_data_from(m, 0, 1 << 20), 1 << 20,
		   "a hole up to the end of the range is reported as the end");
	tap_eq_u64(t, media_data_from(m, (8 << 20) + 100, 16 << 20),
		   (8 << 20) + 100, "inside data: data right here");
	tap_eq_u64(t, media_data_from(m, (8 << 20) + 4096, 16 << 20),
		   16 << 20, "after the last data: all hole");
	pmemctl_media_new_slice(m, 4 << 20, 8 << 20, &s);
	tap_eq_u64(t, media_data_from(s, 0, 8 << 20), 4 << 20,
		   "a slice translates offsets");
	pmemctl_media_close(s);
	pmemctl_media_close(m);
	pmemctl_media_new_memory(ctx, blk, sizeof(blk), false, &m);
	tap_eq_u64(t, media_data_from(m, 100, 4096), 100,
		   "memory media: data everywhere");
	pmemctl_media_close(m);
	unlink(path);
}

/* The power-cut model: what was persisted stays, the rest may not. */
static void test_power_cut(struct tap *t, struct pmemctl_ctx *ctx)
{
	static const uint8_t a[16] = "persisted.......", b[16] = "cached..........";
	uint8_t buf[4096] = { 0 };
	struct pmemctl_media *mem, *m;

	for (int drop = 0; drop < 2; drop++) {
		/* ops: write a, persist a, write b at 64, write b at 128 (cut) */
		struct media_fault f = { .budget = 3, .drop = drop, .tear = true };

		memset(buf, 0, sizeof(buf));
		pmemctl_media_new_memory(ctx, buf, sizeof(buf), true, &mem);
		media_new_faulty(mem, &f, &m);
		pmemctl_media_write(m, 0, a, sizeof(a));
		pmemctl_media_persist(m, 0, sizeof(a));
		pmemctl_media_write(m, 64, b, sizeof(b));
		pmemctl_media_write(m, 128, b, sizeof(b));
		tap_ok(t, f.cut && !memcmp(buf, a, 16) &&
		       (drop ? mem_is_zero(buf + 64, 16) : !memcmp(buf + 64, b, 16)) &&
		       !memcmp(buf + 128, b, 8) && mem_is_zero(buf + 136, 8),
		       "power cut %s: persisted data stays, %s; the write at the cut tears at 8 bytes",
		       drop ? "dropping the cache" : "keeping the cache",
		       drop ? "the unpersisted write is lost" : "the unpersisted write stays");
		media_fault_release(&f);
		pmemctl_media_close(m);
		pmemctl_media_close(mem);
	}
}

/* A device reached by callbacks: a buffer, a call log, a failing write. */
struct fake_dev {
	uint8_t data[256];
	unsigned reads, writes, released;
	uint64_t last_off;
	size_t last_len;
	int fail;		/* the next write fails with this */
};

static int fake_read(void *arg, uint64_t off, void *buf, size_t len)
{
	struct fake_dev *d = arg;

	d->reads++;
	memcpy(buf, d->data + off, len);
	return 0;
}

static int fake_write(void *arg, uint64_t off, const void *buf, size_t len)
{
	struct fake_dev *d = arg;

	d->writes++;
	d->last_off = off;
	d->last_len = len;
	if (d->fail)
		return d->fail;
	memcpy(d->data + off, buf, len);
	return 0;
}

static void fake_release(void *arg)
{
	((struct fake_dev *)arg)->released++;
}

static const struct media_callbacks fake_cb = {
	.read = fake_read,
	.write = fake_write,
	.release = fake_release,
};

static void test_callbacks(struct tap *t, struct pmemctl_ctx *ctx)
{
	struct fake_dev d = { .data = { 0 } };
	struct pmemctl_media *m, *ro;
	uint8_t out[16], in[16];

	memset(d.data, 0x11, sizeof(d.data));
	tap_ok(t, media_new_callbacks(ctx, "dev", sizeof(d.data), true,
				      &fake_cb, &d, &m) == 0 &&
	       pmemctl_media_size(m) == sizeof(d.data), "callbacks media");
	memset(in, 0xCD, sizeof(in));
	tap_ok(t, pmemctl_media_write(m, 240, in, 16) == 0 &&
	       d.writes == 1 && d.last_off == 240 && d.data[255] == 0xCD &&
	       d.data[239] == 0x11, "a write reaches the device at its offset");
	tap_ok(t, pmemctl_media_read(m, 236, out, 8) == 0 && d.reads == 1 &&
	       out[3] == 0x11 && out[4] == 0xCD, "a read comes from the device");
	tap_ok(t, pmemctl_media_write(m, 241, in, 16) == -ERANGE &&
	       pmemctl_media_read(m, 250, out, 8) == -ERANGE &&
	       d.writes == 1 && d.reads == 1,
	       "out-of-range requests never reach the callbacks");
	tap_ok(t, pmemctl_media_zero(m, 8, 32) == 0 && d.writes == 2 &&
	       d.last_off == 8 && d.last_len == 32 && d.data[8] == 0 &&
	       d.data[39] == 0 && d.data[40] == 0x11 && d.data[7] == 0x11,
	       "zero writes zeroes through the write callback, only the range");
	d.fail = -EBUSY;
	tap_ok(t, pmemctl_media_write(m, 0, in, 4) == -EBUSY &&
	       d.data[0] == 0x11, "a refused write is an error, nothing written");
	tap_ok(t, pmemctl_media_flush(m) == 0, "flush: each write was durable");
	tap_ok(t, media_new_callbacks(ctx, "dev", sizeof(d.data), false,
				      &fake_cb, &d, &ro) == 0 &&
	       pmemctl_media_write(ro, 0, in, 1) == -EROFS && d.writes == 3,
	       "read-only callbacks media refuses writes before the callback");
	pmemctl_media_close(ro);
	tap_ok(t, d.released == 1, "the last close releases the device");
	pmemctl_media_close(m);
	tap_ok(t, d.released == 2, "each media releases its device once");
}

static int undo(void *arg)
{
	int *calls = arg;

	return ++*calls == 1 ? -EIO : 0;
}

/* The release hook runs once, after the last reference, and says how it went. */
static void test_release_hook(struct tap *t, struct pmemctl_ctx *ctx)
{
	static uint8_t buf[8192];
	struct pmemctl_media *m, *s;
	int calls = 0, rc;

	pmemctl_media_new_memory(ctx, buf, sizeof(buf), false, &m);
	media_on_release(m, undo, &calls);
	pmemctl_media_new_slice(m, 4096, 4096, &s);
	rc = pmemctl_media_release(m);
	tap_ok(t, rc == 0 && calls == 0, "a slice still holds it: no release yet");
	rc = pmemctl_media_release(s);
	tap_ok(t, rc == -EIO && calls == 1,
	       "the last reference runs the hook and returns its error (%d)", rc);
}

int main(void)
{
	struct pmemctl_ctx *ctx;
	struct tap t = { 0 };

	pmemctl_new(&ctx);
	pmemctl_set_log_priority(ctx, 0);
	test_memory(&t, ctx);
	test_file(&t, ctx);
	test_holes(&t, ctx);
	test_power_cut(&t, ctx);
	test_callbacks(&t, ctx);
	test_release_hook(&t, ctx);
	pmemctl_free(ctx);
	return tap_done(&t);
}
