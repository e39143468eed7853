// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Power-cut injection (format.h, struct media_fault): a media over
 * another that passes a budget of operations through, then loses power,
 * optionally tearing the operation at the cut and dropping what was not
 * made durable; flushes are made durable by a later fence of the same
 * (modelled) CPU only.
 */
#include <stdlib.h>

#include "media-int.h"

/* ---- power-cut injection -------------------------------------------------- */

/* What a write or zero not yet durable overwrote (media_fault.drop). */
struct media_undo {
	struct media_undo *next;
	struct pmemctl_media *parent;
	uint64_t off;
	size_t len;
	uint8_t old[];
};

/* Put back what the writes not yet durable overwrote, newest first. */
void media_fault_rollback(struct media_fault *f)
{
	while (f->undo) {
		struct media_undo *u = f->undo;

		f->undo = u->next;
		if (pmemctl_media_write(u->parent, u->off, u->old, u->len))
			f->error = -EIO;
		free(u);
	}
}

void media_fault_release(struct media_fault *f)
{
	while (f->undo) {
		struct media_undo *u = f->undo;

		f->undo = u->next;
		free(u);
	}
}

int media_fault_each(const struct media_fault *f,
		     int (*fn)(void *arg, uint64_t off, size_t len), void *arg)
{
	int rc = 0;

	for (const struct media_undo *u = f->undo; u && !rc; u = u->next)
		rc = fn(arg, u->off, u->len);
	return rc;
}

/* Count one operation; false once the power is gone. */
static bool fault_step(struct pmemctl_media *m, bool *torn)
{
	struct media_fault *f = m->fault;

	*torn = false;
	if (f->cut)
		return false;
	if (f->ops++ < f->budget)
		return true;
	f->cut = true;
	*torn = f->tear;
	if (f->drop)
		media_fault_rollback(f);
	return false;
}

/* Before a write or zero of [off, off + len): keep what it overwrites. */
static int fault_keep(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	struct media_fault *f = m->fault;
	struct media_undo *u;
	int rc;

	if (!f->drop)
		return 0;
	u = len > SIZE_MAX - sizeof(*u) ? NULL : malloc(sizeof(*u) + len);
	if (!u) {
		f->error = -ENOMEM;
		return -ENOMEM;
	}
	u->parent = m->parent;
	u->off = off;
	u->len = (size_t)len;
	rc = pmemctl_media_read(m->parent, off, u->old, u->len);
	if (rc) {
		free(u);
		return rc;
	}
	u->next = f->undo;
	f->undo = u;
	return 0;
}

/* [off, off + len) of m's parent is durable: forget its undo records. */
static void fault_durable(struct pmemctl_media *m, uint64_t off,
			  uint64_t len)
{
	struct media_undo **pp = &m->fault->undo;

	if (m->fault->record)
		return;
	while (*pp) {
		struct media_undo *u = *pp;

		if (u->parent == m->parent && u->off >= off &&
		    u->len <= len && u->off - off <= len - u->len) {
			*pp = u->next;
			free(u);
		} else {
			pp = &u->next;
		}
	}
}

/* A fence: the ranges its CPU flushed before it are durable. */
static void fault_fence(struct media_fault *f)
{
	unsigned i, kept = 0;

	for (i = 0; i < f->nflushed; i++)
		if (f->flushed[i].cpu == f->cpu)
			fault_durable(f->flushed[i].m, f->flushed[i].off,
				      f->flushed[i].len);
		else
			f->flushed[kept++] = f->flushed[i];
	f->nflushed = kept;
}

static int faulty_read(struct pmemctl_media *m, uint64_t off, void *buf,
		       size_t len)
{
	return pmemctl_media_read(m->parent, off, buf, len);
}

static int faulty_write(struct pmemctl_media *m, uint64_t off,
			const void *buf, size_t len)
{
	bool torn;
	int rc;

	if (fault_step(m, &torn)) {
		rc = fault_keep(m, off, len);
		return rc ? rc : pmemctl_media_write(m->parent, off, buf, len);
	}
	if (torn && len / 2 >= 8)
		return pmemctl_media_write(m->parent, off, buf,
					   ALIGN_DOWN(len / 2, 8));
	return 0;
}

static int faulty_zero(struct pmemctl_media *m, uint64_t off, uint64_t len)
{
	bool torn;
	int rc;

	if (fault_step(m, &torn)) {
		rc = fault_keep(m, off, len);
		return rc ? rc : pmemctl_media_zero(m->parent, off, len);
	}
	if (torn && len / 2 >= 8)
		return pmemctl_media_zero(m->parent, off,
					  ALIGN_DOWN(len / 2, 8));
	return 0;
}

static int faulty_flush(struct pmemctl_media *m)
{
	bool torn;

	if (!fault_step(m, &torn))
		return 0;
	fault_durable(m, 0, m->size);
	return pmemctl_media_flush(m->parent);
}

static int faulty_persist(struct pmemctl_media *m, uint64_t off,
			  uint64_t len)
{
	bool torn;

	if (!fault_step(m, &torn))
		return 0;
	fault_durable(m, off, len);
	fault_fence(m->fault);
	return pmemctl_media_persist(m->parent, off, len);
}

/* Written back, durable at the CPU's next drain (if the power stays). */
static int faulty_flush_range(struct pmemctl_media *m, uint64_t off,
			      uint64_t len)
{
	struct media_fault *f = m->fault;

	if (f->cut)
		return 0;
	if (f->nflushed == ARRAY_SIZE(f->flushed)) {
		f->error = -EOVERFLOW;
		return -EOVERFLOW;
	}
	f->flushed[f->nflushed].m = m;
	f->flushed[f->nflushed].off = off;
	f->flushed[f->nflushed].len = len;
	f->flushed[f->nflushed++].cpu = f->cpu;
	return media_flush_range(m->parent, off, len);
}

static int faulty_drain(struct pmemctl_media *m)
{
	bool torn;

	if (!fault_step(m, &torn))
		return 0;
	fault_fence(m->fault);
	return media_drain(m->parent);
}

static const struct media_ops faulty_ops = {
	.read = faulty_read,
	.write = faulty_write,
	.zero = faulty_zero,
	.flush = faulty_flush,
	.persist = faulty_persist,
	.flush_range = faulty_flush_range,
	.drain = faulty_drain,
	.release = media_slice_release,
	.data_from = media_slice_data_from,	/* base 0: the parent's answer */
};

int media_new_faulty(struct pmemctl_media *parent, struct media_fault *f,
		     struct pmemctl_media **out)
{
	struct pmemctl_media *m;

	m = media_alloc(parent->ctx, &faulty_ops, parent->name, parent->size,
			parent->writable);
	if (!m)
		return -ENOMEM;
	m->parent = parent;
	m->fault = f;
	parent->refs++;
	*out = m;
	return 0;
}
