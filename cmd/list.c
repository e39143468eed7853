// SPDX-License-Identifier: GPL-2.0-only
/*
 * pmemctl list: the platform as JSON.  The shape depends only on the
 * options, never on the data: one kind of object gives an array; several
 * kinds give an object {"dimms":[], "regions":[], "namespaces":[]} (with
 * namespaces nested in their regions when regions are listed); -B gives
 * an array of buses holding the same (the live kernel's every nd bus).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"

struct list_params {
	bool buses, dimms, regions, namespaces;
	bool idle, human;
	int verbose;
	const char *bus, *region, *dimm, *ns, *mode;
	unsigned listed;	/* objects put in the output */
	struct pmemctl_bus *only;	/* -B: the bus being listed */
};

enum list_kind { LIST_DIMM, LIST_REGION, LIST_NAMESPACE };

static bool match_list(const char *filter, bool (*fn)(void *obj,
						     const char *spec),
		       void *obj)
{
	char buf[256], *save = NULL, *tok;

	if (!filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save))
		if (fn(obj, tok))
			return true;
	return false;
}

static bool bus_selected(const struct list_params *p, struct pmemctl_bus *b)
{
	return !p->bus || strcmp(p->bus, "all") == 0 ||
	       strcmp(p->bus, pmemctl_bus_get_devname(b)) == 0 ||
	       strcmp(p->bus, pmemctl_bus_get_provider(b)) == 0;
}

/* The live kernel's buses iterate as one: keep to the ones asked for. */
static bool in_scope(const struct list_params *p, struct pmemctl_bus *b)
{
	return (!p->only || b == p->only) && bus_selected(p, b);
}

static bool m_dimm(void *o, const char *s) { return cmd_match_dimm(o, s); }
static bool m_region(void *o, const char *s) { return cmd_match_region(o, s); }
static bool m_ns(void *o, const char *s) { return cmd_match_namespace(o, s); }

static bool m_mode(void *o, const char *s)
{
	enum pmemctl_ns_mode mode;

	return pmemctl_ns_mode_parse(s, &mode) == 0 &&
	       mode == pmemctl_namespace_get_mode(o);
}

/* Does @tok ("all", a device name or number) name an object of @kind? */
static bool object_exists(struct pmemctl_bus *bus, enum list_kind kind,
			  const char *tok)
{
	struct pmemctl_namespace *ns;
	struct pmemctl_region *r;
	struct pmemctl_dimm *d;

	if (strcmp(tok, "all") == 0)
		return true;
	if (kind == LIST_DIMM) {
		pmemctl_dimm_foreach(bus, d)
			if (cmd_match_dimm(d, tok))
				return true;
		return false;
	}
	pmemctl_region_foreach(bus, r) {
		if (kind == LIST_REGION && cmd_match_region(r, tok))
			return true;
		if (kind == LIST_NAMESPACE)
			pmemctl_namespace_foreach(r, ns)
				if (cmd_match_namespace(ns, tok))
					return true;
	}
	return false;
}

/* Every name in a filter must exist: a typo is an error, not "[]". */
static int check_filter(struct cmd_ctx *cc, struct pmemctl_bus *bus,
			const char *filter, enum list_kind kind)
{
	static const char *const what[] = { "DIMM", "region", "namespace" };
	char buf[256], *save = NULL, *tok;

	if (!filter)
		return 0;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save))
		if (!object_exists(bus, kind, tok)) {
			cmd_error(cc, "%s: no such %s", tok, what[kind]);
			return -ENOENT;
		}
	return 0;
}

static int check_mode_filter(struct cmd_ctx *cc, const char *filter)
{
	char buf[256], *save = NULL, *tok;
	enum pmemctl_ns_mode mode;

	if (!filter)
		return 0;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, " ,", &save); tok;
	     tok = strtok_r(NULL, " ,", &save))
		if (pmemctl_ns_mode_parse(tok, &mode)) {
			cmd_error(cc, "unknown mode '%s' (raw, sector, fsdax or devdax)",
				  tok);
			return -EINVAL;
		}
	return 0;
}

static bool region_has_dimm(struct pmemctl_region *r, const char *filter)
{
	for (unsigned i = 0; i < pmemctl_region_get_nmappings(r); i++)
		if (match_list(filter, m_dimm,
			       pmemctl_region_get_mapping_dimm(r, i)))
			return true;
	return false;
}

