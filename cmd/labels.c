// SPDX-License-Identifier: GPL-2.0-only
/* init-labels, read-labels, write-labels, zero-labels, check-labels. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "util/json.h"

#define LABEL_INPUT_MAX (64u << 20)

struct label_params {
	int verbose;
	bool force;
	bool json;
	bool human;
	bool index_only;
	const char *version;
	const char *output;
	const char *input;
	uint64_t size;
	uint64_t offset;
};

typedef int (*dimm_action_fn)(struct pmemctl_dimm *dimm,
			      struct label_params *p, struct cmd_ctx *cc,
			      void *state);

/*
 * Run @action on every DIMM named by the positional arguments
 * ("nmemN", "N" or "all").  Every argument must match a DIMM; every
 * action runs even after one fails; the first failure's code is returned.
 */
static int dimm_action(int argc, char **argv, struct cmd_ctx *cc,
		       struct label_params *p, bool writable,
		       dimm_action_fn action, void *state, const char *verb)
{
	struct pmemctl_dimm *dimm;
	struct pmemctl_bus *bus;
	int first_rc = 0, done = 0, rc;

	if (argc < 1) {
		cmd_error(cc, "no DIMM given (nmemN, N or all)");
		return EXIT_USAGE;
	}
	rc = cmd_open_bus(cc, writable, &bus);
	if (rc)
		return cmd_exit_code(rc);
	for (int i = 0; i < argc; i++) {
		bool found = false;

		pmemctl_dimm_foreach(bus, dimm)
			found |= cmd_match_dimm(dimm, argv[i]);
		if (!found) {
			cmd_error(cc, "%s: no such DIMM", argv[i]);
			pmemctl_bus_close(bus);
			return EXIT_NOT_FOUND;
		}
	}
	pmemctl_dimm_foreach(bus, dimm) {
		bool match = false;

		for (int i = 0; i < argc; i++)
			match |= cmd_match_dimm(dimm, argv[i]);
		if (!match)
			continue;
		rc = action(dimm, p, cc, state);
		if (rc && !first_rc)
			first_rc = rc;
		done += !rc;
		/* out of memory ends the command, not just this DIMM */
		if (rc == -ENOMEM)
			break;
	}
	pmemctl_bus_close(bus);
	if (verb && done)
		fprintf(stderr, "%s %d nmem%s\n", verb, done,
			done == 1 ? "" : "s");
	return first_rc ? cmd_exit_code(first_rc) : EXIT_OK;
}

/* Refuse to overwrite labels that describe namespaces unless forced. */
static int refuse_active_labels(struct pmemctl_dimm *dimm,
				struct label_params *p, struct cmd_ctx *cc)
{
	struct pmemctl_lsa *lsa;
	unsigned n;
	int rc;

	if (p->force)
		return 0;
	/* only "no valid index" means no labels; out of memory is an error */
	rc = pmemctl_lsa_load(dimm, &lsa);
	if (rc)
		return rc == -ENODATA ? 0 : rc;
	n = pmemctl_lsa_get_nlabels(lsa);
	pmemctl_lsa_free(lsa);
	if (!n)
		return 0;
	cmd_error(cc, "%s: label area holds %u namespace label(s); use --force to overwrite",
		  pmemctl_dimm_get_devname(dimm), n);
	return -EBUSY;
}

/* ---- init-labels -------------------------------------------------------- */

static int init_one(struct pmemctl_dimm *dimm, struct label_params *p,
		    struct cmd_ctx *cc, void *state)
{
	enum pmemctl_label_version v = *(enum pmemctl_label_version *)state;
	int rc = refuse_active_labels(dimm, p, cc);

	return rc ? rc : pmemctl_dimm_init_labels(dimm, v, p->force);
}

