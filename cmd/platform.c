// SPDX-License-Identifier: GPL-2.0-only
/* pmemctl platform create | qemu-args: image platforms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util/size.h"

static const char create_usage[] =
	"pmemctl platform create DIR --dimm-size=SIZE [--dimms=N] [--label-size=SIZE] [--align=SIZE]\n"
	"   or: pmemctl platform create DIR --image=FILE [--image=FILE...] [--label-size=SIZE] [--align=SIZE]";
static const char qemu_usage[] =
	"pmemctl platform qemu-args [DIR] [--memory=SIZE]";

static int platform_create(int argc, char **argv, struct cmd_ctx *cc)
{
	struct pmemctl_platform_spec spec = { .ndimms = 1 };
	uint64_t ndimms = 1, label_size = 128 * 1024, align = 0;
	bool ndimms_set = false, size_set = false;
	struct opt_list images = { .n = 0 };
	int verbose = 0, rc;
	struct opt opts[] = {
		{ OPT_U64, 'n', "dimms", &ndimms, "N",
		  "number of DIMMs to create (default 1)", &ndimms_set,
		  ARG_NUMBER },
		{ OPT_SIZE, 's', "dimm-size", &spec.dimm_size, "SIZE",
		  "media capacity of each DIMM", &size_set, ARG_SIZE },
		OPT_SIZE64('l', "label-size", &label_size, "SIZE",
			   "label storage area per DIMM (default 128K)"),
		OPT_SIZE64('a', "align", &align, "SIZE",
			   "backend alignment (default 2M)"),
		OPT_STRLIST_OF('i', "image", &images, "FILE",
			       "adopt an existing QEMU nvdimm image (repeatable)",
			       ARG_FILE),
		OPT_COUNT('v', "verbose", &verbose, "more messages"),
		OPT_OPERANDS(ARG_DIR),
		OPT_LAST,
	};

	rc = cmd_parse(cc, &argc, &argv, opts, create_usage);
	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, verbose);
	if (argc != 1) {
		cmd_error(cc, "expected one platform directory; usage: %s",
			  create_usage);
		return EXIT_USAGE;
	}
	if (images.n && (ndimms_set || size_set)) {
		cmd_error(cc, "--image adopts existing images; it cannot be combined with --dimms or --dimm-size");
		return EXIT_USAGE;
	}
	if (images.n) {
		rc = pmemctl_platform_adopt(cc->ctx, argv[0], images.v,
					    images.n, label_size, align);
		if (!rc)
			fprintf(stderr, "adopted %u image(s) into %s\n",
				images.n, argv[0]);
		return cmd_exit_code(rc);
	}
	if (!size_set) {
		cmd_error(cc, "--dimm-size is required (or --image to adopt existing images)");
		return EXIT_USAGE;
	}
	if (ndimms == 0 || ndimms > 32) {
		cmd_error(cc, "--dimms must be 1 to 32, not %llu",
			  (unsigned long long)ndimms);
		return EXIT_USAGE;
	}
	spec.ndimms = (unsigned)ndimms;
	spec.label_size = label_size;
	spec.align = align;
	rc = pmemctl_platform_create(cc->ctx, argv[0], &spec);
	if (!rc) {
		char buf[32];

		fprintf(stderr, "created %u DIMM(s) of %s in %s\n", spec.ndimms,
			format_size(spec.dimm_size, buf, sizeof(buf)), argv[0]);
	}
	return cmd_exit_code(rc);
}

static int platform_qemu_args(int argc, char **argv, struct cmd_ctx *cc)
{
	uint64_t memory = 512ULL << 20;
	struct pmemctl_bus *bus;
	char **args = NULL;
	unsigned nargs = 0;
	struct opt opts[] = {
		OPT_SIZE64('m', "memory", &memory, "SIZE",
			   "guest RAM size (default 512M)"),
		OPT_OPERANDS(ARG_DIR),
		OPT_LAST,
	};
	int rc;

	rc = cmd_parse(cc, &argc, &argv, opts, qemu_usage);
	if (rc >= 0)
		return rc;
	if (argc > 1) {
		cmd_error(cc, "expected at most one platform directory");
		return EXIT_USAGE;
	}
	if (argc == 1)
		cc->platform = argv[0];
	if (!cc->platform) {
		cmd_error(cc, "no platform directory given (argument, --platform or PMEMCTL_PLATFORM)");
		return EXIT_USAGE;
	}
	rc = pmemctl_bus_open_image(cc->ctx, cc->platform, false, &bus);
	if (rc)
		return cmd_exit_code(rc);
	rc = pmemctl_bus_get_qemu_args(bus, memory, &args, &nargs);
	for (unsigned i = 0; i < nargs; i++) {
		if (!rc)
			printf("%s\n", args[i]);
		free(args[i]);
	}
	free(args);
	pmemctl_bus_close(bus);
	return cmd_exit_code(rc);
}

int cmd_platform(int argc, char **argv, struct cmd_ctx *cc)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return platform_create(argc - 1, argv + 1, cc);
	if (argc >= 2 && strcmp(argv[1], "qemu-args") == 0)
		return platform_qemu_args(argc - 1, argv + 1, cc);
	if (argc >= 2 && strcmp(argv[1], "--help") == 0)
		return cmd_show_man_page(cc, "platform");
	if (argc >= 2 && strcmp(argv[1], "--list-cmds") == 0) {
		printf("create\nqemu-args\n");
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--list-opts") == 0) {
		printf("--help\n");
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "--list-opts=types") == 0) {
		printf("subcommand operands\nnone --help\n");
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "-h") == 0) {
		printf("usage: %s\n   or: %s\n", create_usage, qemu_usage);
		return EXIT_OK;
	}
	cmd_error(cc, "expected a subcommand: create or qemu-args");
	return EXIT_USAGE;
}