static bool dimm_in_region_filter(struct pmemctl_bus *bus,
				  struct pmemctl_dimm *d, const char *filter)
{
	struct pmemctl_region *r;

	if (!filter)
		return true;
	pmemctl_region_foreach(bus, r)
		if (match_list(filter, m_region, r) &&
		    pmemctl_region_get_mapping_dimm(r, 0) == d)
			return true;
	return false;
}

static struct json_object *list_namespaces(struct pmemctl_region *r,
					   struct list_params *p)
{
	struct json_object *arr = json_object_new_array();
	struct pmemctl_namespace *ns;

	pmemctl_namespace_foreach(r, ns) {
		if (!pmemctl_namespace_is_active(ns) && !p->idle)
			continue;
		if (!match_list(p->ns, m_ns, ns) ||
		    !match_list(p->mode, m_mode, ns))
			continue;
		json_append(arr, namespace_to_json(ns, p->human));
		p->listed++;
	}
	return arr;
}

static void append_all(struct json_object *dst, struct json_object *src)
{
	if (json_incomplete(src))
		json_append(dst, NULL);		/* marks @dst incomplete */
	for (size_t i = 0; src && i < json_object_array_length(src); i++)
		json_append(dst, json_object_get(
				    json_object_array_get_idx(src, i)));
	json_object_put(src);
}

/* Everything under one bus, shaped by which kinds were asked for. */
static struct json_object *list_bus(struct pmemctl_bus *bus,
				    struct list_params *p, unsigned kinds)
{
	struct json_object *dimms = json_object_new_array();
	struct json_object *regions = json_object_new_array();
	struct json_object *namespaces = json_object_new_array();
	struct json_object *o = json_object_new_object();
	struct pmemctl_region *r;
	struct pmemctl_dimm *d;

	pmemctl_dimm_foreach(bus, d)
		if (p->dimms && in_scope(p, pmemctl_dimm_get_bus(d)) &&
		    match_list(p->dimm, m_dimm, d) &&
		    dimm_in_region_filter(bus, d, p->region) &&
		    (p->idle || pmemctl_dimm_is_enabled(d))) {
			json_append(dimms, dimm_to_json(d, p->human));
			p->listed++;
		}
	pmemctl_region_foreach(bus, r) {
		struct json_object *ro, *nss;

		if (!in_scope(p, pmemctl_region_get_bus(r)) ||
		    !match_list(p->region, m_region, r) ||
		    (p->dimm && !region_has_dimm(r, p->dimm)))
			continue;
		nss = p->namespaces ? list_namespaces(r, p) : NULL;
		if (!p->regions) {
			if (p->namespaces)
				append_all(namespaces, nss);
			continue;
		}
		if (!p->idle && !pmemctl_region_is_enabled(r)) {
			json_object_put(nss);	/* as ndctl: idle ones need -i */
			continue;
		}
		ro = region_to_json(r, p->dimms, p->human);
		p->listed++;
		if (p->namespaces)
			json_add(ro, "namespaces", nss);
		json_append(regions, ro);
	}
	if (kinds == 1 && !p->buses) {
		json_object_put(o);
		if (p->dimms) {
			json_object_put(regions);
			json_object_put(namespaces);
			return dimms;
		}
		json_object_put(dimms);
		if (p->regions) {
			json_object_put(namespaces);
			return regions;
		}
		json_object_put(regions);
		return namespaces;
	}
	if (p->buses) {
		json_add(o, "provider", json_object_new_string(
				 pmemctl_bus_get_provider(bus)));
		json_add(o, "dev", json_object_new_string(
				 pmemctl_bus_get_devname(bus)));
		if (pmemctl_bus_get_platform_path(bus))
			json_add(o, "platform", json_object_new_string(
					 pmemctl_bus_get_platform_path(bus)));
	}
	if (p->dimms)
		json_add(o, "dimms", dimms);
	else
		json_object_put(dimms);
	if (p->regions)
		json_add(o, "regions", regions);
	else
		json_object_put(regions);
	if (p->namespaces && !p->regions)
		json_add(o, "namespaces", namespaces);
	else
		json_object_put(namespaces);
	return o;
}

