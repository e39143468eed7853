/* SPDX-License-Identifier: GPL-2.0-only */
/* Platform objects as JSON, with ndctl's field names. */
#ifndef PMEMCTL_CMD_JSON_H
#define PMEMCTL_CMD_JSON_H

#include <pmemctl/libpmemctl.h>
#include "util/json.h"

struct json_object *dimm_to_json(struct pmemctl_dimm *dimm, bool human);
struct json_object *region_to_json(struct pmemctl_region *region,
				   bool mappings, bool human);
struct json_object *namespace_to_json(struct pmemctl_namespace *ns,
				      bool human);

#endif