int cmd_init_labels(int argc, char **argv, struct cmd_ctx *cc)
{
	struct label_params p = { .version = "1.1" };
	enum pmemctl_label_version v;
	struct opt opts[] = {
		OPT_BOOLEAN('f', "force", &p.force,
			    "overwrite a valid index (and labels in use)"),
		OPT_STR_OF('V', "label-version", &p.version, "1.1|1.2",
			   "label format version (default 1.1)",
			   ARG_LABEL_VERSION),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_DIMM | ARG_ALL),
		OPT_LAST,
	};
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl init-labels <nmem0|N|all> [<nmem1>...] [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (strcmp(p.version, "1.1") == 0) {
		v = PMEMCTL_LABEL_V1_1;
	} else if (strcmp(p.version, "1.2") == 0) {
		v = PMEMCTL_LABEL_V1_2;
	} else {
		cmd_error(cc, "unsupported label version '%s' (use 1.1 or 1.2)",
			  p.version);
		return EXIT_USAGE;
	}
	return dimm_action(argc, argv, cc, &p, true, init_one, &v,
			   "initialized");
}

/* ---- zero-labels -------------------------------------------------------- */

static int zero_one(struct pmemctl_dimm *dimm, struct label_params *p,
		    struct cmd_ctx *cc, void *state)
{
	int rc = refuse_active_labels(dimm, p, cc);

	(void)state;
	return rc ? rc : pmemctl_dimm_zero_labels(dimm);
}

