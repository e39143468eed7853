// SPDX-License-Identifier: GPL-2.0-only
/*
 * enable-namespace, disable-namespace, enable-region, disable-region,
 * enable-dimm, disable-dimm: bind and unbind drivers.  Only the live
 * kernel has drivers; an image platform's backend says so.  Disabling
 * something in use is refused by the backend before anything changes
 * (exit 4).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

enum kind { NAMESPACE, REGION, DIMM };

struct toggle {
	bool enable;
	enum kind kind;
	int done, first;
};

static void count(struct toggle *t, int rc)
{
	if (rc && !t->first)
		t->first = rc;
	t->done += !rc;
}

/* Every non-seed namespace (or region) @spec names; how many matched. */
static int toggle_all(struct pmemctl_bus *bus, const char *spec,
		      struct toggle *t)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	struct pmemctl_dimm *d;
	int matched = 0;

	if (t->kind == DIMM) {
		pmemctl_dimm_foreach(bus, d) {
			if (!cmd_match_dimm(d, spec))
				continue;
			matched++;
			count(t, t->enable ? pmemctl_dimm_enable(d) :
					     pmemctl_dimm_disable(d));
		}
		return matched;
	}
	pmemctl_region_foreach(bus, r) {
		if (t->kind == REGION) {
			if (!cmd_match_region(r, spec))
				continue;
			matched++;
			count(t, t->enable ? pmemctl_region_enable(r) :
					     pmemctl_region_disable(r));
			continue;
		}
		pmemctl_namespace_foreach(r, ns) {
			if (pmemctl_namespace_is_seed(ns) ||
			    !cmd_match_namespace(ns, spec))
				continue;
			matched++;
			count(t, t->enable ? pmemctl_namespace_enable(ns) :
					     pmemctl_namespace_disable(ns));
		}
	}
	return matched;
}

int cmd_enable_disable(int argc, char **argv, struct cmd_ctx *cc)
{
	static const struct {
		const char *what, *spec;
		unsigned arg;
	} kinds[] = {
		[NAMESPACE] = { "namespace", "namespaceX.Y", ARG_NAMESPACE },
		[REGION] = { "region", "regionN", ARG_REGION },
		[DIMM] = { "dimm", "nmemN", ARG_DIMM },
	};
	struct toggle t = {
		.enable = !strncmp(cc->cmd, "enable", 6),
		.kind = strstr(cc->cmd, "region") ? REGION :
			strstr(cc->cmd, "dimm") ? DIMM : NAMESPACE,
	};
	struct opt opts[] = {
		OPT_OPERANDS(kinds[t.kind].arg | ARG_ALL),
		OPT_LAST,
	};
	const char *what = kinds[t.kind].what;
	struct pmemctl_bus *bus;
	char usage[96];
	int rc;

	snprintf(usage, sizeof(usage), "pmemctl %s <%s|all>", cc->cmd,
		 kinds[t.kind].spec);
	rc = cmd_parse(cc, &argc, &argv, opts, usage);
	if (rc >= 0)
		return rc;
	if (argc != 1) {
		cmd_error(cc, "expected one %s (%s or all)", what,
			  kinds[t.kind].spec);
		return EXIT_USAGE;
	}
	/* read-only open: the kernel serialises binds; nothing else changes */
	rc = cmd_open_bus(cc, false, &bus);
	if (rc)
		return cmd_exit_code(rc);
	if (!toggle_all(bus, argv[0], &t) && strcmp(argv[0], "all")) {
		cmd_error(cc, "%s: no such %s", argv[0], what);
		pmemctl_bus_close(bus);
		return EXIT_NOT_FOUND;
	}
	pmemctl_bus_close(bus);
	/* after a refusal, the one error line says it all */
	if (!t.first || t.done)
		fprintf(stderr, "%s %d %s%s\n", t.enable ? "enabled" : "disabled",
			t.done, what, t.done == 1 ? "" : "s");
	return cmd_exit_code(t.first);
}
