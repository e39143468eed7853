// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "json.h"

/* ndctl's names; like ndctl, only the flags that are set */
static void dimm_flags_to_json(struct json_object *o, unsigned flags)
{
	static const struct {
		unsigned flag;
		const char *name;
	} names[] = {
		{ PMEMCTL_DIMM_FAILED_ARM, "flag_failed_arm" },
		{ PMEMCTL_DIMM_FAILED_SAVE, "flag_failed_save" },
		{ PMEMCTL_DIMM_FAILED_FLUSH, "flag_failed_flush" },
		{ PMEMCTL_DIMM_FAILED_RESTORE, "flag_failed_restore" },
		{ PMEMCTL_DIMM_FAILED_MAP, "flag_failed_map" },
		{ PMEMCTL_DIMM_SMART_EVENT, "flag_smart_event" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].flag)
			json_add(o, names[i].name, json_object_new_boolean(1));
}

struct json_object *dimm_to_json(struct pmemctl_dimm *dimm, bool human)
{
	struct json_object *o = json_object_new_object();
	const char *image = pmemctl_dimm_get_image_path(dimm);

	json_add(o, "dev", json_object_new_string(pmemctl_dimm_get_devname(dimm)));
	json_add(o, "id", json_object_new_string(pmemctl_dimm_get_unique_id(dimm)));
	json_add(o, "handle", json_hex(pmemctl_dimm_get_handle(dimm), human));
	json_add(o, "phys_id", json_hex(pmemctl_dimm_get_phys_id(dimm), human));
	dimm_flags_to_json(o, pmemctl_dimm_get_flags(dimm));
	if (!pmemctl_dimm_is_enabled(dimm))
		json_add(o, "state", json_object_new_string("disabled"));
	/* known on image platforms; the kernel tells only root (ioctl) */
	if (image) {
		json_add(o, "label_size",
			 json_size(pmemctl_dimm_get_label_size(dimm), human));
		json_add(o, "image", json_object_new_string(image));
	}
	return o;
}

static struct json_object *mappings_to_json(struct pmemctl_region *r,
					    bool human)
{
	struct json_object *arr = json_object_new_array();

	for (unsigned i = 0; i < pmemctl_region_get_nmappings(r); i++) {
		struct json_object *m = json_object_new_object();
		struct pmemctl_dimm *d = pmemctl_region_get_mapping_dimm(r, i);

		json_add(m, "dimm", json_object_new_string(pmemctl_dimm_get_devname(d)));
		json_add(m, "offset",
			 json_hex(pmemctl_region_get_mapping_offset(r, i), human));
		json_add(m, "length",
			 json_size(pmemctl_region_get_mapping_length(r, i), human));
		json_add(m, "position", json_object_new_int(
				 (int)pmemctl_region_get_mapping_position(r, i)));
		json_append(arr, m);
	}
	return arr;
}

struct json_object *region_to_json(struct pmemctl_region *r, bool mappings,
				   bool human)
{
	struct json_object *o = json_object_new_object();
	const char *pdomain = pmemctl_region_get_persistence_domain(r);
	int numa = pmemctl_region_get_numa_node(r);

	json_add(o, "dev", json_object_new_string(pmemctl_region_get_devname(r)));
	json_add(o, "size", json_size(pmemctl_region_get_size(r), human));
	json_add(o, "align", json_size(pmemctl_region_get_align(r), human));
	json_add(o, "available_size",
		 json_size(pmemctl_region_get_available_size(r), human));
	json_add(o, "max_available_extent",
		 json_size(pmemctl_region_get_max_available_extent(r), human));
	json_add(o, "type", json_object_new_string(pmemctl_region_get_type_name(r)));
	json_add(o, "iset_id", json_hex(pmemctl_region_get_iset_cookie(r), human));
	json_add(o, "labels", json_object_new_boolean(pmemctl_region_is_labelled(r)));
	if (mappings)
		json_add(o, "mappings", mappings_to_json(r, human));
	if (pdomain)
		json_add(o, "persistence_domain", json_object_new_string(pdomain));
	if (numa >= 0)
		json_add(o, "numa_node", json_object_new_int(numa));
	if (!pmemctl_region_is_enabled(r))
		json_add(o, "state", json_object_new_string("disabled"));
	return o;
}

struct json_object *namespace_to_json(struct pmemctl_namespace *ns, bool human)
{
	struct json_object *o = json_object_new_object();
	enum pmemctl_ns_mode mode = pmemctl_namespace_get_mode(ns);
	const char *name = pmemctl_namespace_get_name(ns);
	const char *blockdev = pmemctl_namespace_get_blockdev(ns);
	const char *chardev = pmemctl_namespace_get_chardev(ns);
	bool active = pmemctl_namespace_is_active(ns);
	int numa = pmemctl_namespace_get_numa_node(ns);
	uint8_t uu[16], raw[16];
	bool claimed;

	json_add(o, "dev", json_object_new_string(pmemctl_namespace_get_devname(ns)));
	json_add(o, "mode", json_object_new_string(pmemctl_ns_mode_name(mode)));
	if (mode == PMEMCTL_NS_MODE_FSDAX || mode == PMEMCTL_NS_MODE_DEVDAX)
		json_add(o, "map", json_object_new_string(
				 pmemctl_map_name(pmemctl_namespace_get_map(ns))));
	json_add(o, "size", json_size(pmemctl_namespace_get_size(ns), human));
	claimed = pmemctl_namespace_get_claim_uuid(ns, uu);
	if (claimed)
		json_add(o, "uuid", json_uuid(uu));
	if (pmemctl_namespace_has_uuid(ns)) {
		pmemctl_namespace_get_uuid(ns, raw);
		if (memcmp(raw, uu, 16) != 0)
			json_add(o, "raw_uuid", json_uuid(raw));
	}
	if (mode != PMEMCTL_NS_MODE_DEVDAX)
		json_add(o, "sector_size",
			 json_object_new_int((int)pmemctl_namespace_get_sector_size(ns)));
	if (mode == PMEMCTL_NS_MODE_FSDAX || mode == PMEMCTL_NS_MODE_DEVDAX)
		json_add(o, "align", json_u64(pmemctl_namespace_get_align(ns)));
	/* an idle namespace has no device node, as the kernel shows it */
	if (!active)
		json_add(o, "state", json_object_new_string("disabled"));
	else if (mode == PMEMCTL_NS_MODE_DEVDAX && chardev[0])
		json_add(o, "chardev", json_object_new_string(chardev));
	else if (mode != PMEMCTL_NS_MODE_DEVDAX && blockdev[0])
		json_add(o, "blockdev", json_object_new_string(blockdev));
	if (name[0])
		json_add(o, "name", json_object_new_string(name));
	if (numa >= 0)
		json_add(o, "numa_node", json_object_new_int(numa));
	return o;
}
