// SPDX-License-Identifier: GPL-2.0-only
/*
 * create-namespace (and reconfigure with -e) and destroy-namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "cmd.h"
#include "json.h"

struct ns_params {
	const char *region, *mode, *map, *name, *uuid, *reconfig;
	uint64_t size, sector_size, align;
	bool force, human;
	int verbose;
};

static struct pmemctl_namespace *find_namespace(struct pmemctl_bus *bus,
						const char *spec,
						const char *region_filter)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;

	pmemctl_region_foreach(bus, r) {
		if (region_filter && !cmd_match_region(r, region_filter))
			continue;
		pmemctl_namespace_foreach(r, ns)
			if (strcmp(spec, "all") != 0 &&
			    cmd_match_namespace(ns, spec))
				return ns;
	}
	return NULL;
}

/* Does -r name a region of the platform?  Says so when it does not. */
static bool region_filter_ok(struct cmd_ctx *cc, struct pmemctl_bus *bus,
			     const char *filter)
{
	struct pmemctl_region *r;

	if (!filter)
		return true;
	pmemctl_region_foreach(bus, r)
		if (cmd_match_region(r, filter))
			return true;
	cmd_error(cc, "%s: no such region", filter);
	return false;
}

static int parse_spec(struct cmd_ctx *cc, struct ns_params *p,
		      struct pmemctl_ns_spec *s, uint8_t uu[16])
{
	memset(s, 0, sizeof(*s));
	s->size = p->size;
	s->sector_size = (uint32_t)p->sector_size;
	s->align = p->align;
	s->name = p->name;
	s->force = p->force;
	s->mode = PMEMCTL_NS_MODE_FSDAX;	/* ndctl's default for pmem */
	if (p->sector_size > UINT32_MAX) {
		cmd_error(cc, "invalid sector size %llu",
			  (unsigned long long)p->sector_size);
		return -EINVAL;
	}
	if (p->mode && pmemctl_ns_mode_parse(p->mode, &s->mode)) {
		cmd_error(cc, "unknown mode '%s' (raw, sector, fsdax or devdax)",
			  p->mode);
		return -EINVAL;
	}
	if (p->map) {
		if (!strcmp(p->map, "mem")) {
			s->map = PMEMCTL_MAP_MEM;
		} else if (!strcmp(p->map, "dev")) {
			s->map = PMEMCTL_MAP_DEV;
		} else {
			cmd_error(cc, "unknown map '%s' (mem or dev)", p->map);
			return -EINVAL;
		}
	}
	if (p->uuid) {
		if (uuid_parse(p->uuid, uu)) {
			cmd_error(cc, "invalid uuid '%s'", p->uuid);
			return -EINVAL;
		}
		s->uuid = uu;
	}
	return 0;
}

static int print_namespace(struct cmd_ctx *cc, struct pmemctl_namespace *ns,
			   bool human)
{
	struct json_object *o = namespace_to_json(ns, human);
	int rc = json_print(stdout, o);

	json_object_put(o);
	if (rc)
		cmd_error(cc, "out of memory printing %s, which is on the media: see 'pmemctl list'",
			  pmemctl_namespace_get_devname(ns));
	return rc;
}

/* The first region, in order, whose largest free extent fits the size. */
static struct pmemctl_region *pick_region(struct pmemctl_bus *bus,
					  struct ns_params *p)
{
	struct pmemctl_region *r, *fallback = NULL;

	pmemctl_region_foreach(bus, r) {
		uint64_t room = pmemctl_region_is_labelled(r) ?
			pmemctl_region_get_max_available_extent(r) :
			pmemctl_region_get_size(r);

		if (p->region && !cmd_match_region(r, p->region))
			continue;
		if (!fallback)
			fallback = r;
		if (room && room >= p->size)
			return r;
	}
	return fallback;
}