int cmd_zero_labels(int argc, char **argv, struct cmd_ctx *cc)
{
	struct label_params p = { 0 };
	struct opt opts[] = {
		OPT_BOOLEAN('f', "force", &p.force,
			    "zero even when labels describe namespaces"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_DIMM | ARG_ALL),
		OPT_LAST,
	};
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl zero-labels <nmem0|N|all> [<nmem1>...] [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	return dimm_action(argc, argv, cc, &p, true, zero_one, NULL, "zeroed");
}

/* ---- check-labels ------------------------------------------------------- */

static int check_one(struct pmemctl_dimm *dimm, struct label_params *p,
		     struct cmd_ctx *cc, void *state)
{
	struct pmemctl_index_info info[2];
	const char *dev = pmemctl_dimm_get_devname(dimm);
	int rc = pmemctl_dimm_check_labels(dimm, info);

	(void)state;
	if (rc == -EBADMSG) {
		cmd_error(cc, "%s: no valid label index (index0: %s; index1: %s)",
			  dev, info[0].invalid_reason, info[1].invalid_reason);
		return rc;
	}
	if (rc)
		return rc;
	for (int i = 0; p->verbose && i < 2; i++) {
		if (info[i].valid)
			fprintf(stderr, "%s: index%d: valid, v%u.%u, seq %u, %u slots\n",
				dev, i, info[i].major, info[i].minor,
				info[i].seq & 3, info[i].nslot);
		else
			fprintf(stderr, "%s: index%d: invalid: %s\n", dev, i,
				info[i].invalid_reason);
	}
	return 0;
}

int cmd_check_labels(int argc, char **argv, struct cmd_ctx *cc)
{
	struct label_params p = { 0 };
	struct opt opts[] = {
		OPT_COUNT('v', "verbose", &p.verbose,
			  "describe each index block"),
		OPT_OPERANDS(ARG_DIMM | ARG_ALL),
		OPT_LAST,
	};
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl check-labels <nmem0|N|all> [<nmem1>...] [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	return dimm_action(argc, argv, cc, &p, false, check_one, NULL,
			   "successfully verified");
}

/* ---- read-labels -------------------------------------------------------- */

static struct json_object *index_to_json(const struct pmemctl_index_info *x,
					 int i, bool current)
{
	struct json_object *o = json_object_new_object();

	json_add(o, "index", json_object_new_int(i));
	json_add(o, "valid", json_object_new_boolean(x->valid));
	if (!x->valid)
		json_add(o, "invalid_reason",
			 json_object_new_string(x->invalid_reason));
	json_add(o, "current", json_object_new_boolean(current));
	json_add(o, "signature", json_object_new_string(x->signature));
	json_add(o, "major", json_object_new_int((int)x->major));
	json_add(o, "minor", json_object_new_int((int)x->minor));
	json_add(o, "labelsize", json_object_new_int((int)x->labelsize));
	json_add(o, "seq", json_u64(x->seq));
	json_add(o, "nslot", json_u64(x->nslot));
	return o;
}

static struct json_object *label_to_json(const struct pmemctl_label_info *l,
					 bool v12, bool human)
{
	struct json_object *o = json_object_new_object();

	json_add(o, "uuid", json_uuid(l->uuid));
	json_add(o, "name", json_object_new_string(l->name));
	json_add(o, "slot", json_u64(l->slot));
	json_add(o, "position", json_u64(l->position));
	json_add(o, "nlabel", json_u64(l->nlabel));
	json_add(o, "flags", json_hex(l->flags, human));
	json_add(o, "isetcookie", json_hex(l->isetcookie, human));
	json_add(o, "lbasize", json_u64(l->lbasize));
	json_add(o, "dpa", json_hex(l->dpa, human));
	json_add(o, "rawsize", json_size(l->rawsize, human));
	if (v12) {
		json_add(o, "type_guid", json_guid(l->type_guid));
		json_add(o, "abstraction_guid", json_guid(l->abstraction_guid));
	}
	return o;
}

static int read_json_one(struct pmemctl_dimm *dimm, struct label_params *p,
			 struct json_object *arr)
{
	struct json_object *o = json_object_new_object();
	struct json_object *idx = json_object_new_array();
	struct json_object *labels = json_object_new_array();
	struct pmemctl_index_info info[2];
	struct pmemctl_lsa *lsa = NULL;
	int cur = -1, rc;

	json_add(o, "dev", json_object_new_string(pmemctl_dimm_get_devname(dimm)));
	rc = pmemctl_dimm_check_labels(dimm, info);
	if (!rc)
		rc = pmemctl_lsa_load(dimm, &lsa);
	if (rc && rc != -EBADMSG) {
		json_object_put(o);
		json_object_put(idx);
		json_object_put(labels);
		return rc;
	}
	if (lsa)
		cur = pmemctl_lsa_get_current_index(lsa);
	for (int i = 0; i < 2; i++)
		json_append(idx, index_to_json(&info[i], i, i == cur));
	json_add(o, "index", idx);
	for (unsigned n = 0; !p->index_only && lsa &&
	     n < pmemctl_lsa_get_nlabels(lsa); n++) {
		struct pmemctl_label_info l;

		if (pmemctl_lsa_get_label(lsa, n, &l) == 0)
			json_append(labels, label_to_json(&l,
				pmemctl_lsa_get_version(lsa) == PMEMCTL_LABEL_V1_2,
				p->human));
	}
	if (!p->index_only)
		json_add(o, "label", labels);
	else
		json_object_put(labels);
	pmemctl_lsa_free(lsa);
	json_append(arr, o);	/* a failure shows when printing */
	return 0;
}

/* Is [offset, offset + len) inside the label area?  Says why not. */
static int check_lsa_range(struct cmd_ctx *cc, struct pmemctl_dimm *dimm,
			   uint64_t offset, uint64_t len)
{
	const char *dev = pmemctl_dimm_get_devname(dimm);
	uint64_t area;
	int rc = pmemctl_dimm_label_area_size(dimm, &area);

	if (rc)
		return rc;
	if (offset > area) {
		cmd_error(cc, "%s: --offset %llu is beyond the %llu-byte label area",
			  dev, (unsigned long long)offset,
			  (unsigned long long)area);
		return -EINVAL;
	}
	if (len > area - offset) {
		cmd_error(cc, "%s: %llu bytes at offset %llu do not fit the %llu-byte label area",
			  dev, (unsigned long long)len,
			  (unsigned long long)offset, (unsigned long long)area);
		return -EINVAL;
	}
	return 0;
}

static int read_raw_one(struct pmemctl_dimm *dimm, struct label_params *p,
			struct cmd_ctx *cc, FILE *out)
{
	uint64_t len;
	uint8_t *buf;
	int rc;

	rc = check_lsa_range(cc, dimm, p->offset, p->size);
	if (rc)
		return rc;
	len = p->size ? p->size : pmemctl_dimm_get_label_size(dimm) - p->offset;
	buf = malloc(len ? len : 1);
	if (!buf) {
		cmd_error(cc, "%s: out of memory",
			  pmemctl_dimm_get_devname(dimm));
		return -ENOMEM;
	}
	rc = pmemctl_dimm_read_lsa(dimm, p->offset, buf, len);
	if (!rc && fwrite(buf, 1, len, out) != len) {
		/* -o FILE buffers in memory until everything is read */
		rc = errno == ENOMEM ? -ENOMEM : -EIO;
		cmd_error(cc, "%s: %s", pmemctl_dimm_get_devname(dimm),
			  rc == -ENOMEM ? "out of memory" : "write failed");
	}
	free(buf);
	return rc;
}

struct read_state {
	FILE *out;
	struct json_object *arr;
};

static int read_one(struct pmemctl_dimm *dimm, struct label_params *p,
		    struct cmd_ctx *cc, void *state)
{
	struct read_state *st = state;

	if (p->json)
		return read_json_one(dimm, p, st->arr);
	return read_raw_one(dimm, p, cc, st->out);
}

/*
 * Write the buffered output to @path only once everything was read, so a
 * failed read-labels -o leaves an existing FILE as it was.
 */
static int save_output(struct cmd_ctx *cc, const char *path,
		       const char *buf, size_t len)
{
	FILE *f = fopen(path, "w");
	int rc = 0;

	if (!f) {
		rc = -errno;
		cmd_error(cc, "%s: cannot open for writing: %s", path,
			  rc == -ENOMEM ? "out of memory" : strerror(-rc));
		return cmd_exit_code(rc);
	}
	errno = 0;
	if (fwrite(buf, 1, len, f) != len)
		rc = errno ? -errno : -EIO;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (rc) {
		/* as every command's output file: by its errno (ENOSPC: 6) */
		cmd_error(cc, "%s: write failed: %s", path, strerror(-rc));
		return cmd_exit_code(rc);
	}
	return EXIT_OK;
}

int cmd_read_labels(int argc, char **argv, struct cmd_ctx *cc)
{
	char *outbuf = NULL;
	size_t outlen = 0;
	struct label_params p = { 0 };
	struct read_state st = { .out = stdout };
	struct opt opts[] = {
		OPT_FILENAME('o', "output", &p.output, "FILE",
			     "write to FILE instead of stdout"),
		OPT_BOOLEAN('j', "json", &p.json, "decode the area as JSON"),
		OPT_BOOLEAN('u', "human", &p.human,
			    "JSON with sizes and hex fields as strings (implies -j)"),
		OPT_BOOLEAN('I', "index", &p.index_only,
			    "only the index blocks"),
		OPT_SIZE64('s', "size", &p.size, "SIZE",
			   "bytes to read (default: whole area)"),
		OPT_SIZE64('O', "offset", &p.offset, "OFFSET",
			   "offset into the label area"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_DIMM | ARG_ALL),
		OPT_LAST,
	};
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl read-labels <nmem0|N|all> [<nmem1>...] [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	p.json |= p.human;	/* as ndctl: -u implies --json */
	if (p.json && (p.size || p.offset)) {
		cmd_error(cc, "--json decodes the whole area; it cannot be combined with --size or --offset");
		return EXIT_USAGE;
	}
	if (p.index_only && !p.json) {
		cmd_error(cc, "--index applies to --json output");
		return EXIT_USAGE;
	}
	if (p.output) {
		st.out = open_memstream(&outbuf, &outlen);
		if (!st.out) {
			cmd_error(cc, "out of memory");
			return EXIT_FAIL;
		}
	}
	st.arr = json_object_new_array();
	if (!st.arr) {
		cmd_error(cc, "out of memory");
		rc = EXIT_FAIL;
	} else {
		rc = dimm_action(argc, argv, cc, &p, false, read_one, &st,
				 NULL);
	}
	if (rc == EXIT_OK && p.json && json_print(st.out, st.arr)) {
		cmd_error(cc, "out of memory");
		rc = EXIT_FAIL;
	}
	json_object_put(st.arr);
	if (st.out != stdout && fclose(st.out) != 0 && rc == EXIT_OK) {
		cmd_error(cc, "out of memory");
		rc = EXIT_FAIL;
	}
	if (p.output && rc == EXIT_OK)
		rc = save_output(cc, p.output, outbuf, outlen);
	free(outbuf);
	return rc;
}

/* ---- write-labels ------------------------------------------------------- */

struct write_state {
	uint8_t *data;
	size_t len;
};

static int write_one(struct pmemctl_dimm *dimm, struct label_params *p,
		     struct cmd_ctx *cc, void *state)
{
	struct write_state *st = state;
	int rc;

	rc = check_lsa_range(cc, dimm, p->offset, st->len);
	if (!rc)
		rc = refuse_active_labels(dimm, p, cc);
	/* labels on a label-less DIMM would hide its namespace's data */
	if (!rc)
		rc = pmemctl_dimm_refuse_relabel(dimm, p->force);
	return rc ? rc : pmemctl_dimm_write_lsa(dimm, p->offset, st->data,
						st->len);
}

static int slurp(FILE *in, uint8_t **data, size_t *len)
{
	size_t cap = 65536, n = 0;
	uint8_t *buf = malloc(cap);

	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, in);

		n += got;
		if (got == 0)
			break;
		if (n == cap) {
			uint8_t *nb = cap >= LABEL_INPUT_MAX ? NULL
							     : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return cap >= LABEL_INPUT_MAX ? -E2BIG : -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf)
		return -ENOMEM;
	if (ferror(in)) {
		free(buf);
		return -EIO;
	}
	*data = buf;
	*len = n;
	return 0;
}

int cmd_write_labels(int argc, char **argv, struct cmd_ctx *cc)
{
	struct label_params p = { 0 };
	struct write_state st = { 0 };
	FILE *in = stdin;
	struct opt opts[] = {
		OPT_FILENAME('i', "input", &p.input, "FILE",
			     "read from FILE instead of stdin"),
		OPT_SIZE64('s', "size", &p.size, "SIZE",
			   "bytes to write (default: all input)"),
		OPT_SIZE64('O', "offset", &p.offset, "OFFSET",
			   "offset into the label area"),
		OPT_BOOLEAN('f', "force", &p.force,
			    "overwrite labels that describe namespaces"),
		OPT_COUNT('v', "verbose", &p.verbose, "more messages"),
		OPT_OPERANDS(ARG_DIMM),
		OPT_LAST,
	};
	int rc = cmd_parse(cc, &argc, &argv, opts,
			   "pmemctl write-labels <nmem0|N> [-i FILE] [<options>]");

	if (rc >= 0)
		return rc;
	cmd_set_verbose(cc, p.verbose);
	if (argc != 1 || strcmp(argv[0], "all") == 0) {
		cmd_error(cc, "write-labels takes exactly one DIMM");
		return EXIT_USAGE;
	}
	if (p.input && strcmp(p.input, "-") != 0) {
		in = fopen(p.input, "rb");
		if (!in) {
			int err = errno;

			cmd_error(cc, "%s: cannot open: %s", p.input,
				  err == ENOMEM ? "out of memory" : strerror(err));
			return err == ENOMEM ? EXIT_FAIL : EXIT_NOT_FOUND;
		}
	}
	rc = slurp(in, &st.data, &st.len);
	if (in != stdin)
		fclose(in);
	if (rc) {
		cmd_error(cc, "cannot read the input: %s",
			  rc == -ENOMEM ? "out of memory" : strerror(-rc));
		return cmd_exit_code(rc);
	}
	if (p.size) {
		if (p.size > st.len) {
			cmd_error(cc, "--size %llu exceeds the %zu bytes of input",
				  (unsigned long long)p.size, st.len);
			free(st.data);
			return EXIT_USAGE;
		}
		st.len = p.size;
	}
	rc = dimm_action(argc, argv, cc, &p, true, write_one, &st, "wrote");
	free(st.data);
	return rc;
}