static int check_filters(struct cmd_ctx *cc, struct pmemctl_bus *first,
			 const struct list_params *p)
{
	struct pmemctl_bus *b;
	int rc;

	pmemctl_bus_foreach(first, b)
		if (bus_selected(p, b))
			break;
	if (!b) {
		cmd_error(cc, "%s: no such bus (this platform has %s, %s%s)",
			  p->bus, pmemctl_bus_get_devname(first),
			  pmemctl_bus_get_provider(first),
			  pmemctl_bus_get_next(first) ? ", ..." : "");
		return -ENOENT;
	}
	rc = check_filter(cc, first, p->dimm, LIST_DIMM);
	if (!rc)
		rc = check_filter(cc, first, p->region, LIST_REGION);
	if (!rc)
		rc = check_filter(cc, first, p->ns, LIST_NAMESPACE);
	return rc;
}

int cmd_list(int argc, char **argv, struct cmd_ctx *cc)
{
	struct list_params p = { 0 };
	struct opt opts[] = {
		OPT_BOOLEAN('B', "buses", &p.buses, "include buses"),
		OPT_BOOLEAN('D', "dimms", &p.dimms, "include dimms"),
		OPT_BOOLEAN('R', "regions", &p.regions, "include regions"),
		OPT_BOOLEAN('N', "namespaces", &p.namespaces,
			    "include namespaces"),
		OPT_STR_OF('b', "bus", &p.bus, "BUS", "filter by bus",
			   ARG_BUS | ARG_ALL),
		OPT_STR_OF('r', "region", &p.region, "REGION",
			   "filter by region (regionN or N)",
			   ARG_REGION | ARG_ALL),
		OPT_STR_OF('d', "dimm", &p.dimm, "DIMM",
			   "filter by dimm (nmemN or N)", ARG_DIMM | ARG_ALL),
		OPT_STR_OF('n', "namespace", &p.ns, "NAMESPACE",
			   "filter by namespace (namespaceX.Y or X.Y)",
			   ARG_NAMESPACE | ARG_ALL),
		OPT_STR_OF('m', "mode", &p.mode, "MODE",
			   "filter by namespace mode", ARG_MODE),
		OPT_BOOLEAN('i', "idle", &p.idle,
			    "include idle devices (seeds, no driver bound)"),
		OPT_BOOLEAN('u', "human", &p.human,
			    "sizes and hex fields as strings"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_LAST,
	};
	struct pmemctl_bus *bus, *b;
	struct json_object *out;
	unsigned kinds;
	int rc;

	rc = cmd_parse(cc, &argc, &argv, opts, "pmemctl list [<options>]");
	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc) {
		cmd_error(cc, "unexpected argument '%s'", argv[0]);
		return EXIT_USAGE;
	}
	if (!p.buses && !p.dimms && !p.regions && !p.namespaces) {
		/* a filter selects its own kind; namespaces by default */
		p.buses = !!p.bus;
		p.regions = !!p.region;
		p.dimms = !!p.dimm;
		p.namespaces = p.ns || p.mode ||
			       !(p.buses || p.regions || p.dimms);
	}
	kinds = p.dimms + p.regions + p.namespaces;
	rc = check_mode_filter(cc, p.mode);
	if (rc)
		return cmd_exit_code(rc);
	rc = cmd_open_bus(cc, false, &bus);
	if (rc)
		return cmd_exit_code(rc);
	rc = check_filters(cc, bus, &p);
	if (rc) {
		pmemctl_bus_close(bus);
		return cmd_exit_code(rc);
	}
	if (p.buses) {
		out = json_object_new_array();
		pmemctl_bus_foreach(bus, b) {
			if (!bus_selected(&p, b))
				continue;
			p.only = b;
			json_append(out, list_bus(b, &p, kinds));
			p.listed++;
		}
	} else {
		out = list_bus(bus, &p, kinds);
	}
	/* as ndctl: filters that select nothing say so, the listing is [] */
	if (json_incomplete(out))
		cmd_error(cc, "out of memory");
	else if (!p.listed && (p.bus || p.region || p.dimm || p.ns || p.mode))
		cmd_error(cc, "no matching devices found");
	rc = json_print(stdout, out);
	json_object_put(out);
	pmemctl_bus_close(bus);
	return cmd_exit_code(rc);
}
