/*
 * Fuzz driver: template parsing and rendering. The first byte picks the mode:
 *   even  the project's templates/ (parsed once) rendered with the rest as the
 *         context, one template per input (the first byte's upper bits);
 *   odd   the rest split at NUL bytes: a context, then templates t0, t1, ...
 *         (partials may name each other), parsed, linked and every one rendered.
 * The context is JSON text turned into a view (html/view.h: objects as maps,
 * arrays as lists), the templates' one data model. Every string of it also
 * goes through the escapers on its own, and every template is rendered again
 * from a view built with each map's keys in reverse order (and set twice, the
 * first value replaced): names are looked up, not positions, so the two must
 * be the same bytes.
 *
 * Properties: text and attribute escaping leaves no < > " ' and no & that does
 * not start one of its entities; a URL component is percent-encoded down to
 * A-Z a-z 0-9 - . _ ~ %; a URL in an attribute is "#" or a safe one, escaped.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "fuzz.h"
#include "html/html.h"
#include "html/tpl.h"
#include "html/view.h"
#include "html/view_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TEMPLATES 8
#define MAX_NAMES 64

static struct tpl_set *project;
static char *names[MAX_NAMES];
static size_t nnames;

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void load_project(void)
{
	DIR *d = opendir(FUZZ_TEMPLATES_DIR);
	struct dirent *e;

	project = tpl_load_dir(FUZZ_TEMPLATES_DIR);
	if (!project || !d)
		fuzz_fail("cannot load %s", FUZZ_TEMPLATES_DIR);
	while ((e = readdir(d)) && nnames < MAX_NAMES) {
		size_t n = strlen(e->d_name);

		if (n > 5 && strcmp(e->d_name + n - 5, ".html") == 0 && e->d_name[0] != '.')
			names[nnames++] = strndup(e->d_name, n - 5);
	}
	closedir(d);
	/* readdir's order depends on the file system: the corpus relies on name order. */
	qsort(names, nnames, sizeof(names[0]), by_name);
	if (!nnames)
		fuzz_fail("no templates in %s", FUZZ_TEMPLATES_DIR);
}

static void check_escaped(const char *s, size_t n)
{
	static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};

	for (size_t i = 0; i < n; i++) {
		bool ok = false;

		if (strchr("<>\"'", s[i]))
			fuzz_fail("escaped text holds a raw %c", s[i]);
		if (s[i] != '&')
			continue;
		for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++)
			ok |= strncmp(s + i, entities[k], strlen(entities[k])) == 0;
		if (!ok)
			fuzz_fail("escaped text holds a bare &");
	}
}

static void check_escapers(const char *v)
{
	struct buf b;

	buf_init(&b);
	html_txt(&b, v);
	check_escaped(buf_cstr(&b), b.len);
	buf_reset(&b);
	html_url_arg(&b, v);
	for (size_t i = 0; i < b.len; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%",
		            b.data[i]))
			fuzz_fail("URL component holds 0x%02x", (unsigned char)b.data[i]);
	buf_reset(&b);
	html_url(&b, v);
	check_escaped(buf_cstr(&b), b.len);
	if (strcmp(buf_cstr(&b), "#") != 0 && !html_url_safe(v))
		fuzz_fail("unsafe URL \"%s\" written", v);
	if (html_url_safe(v) && (v[0] == '/' && (v[1] == '/' || v[1] == '\\')))
		fuzz_fail("scheme-relative URL \"%s\" taken as safe", v);
	buf_release(&b);
}

static void walk_strings(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		check_escapers(json_object_get_string(v));
		break;
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			walk_strings(json_object_array_get_idx(v, i));
		break;
	case json_type_object: {
		json_object_object_foreach(v, key, val)
		{
			check_escapers(key);
			walk_strings(val);
		}
		break;
	}
	default:
		break;
	}
}

/*
 * The view of a JSON value with each map's keys in reverse order, each set first
 * to a placeholder; scalars as view_json_set and view_json_push make them.
 */
static struct view *reversed_of(struct arena *a, struct json_object *j)
{
	struct view *v;
	const char **keys;
	struct json_object **vals;
	size_t n;

