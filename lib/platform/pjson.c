// SPDX-License-Identifier: LGPL-2.1-only
/*
 * Strict JSON for platform.json (see pjson.h).  Two passes over the text:
 * the first checks the syntax and counts nodes and string bytes, the
 * second, into memory of exactly that size, builds the tree.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "pjson.h"
#include "private.h"

struct pj_parser {
	const char *p, *end, *start;
	struct pj_doc *doc;	/* NULL while counting */
	unsigned nnodes;
	size_t nstr;
	int depth;
};

static int parse_value(struct pj_parser *ps, unsigned *idx);

static void skip_ws(struct pj_parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
				   *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool eat(struct pj_parser *ps, char c)
{
	skip_ws(ps);
	if (ps->p >= ps->end || *ps->p != c)
		return false;
	ps->p++;
	return true;
}

static struct pj_node *node(struct pj_parser *ps, unsigned idx)
{
	return ps->doc ? &ps->doc->nodes[idx] : NULL;
}

static unsigned new_node(struct pj_parser *ps, enum pj_type type)
{
	unsigned idx = ps->nnodes++;
	struct pj_node *n = node(ps, idx);

	if (n)
		n->type = type;
	return idx;
}

static void put_byte(struct pj_parser *ps, uint8_t c)
{
	if (ps->doc)
		ps->doc->strs[ps->nstr] = (char)c;
	ps->nstr++;
}

static int hex4(struct pj_parser *ps, unsigned *v)
{
	*v = 0;
	if (ps->end - ps->p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	return 0;
}

/* \uXXXX (after the 'u'), a surrogate pair as one; no NUL in strings. */
static int put_escaped_unicode(struct pj_parser *ps)
{
	unsigned cp, lo;

	if (hex4(ps, &cp) || cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
		return -EINVAL;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return -EINVAL;
		ps->p += 2;
		if (hex4(ps, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return -EINVAL;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp < 0x80) {
		put_byte(ps, (uint8_t)cp);
	} else if (cp < 0x800) {
		put_byte(ps, (uint8_t)(0xc0 | cp >> 6));
		put_byte(ps, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		put_byte(ps, (uint8_t)(0xe0 | cp >> 12));
		put_byte(ps, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
		put_byte(ps, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		put_byte(ps, (uint8_t)(0xf0 | cp >> 18));
		put_byte(ps, (uint8_t)(0x80 | (cp >> 12 & 0x3f)));
		put_byte(ps, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
		put_byte(ps, (uint8_t)(0x80 | (cp & 0x3f)));
	}
	return 0;
}

static int parse_string(struct pj_parser *ps, const char **out)
{
	static const char esc_in[] = "\"\\/bfnrt", esc_out[] = "\"\\/\b\f\n\r\t";
	const char *s = ps->doc ? ps->doc->strs + ps->nstr : NULL;

	if (!eat(ps, '"'))
		return -EINVAL;
	for (;;) {
		const char *e;
		uint8_t c;

		if (ps->p >= ps->end)
			return -EINVAL;
		c = (uint8_t)*ps->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return -EINVAL;
		if (c != '\\') {
			put_byte(ps, c);
			continue;
		}
		if (ps->p >= ps->end)
			return -EINVAL;
		if (*ps->p == 'u') {
			ps->p++;
			if (put_escaped_unicode(ps))
				return -EINVAL;
			continue;
		}
		e = memchr(esc_in, *ps->p, sizeof(esc_in) - 1);
		if (!e)
			return -EINVAL;
		ps->p++;
		put_byte(ps, (uint8_t)esc_out[e - esc_in]);
	}
	put_byte(ps, 0);
	if (out)
		*out = s;
	return 0;
}

static bool is_digit(const struct pj_parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

static int parse_number(struct pj_parser *ps, struct pj_node *n)
{
	bool neg = false, integral = true, fits = true;
	uint64_t v = 0;

	if (ps->p < ps->end && *ps->p == '-') {
		neg = true;
		ps->p++;
	}
	if (!is_digit(ps))
		return -EINVAL;
	if (*ps->p == '0') {
		ps->p++;
	} else {
		while (is_digit(ps)) {
			unsigned d = (unsigned)(*ps->p++ - '0');

			if (v > (UINT64_MAX - d) / 10)
				fits = false;
			v = v * 10 + d;
		}
	}
	if (ps->p < ps->end && *ps->p == '.') {
		integral = false;
		ps->p++;
		if (!is_digit(ps))
			return -EINVAL;
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		integral = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return -EINVAL;
		while (is_digit(ps))
			ps->p++;
	}
	if (n) {
		n->is_u64 = integral && fits && !(neg && v);
		n->u64 = n->is_u64 ? v : 0;
	}
	return 0;
}

static int parse_literal(struct pj_parser *ps, struct pj_node *n)
{
	static const struct {
		const char *text;
		enum pj_type type;
		uint64_t value;
	} lits[] = {
		{ "null", PJ_NULL, 0 },
		{ "true", PJ_BOOL, 1 },
		{ "false", PJ_BOOL, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(lits); i++) {
		size_t len = strlen(lits[i].text);

		if ((size_t)(ps->end - ps->p) < len ||
		    memcmp(ps->p, lits[i].text, len) != 0)
			continue;
		ps->p += len;
		if (n) {
			n->type = lits[i].type;
			n->u64 = lits[i].value;
		}
		return 0;
	}
	return -EINVAL;
}

/* Members or elements up to @close; objects have "key": before each. */
static int parse_container(struct pj_parser *ps, unsigned idx, char close)
{
	bool object = close == '}';
	unsigned last = 0;

	if (++ps->depth > PJ_MAX_DEPTH)
		return -EINVAL;
	ps->p++;	/* the opening bracket */
	if (eat(ps, close))
		goto done;
	do {
		const char *key = NULL;
		unsigned kid;

		if (object && (parse_string(ps, &key) || !eat(ps, ':')))
			return -EINVAL;
		if (parse_value(ps, &kid))
			return -EINVAL;
		if (ps->doc) {
			ps->doc->nodes[kid].key = key;
			if (last)
				ps->doc->nodes[last].next = kid;
			else
				ps->doc->nodes[idx].first = kid;
			ps->doc->nodes[idx].nkids++;
		}
		last = kid;
	} while (eat(ps, ','));
	if (!eat(ps, close))
		return -EINVAL;
done:
	ps->depth--;
	return 0;
}

static int parse_value(struct pj_parser *ps, unsigned *idx)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return -EINVAL;
	switch (*ps->p) {
	case '{':
		*idx = new_node(ps, PJ_OBJECT);
		return parse_container(ps, *idx, '}');
	case '[':
		*idx = new_node(ps, PJ_ARRAY);
		return parse_container(ps, *idx, ']');
	case '"':
		*idx = new_node(ps, PJ_STRING);
		return parse_string(ps, ps->doc ? &node(ps, *idx)->str : NULL);
	case '-':
	case '0' ... '9':
		*idx = new_node(ps, PJ_NUMBER);
		return parse_number(ps, node(ps, *idx));
	default:
		*idx = new_node(ps, PJ_NULL);
		return parse_literal(ps, node(ps, *idx));
	}
}

static int parse_all(const char *text, size_t len, struct pj_doc *doc,
		     struct pj_parser *ps)
{
	unsigned root;

	*ps = (struct pj_parser){
		.p = text, .end = text + len, .start = text, .doc = doc,
	};
	if (parse_value(ps, &root))
		return -EINVAL;
	skip_ws(ps);
	return ps->p == ps->end ? 0 : -EINVAL;
}

int pj_parse(const char *text, size_t len, struct pj_doc *doc, size_t *where)
{
	struct pj_parser ps;

	memset(doc, 0, sizeof(*doc));
	if (parse_all(text, len, NULL, &ps)) {
		*where = (size_t)(ps.p - ps.start);
		return -EINVAL;
	}
	doc->nodes = calloc(ps.nnodes, sizeof(*doc->nodes));
	doc->strs = malloc(ps.nstr ? ps.nstr : 1);
	if (!doc->nodes || !doc->strs) {
		pj_free(doc);
		return -ENOMEM;
	}
	doc->n = ps.nnodes;
	/* the same text again: it cannot fail now */
	return parse_all(text, len, doc, &ps);
}

void pj_free(struct pj_doc *doc)
{
	free(doc->nodes);
	free(doc->strs);
	memset(doc, 0, sizeof(*doc));
}

const struct pj_node *pj_get(const struct pj_doc *doc,
			     const struct pj_node *obj, const char *key)
{
	const struct pj_node *found = NULL;

	if (!obj || obj->type != PJ_OBJECT)
		return NULL;
	for (unsigned i = obj->first; i; i = doc->nodes[i].next)
		if (strcmp(doc->nodes[i].key, key) == 0)
			found = &doc->nodes[i];
	return found;
}

const struct pj_node *pj_at(const struct pj_doc *doc,
			    const struct pj_node *arr, unsigned i)
{
	unsigned k;

	if (!arr || arr->type != PJ_ARRAY || i >= arr->nkids)
		return NULL;
	for (k = arr->first; i--; k = doc->nodes[k].next)
		;
	return &doc->nodes[k];
}

int pj_write_string(FILE *out, const char *s)
{
	int rc = fputc('"', out) == EOF;

	for (; *s && !rc; s++) {
		uint8_t c = (uint8_t)*s;

		if (c == '"' || c == '\\')
			rc = fprintf(out, "\\%c", c) < 0;
		else if (c < 0x20)
			rc = fprintf(out, "\\u%04x", c) < 0;
		else
			rc = fputc(c, out) == EOF;
	}
	if (!rc)
		rc = fputc('"', out) == EOF;
	return rc ? -EIO : 0;
}

int pj_load_file(struct pmemctl_ctx *ctx, const char *path, size_t max,
		 struct pj_doc *doc)
{
	size_t len = 0, where = 0;
	char *text;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		err(ctx, "%s: cannot open: %s", path, strerror(errno));
		return rc;
	}
	text = malloc(max);
	while (text && len < max && !rc) {
		ssize_t got = read(fd, text + len, max - len);

		if (got < 0 && errno != EINTR)
			rc = -errno;
		else if (got == 0)
			break;
		else if (got > 0)
			len += (size_t)got;
	}
	close(fd);
	if (!text)
		return log_oom(ctx, path);
	if (!rc && len == max) {
		err(ctx, "%s: not valid JSON: larger than %zu bytes", path, max);
		rc = -EINVAL;
	} else if (rc) {
		err(ctx, "%s: cannot read: %s", path, strerror(-rc));
	} else {
		rc = pj_parse(text, len, doc, &where);
		if (rc == -ENOMEM)
			log_oom(ctx, path);
		else if (rc)
			err(ctx, "%s: not valid JSON (at byte %zu)", path, where);
	}
	free(text);
	return rc;
}
