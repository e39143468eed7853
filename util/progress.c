// SPDX-License-Identifier: GPL-2.0-only
#include <time.h>
#include <unistd.h>

#include "util/progress.h"

#define PROGRESS_DELAY 1.0	/* seconds before the bar appears */
#define PROGRESS_PERIOD 0.1	/* seconds between redraws */
#define PROGRESS_WIDTH 40

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, FILE *out, const char *label,
		   bool enable)
{
	p->out = out;
	p->label = label;
	p->enabled = enable && isatty(fileno(out));
	p->drawn = false;
	p->start = p->last = now();
}

void progress_update(struct progress *p, uint64_t done, uint64_t total)
{
	char bar[PROGRESS_WIDTH + 1];
	double t, frac;
	int fill;

	if (!p->enabled || !total)
		return;
	t = now();
	if (t - p->start < PROGRESS_DELAY || t - p->last < PROGRESS_PERIOD)
		return;
	p->last = t;
	frac = done >= total ? 1.0 : (double)done / (double)total;
	fill = (int)(frac * PROGRESS_WIDTH);
	for (int i = 0; i < PROGRESS_WIDTH; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[PROGRESS_WIDTH] = '\0';
	fprintf(p->out, "\r%s [%s] %3d%%", p->label, bar, (int)(frac * 100));
	fflush(p->out);
	p->drawn = true;
}

void progress_done(struct progress *p)
{
	if (!p->drawn)
		return;
	fprintf(p->out, "\r\033[K");
	fflush(p->out);
	p->drawn = false;
}
