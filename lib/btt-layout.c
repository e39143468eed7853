// SPDX-License-Identifier: LGPL-2.1-only
/* BTT support (in progress). */
#include "btt.h"