static bool is_pfn_mode(enum pmemctl_ns_mode mode)
{
	return mode == PMEMCTL_NS_MODE_FSDAX || mode == PMEMCTL_NS_MODE_DEVDAX;
}

/*
 * Reconfigure keeps what was not asked to change, as ndctl does: the
 * mode; the sector size where the new mode has one (sector 4096 -> fsdax
 * stays 4096, and devdax -> sector keeps the 512 its label records; 520
 * does not exist outside sector mode); the alignment only when the mode
 * stays fsdax or stays devdax.  The map is never inherited: it is dev
 * unless -M says otherwise.
 */
static void inherit_settings(struct pmemctl_namespace *old,
			     struct ns_params *p, struct pmemctl_ns_spec *s)
{
	enum pmemctl_ns_mode mode = pmemctl_namespace_get_mode(old);
	uint32_t ss = pmemctl_namespace_get_sector_size(old);

	if (!p->mode)
		s->mode = mode;
	if (mode == PMEMCTL_NS_MODE_UNKNOWN)
		return;
	if (!p->sector_size && s->mode != PMEMCTL_NS_MODE_DEVDAX &&
	    (s->mode == PMEMCTL_NS_MODE_SECTOR || ss == 512 || ss == 4096))
		s->sector_size = ss;
	if (!p->align && is_pfn_mode(s->mode) && s->mode == mode)
		s->align = pmemctl_namespace_get_align(old);
}