	if (json_object_is_type(j, json_type_array)) {
		v = view_list(a);
		for (size_t i = 0; i < json_object_array_length(j); i++) {
			struct json_object *e = json_object_array_get_idx(j, i);
			struct view *nested = reversed_of(a, e);

			if (nested)
				view_push(v, nested);
			else
				view_json_push(a, v, e);
		}
		return v;
	}
	if (!json_object_is_type(j, json_type_object))
		return NULL;
	v = view_map(a);
	n = (size_t)json_object_object_length(j);
	keys = arena_alloc(a, (n + 1) * sizeof(*keys));
	vals = arena_alloc(a, (n + 1) * sizeof(*vals));
	n = 0;
	json_object_object_foreach(j, key, val)
	{
		keys[n] = arena_strdup(a, key);
		vals[n++] = val;
	}
	while (n-- > 0) {
		struct view *nested = reversed_of(a, vals[n]);

		view_set_str(v, keys[n], "placeholder");
		if (nested)
			view_set(v, keys[n], nested);
		else
			view_json_set(a, v, keys[n], vals[n]);
	}
	return v;
}

/* Renders name from the view of ctx onto out, and again from the reversed view: the same bytes. */
static int render_both(const struct tpl_set *set, const char *name, struct json_object *ctx,
                       struct buf *out)
{
	struct arena *a = arena_new(4096);
	struct buf again;
	int rc;

	buf_init(&again);
	rc = tpl_render(set, name, view_json_of(a, ctx), out);
	if (rc == 0 && tpl_render(set, name, reversed_of(a, ctx), &again) < 0)
		fuzz_fail("template %s renders once but not twice", name);
	if (rc == 0 &&
	    (again.len != out->len || memcmp(buf_cstr(&again), buf_cstr(out), out->len) != 0))
		fuzz_fail("template %s renders otherwise when the keys come in another order",
		          name);
	buf_release(&again);
	arena_free(a);
	return rc;
}

/* Parses n bytes as the JSON context (NULL when they are not JSON). */
static struct json_object *context(const char *s, size_t n)
{
	struct json_tokener *tok = json_tokener_new_ex(32);
	struct json_object *ctx;

	if (!tok)
		fuzz_fail("out of memory");
	ctx = json_tokener_parse_ex(tok, s, (int)n);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(ctx);
		ctx = NULL;
	}
	json_tokener_free(tok);
	return ctx;
}

static void render_own(const char *s, size_t n)
{
	const char *end = s + n, *part = memchr(s, '\0', n);
	struct json_object *ctx = context(s, part ? (size_t)(part - s) : n);
	struct tpl_set *set = tpl_set_new();
	char err[512], name[8];
	size_t count = 0;
	struct buf out;
	bool ok = true;

	buf_init(&out);
	while (part && part < end && count < MAX_TEMPLATES) {
		const char *src = part + 1, *next = memchr(src, '\0', (size_t)(end - src));
		size_t len = next ? (size_t)(next - src) : (size_t)(end - src);
		char *copy = strndup(src, len);

		snprintf(name, sizeof(name), "t%zu", count++);
		if (!copy)
			fuzz_fail("out of memory");
		ok &= tpl_set_add(set, name, copy, err, sizeof(err)) == 0;
		free(copy);
		part = next;
	}
	if (ok && tpl_set_link(set, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < count; i++) {
			snprintf(name, sizeof(name), "t%zu", i);
			buf_reset(&out);
			if (render_both(set, name, ctx, &out) < 0)
				fuzz_fail("template %s parsed but cannot be rendered", name);
		}
	}
	if (ctx)
		walk_strings(ctx);
	buf_release(&out);
	tpl_set_free(set);
	json_object_put(ctx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *ctx;
	struct buf out;

	fuzz_setup();
	if (!project)
		load_project();
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		render_own((const char *)data + 1, size - 1);
		return 0;
	}
	ctx = context((const char *)data + 1, size - 1);
	if (!ctx)
		return 0;
	buf_init(&out);
	if (render_both(project, names[(data[0] >> 1) % nnames], ctx, &out) < 0)
		fuzz_fail("no template %s", names[(data[0] >> 1) % nnames]);
	walk_strings(ctx);
	buf_release(&out);
	json_object_put(ctx);
	return 0;
}
