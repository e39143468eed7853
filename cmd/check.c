// SPDX-License-Identifier: GPL-2.0-only
/* pmemctl check-btt (alias check-namespace): offline BTT fsck. */
#include "cmd.h"

int cmd_check_btt(int argc, char **argv, struct cmd_ctx *cc)
{
	(void)argc;
	(void)argv;
	cmd_error(cc, "not implemented yet");
	return 8;
}