int cmd_create_namespace(int argc, char **argv, struct cmd_ctx *cc)
{
	struct ns_params p = { 0 };
	struct opt opts[] = {
		OPT_STR_OF('r', "region", &p.region, "REGION",
			   "region to create in (default: the first that fits)",
			   ARG_REGION | ARG_ALL),
		OPT_STR_OF('e', "reconfig", &p.reconfig, "NAMESPACE",
			   "reconfigure this namespace instead of creating one",
			   ARG_NAMESPACE),
		OPT_SIZE64('s', "size", &p.size, "SIZE",
			   "raw capacity (default: the largest free extent)"),
		OPT_STR_OF('m', "mode", &p.mode, "MODE",
			   "raw, sector, fsdax (default) or devdax", ARG_MODE),
		OPT_STR_OF('M', "map", &p.map, "mem|dev",
			   "where fsdax/devdax keep struct pages (default dev)",
			   ARG_MAP),
		OPT_NUM_OF('l', "sector-size", &p.sector_size, "SIZE",
			   "sector size (sector mode default 4096)",
			   ARG_SECTOR_SIZE),
		OPT_SIZE64('a', "align", &p.align, "ALIGN",
			   "fsdax/devdax mapping alignment (default 2M)"),
		OPT_STR('n', "name", &p.name, "NAME", "namespace name"),
		OPT_STR_OF('u', "uuid", &p.uuid, "UUID",
			   "namespace uuid (default: generated)", ARG_UUID),
		OPT_BOOLEAN('f', "force", &p.force,
			    "overwrite a namespace that holds data"),
		OPT_BOOLEAN(0, "human", &p.human,
			    "sizes as strings in the JSON"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_LAST,
	};
	struct pmemctl_namespace *ns = NULL;
	struct pmemctl_ns_spec spec;
	struct pmemctl_bus *bus;
	struct pmemctl_region *r;
	uint8_t uu[16];
	int rc;

	rc = cmd_parse(cc, &argc, &argv, opts,
		       "pmemctl create-namespace [-r REGION] [-s SIZE] [-m MODE] [<options>]");
	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc) {
		cmd_error(cc, "unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	if (parse_spec(cc, &p, &spec, uu))
		return EXIT_USAGE;
	rc = cmd_open_bus(cc, true, &bus);
	if (rc)
		return cmd_exit_code(rc);
	if (p.reconfig) {
		struct pmemctl_namespace *old = find_namespace(bus, p.reconfig,
							       p.region);

		if (!region_filter_ok(cc, bus, p.region)) {
			pmemctl_bus_close(bus);
			return EXIT_NOT_FOUND;
		}
		if (!old) {
			cmd_error(cc, "%s: no such namespace", p.reconfig);
			pmemctl_bus_close(bus);
			return EXIT_NOT_FOUND;
		}
		inherit_settings(old, &p, &spec);
		rc = pmemctl_namespace_reconfigure(old, &spec, &ns);
	} else {
		r = pick_region(bus, &p);
		if (!r) {
			cmd_error(cc, "%s: no such region",
				  p.region ? p.region : "any");
			pmemctl_bus_close(bus);
			return EXIT_NOT_FOUND;
		}
		rc = pmemctl_region_create_namespace(r, &spec, &ns);
	}
	if (!rc && ns)
		rc = print_namespace(cc, ns, p.human);
	if (!rc)
		fprintf(stderr, "%s 1 namespace\n",
			p.reconfig ? "reconfigured" : "created");
	pmemctl_bus_close(bus);
	return cmd_exit_code(rc);
}

int cmd_destroy_namespace(int argc, char **argv, struct cmd_ctx *cc)
{
	struct ns_params p = { 0 };
	struct opt opts[] = {
		OPT_STR_OF('r', "region", &p.region, "REGION",
			   "only namespaces in this region",
			   ARG_REGION | ARG_ALL),
		OPT_BOOLEAN('f', "force", &p.force,
			    "destroy even if the namespace holds data"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_NAMESPACE | ARG_ALL),
		OPT_LAST,
	};
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	struct pmemctl_bus *bus;
	int rc, first = 0, done = 0;
	bool all, oom = false;

	rc = cmd_parse(cc, &argc, &argv, opts,
		       "pmemctl destroy-namespace <namespaceX.Y|all> [<options>]");
	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc != 1) {
		cmd_error(cc, "expected one namespace (namespaceX.Y or all)");
		return EXIT_USAGE;
	}
	all = !strcmp(argv[0], "all");
	rc = cmd_open_bus(cc, true, &bus);
	if (rc)
		return cmd_exit_code(rc);
	if (!region_filter_ok(cc, bus, p.region)) {
		pmemctl_bus_close(bus);
		return EXIT_NOT_FOUND;
	}
	if (!all) {
		ns = find_namespace(bus, argv[0], p.region);
		if (!ns || pmemctl_namespace_is_seed(ns)) {
			cmd_error(cc, ns ? "%s: an idle seed; nothing to destroy"
					 : "%s: no such namespace", argv[0]);
			pmemctl_bus_close(bus);
			return ns ? EXIT_USAGE : EXIT_NOT_FOUND;
		}
	}
	/* destroying rescans: look the next victim up afresh each time */
	pmemctl_region_foreach(bus, r) {
		bool again = true;

		/* out of memory ends the command, not just this namespace */
		if (oom)
			break;
		if (p.region && !cmd_match_region(r, p.region))
			continue;
		while (again) {
			again = false;
			pmemctl_namespace_foreach(r, ns) {
				if (pmemctl_namespace_is_seed(ns) ||
				    !cmd_match_namespace(ns, argv[0]))
					continue;
				/* label-less: nothing to wipe, or why not known */
				rc = pmemctl_region_is_labelled(r) ? 1 :
				     pmemctl_namespace_check_use(ns);
				if (!rc)
					continue;
				if (rc > 0)
					rc = pmemctl_namespace_destroy(ns, p.force);
				if (rc && !first)
					first = rc;
				done += !rc;
				again = !rc && pmemctl_region_is_labelled(r);
				oom = rc == -ENOMEM;
				break;
			}
			if (!all || oom)
				break;
		}
	}
	pmemctl_bus_close(bus);
	if (!oom)
		fprintf(stderr, "destroyed %d namespace%s\n", done,
			done == 1 ? "" : "s");
	return cmd_exit_code(first);
}
