/* The HTML page frame: templates and stylesheet loaded once, layout context, responses, cookies,
 * forms. */
#include "html/page.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/log.h"
#include "base/tz.h"
#include "db/db.h"
#include "html/html.h"
#include "html/tpl.h"
#include "html/view.h"
#include "web/auth.h"
#include "web/csrf.h"
#include "web/etag.h"
#include "web/req.h"

#define ASSET_MAX (256 * 1024)

/* The files of templates_dir the pages link to, served as they are (page_asset). */
static struct asset {
	const char *name;
	const char *type;
	const char *key; /* the page frame's value holding its versioned URL */
	char *body;      /* NULL: missing at start-up (the pages work without it; the stylesheet is
	                    warned of) */
	char *href;      /* PAGE_ROOT/name?v=<hash of body> */
} assets[] = {
    {"style.css", "text/css; charset=utf-8", "style_css", NULL, NULL},
    /* the search pickers' suggestions */
    {"picker.js", "text/javascript; charset=utf-8", "picker_js", NULL, NULL},
    /* the counter's screen: Enter moves on */
    {"counting.js", "text/javascript; charset=utf-8", "counting_js", NULL, NULL},
};

/* How long a browser keeps a file: a year under its versioned URL (a new body gets a new
 * URL, so an upgrade is never served a stale one), an hour under its plain one. */
#define ASSET_CACHE_VERSIONED "public, max-age=31536000, immutable"
#define ASSET_CACHE_PLAIN "public, max-age=3600"

/* Process-wide, read once at start-up like the configuration. */
static struct tpl_set *templates;
static const struct page_nav *navigation;

static char *read_asset(const char *dir, const char *name)
{
	char *path = NULL, *body;
	FILE *f;
	size_t n;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		log_fatal("page: out of memory");
	f = fopen(path, "rb");
	if (!f) {
		log_warn("page: no %s", path);
		free(path);
		return NULL;
	}
	free(path);
	body = malloc(ASSET_MAX + 1);
	if (!body)
		log_fatal("page: out of memory");
	n = fread(body, 1, ASSET_MAX, f);
	body[n] = '\0';
	fclose(f);
	return body;
}

/*
 * Reads an asset and names it by its content: the hash of the body, not the release, so a
 * changed file gets a new URL even within a release, and every host of a release the same.
 */
static void asset_load(struct asset *as, const char *dir)
{
	unsigned long long v;

	as->body = read_asset(dir, as->name);
	v = as->body ? etag_hash(as->body, strlen(as->body)) : 0;
	if (asprintf(&as->href, "%s/%s?v=%012llx", PAGE_ROOT, as->name, v & 0xffffffffffffULL) < 0)
		log_fatal("page: out of memory");
}

int page_init(const struct page_nav *nav)
{
	const char *dir = env_get()->templates_dir;

	navigation = nav;
	if (!templates && !(templates = tpl_load_dir(dir)))
		return -1;
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (!assets[i].body)
			asset_load(&assets[i], dir);
	return 0;
}

void page_option(struct arena *a, struct view *options, const char *value, const char *label,
                 const char *current)
{
	struct view *o = view_map(a);

	view_set_str(o, "value", value);
	view_set_str(o, "label", label);
	view_set_bool(o, "selected", current && value && strcasecmp(current, value) == 0);
	view_push(options, o);
}

const char *page_zone(struct request *r)
{
	struct db_rows rows;
	const char *zone;

	if (!r->caller)
		return TZ_DEFAULT;
	/* Usually read with the caller's user row (db/user_probe.h); a page that formats a time
	 * before its first statement reads it on its own. */
	zone = r->caller->time_zone;
	if (!zone &&
	    db_exec(r->arena, &rows, "SELECT time_zone FROM tenants WHERE id = ?", "s",
	            r->caller->tenant_id) == 0 &&
	    rows.nrows == 1)
		zone = db_cell(&rows, 0, 0);
	/* The name was checked when it was set; checked again (once per change of zone in this
	 * worker) so a page never names a zone its times are not in. */
	r->caller->time_zone = zone && tz_usable(zone) ? zone : TZ_DEFAULT;
	return r->caller->time_zone;
}

const char *page_time_text(struct request *r, const char *utc)
{
	return tz_text(r->arena, page_zone(r), utc);
}

bool page_can(const struct request *r, const char *scopes)
{
	return r->caller && auth_scope_any(r->caller->scope ? r->caller->scope : "", scopes);
}

/* The navigation entries the caller may use; section is marked current. */
static struct view *nav_view(const struct request *r, const char *section)
{
	struct view *list = view_list(r->arena);

	for (const struct page_nav *n = navigation; n && n->key; n++) {
		struct view *o;

		if (!page_can(r, n->scopes))
			continue;
		o = view_map(r->arena);
		view_set_str(o, "label", n->label);
		view_set_str(o, "href", n->href);
		view_set_bool(o, "current", section && strcmp(section, n->key) == 0);
		view_push(list, o);
	}
	return list;
}

void page_frame(struct request *r, struct view *page, const char *title, const char *section)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		view_set_str(page, assets[i].key,
		             assets[i].href
		                 ? assets[i].href
		                 : arena_sprintf(r->arena, "%s/%s", PAGE_ROOT, assets[i].name));
	view_set_str(page, "title", title);
	view_set_str(page, "time_zone", TZ_DEFAULT);
	/*
	 * The frame shows who the caller is and what they may do: a caller still
	 * pending is settled first. A refusal is only recorded here; app_dispatch
	 * sends it in place of this page.
	 */
	if (r->caller && r->caller->pending) {
		const char *ignored = NULL;
		auth_settle(r, &ignored);
	}
	if (r->caller) {
		struct view *user = view_map(r->arena);

		view_set_str(user, "username", r->caller->username);
		view_set(page, "user", user);
		view_set(page, "nav", nav_view(r, section));
		view_set_str(page, "csrf", csrf_token(r->arena, auth_request_token(r)));
		view_set_str(page, "time_zone", page_zone(r));
	}
}

struct view *page_new(struct request *r, const char *title, const char *section)
{
	struct view *page = view_map(r->arena);

	page_frame(r, page, title, section);
	return page;
}

void page_render(struct request *r, int status, const char *template, const struct view *page)
{
	static const char fallback[] =
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title>"
	    "</head><body><p>Internal server error</p></body></html>\n";

	buf_reset(&r->out);
	if (!templates || tpl_render(templates, template, page, &r->out) < 0) {
		log_error("page: no template %s", template);
		buf_reset(&r->out);
		html_raw(&r->out, fallback, sizeof(fallback) - 1);
		status = 500;
	}
	r->status = status;
	r->out_type = "text/html; charset=utf-8";
	req_add_header(r, "Cache-Control", "no-store");
}

void page_redirect(struct request *r, const char *location)
{
	buf_reset(&r->out);
	r->status = 303;
	req_add_header(r, "Location", location);
	req_add_header(r, "Cache-Control", "no-store");
}

bool page_https(const struct request *r)
{
	const char *proto = req_header(r, "X-Forwarded-Proto");

	return r->https || (proto && strcasecmp(proto, "https") == 0);
}

void page_cookie(struct request *r, const char *name, const char *value, const char *path,
                 long max_age)
{
	req_add_header(r, "Set-Cookie",
	               arena_sprintf(r->arena,
	                             "%s=%s; Path=%s; Max-Age=%ld; HttpOnly; SameSite=Strict%s",
	                             name, max_age ? value : "", path, max_age,
	                             page_https(r) ? "; Secure" : ""));
}

/* The page to come back to after logging in: this GET's path and query. */
static const char *login_next(struct request *r)
{
	struct buf b;
	const char *out;

	if (strcmp(r->method, "GET") != 0)
		return NULL;
	buf_init(&b);
	buf_puts(&b, PAGE_LOGIN "?next=");
	html_url_arg(&b, r->path);
	if (*r->query_string) {
		buf_puts(&b, "%3F");
		html_url_arg(&b, r->query_string);
	}
	out = arena_strdup(r->arena, buf_cstr(&b));
	buf_release(&b);
	return out;
}

void page_error(struct request *r, int status, const char *message)
{
	struct view *page;

	if (status == 401) {
		const char *next = login_next(r);

		/* A stale cookie would only bring the browser back here. */
		if (req_cookie(r, AUTH_COOKIE))
			page_cookie(r, AUTH_COOKIE, "", PAGE_ROOT, 0);
		page_redirect(r, next ? next : PAGE_LOGIN);
		return;
	}
	page = page_new(r, req_status_text(status), NULL);
	view_set_int(page, "status", status);
	view_set_str(page, "message", message);
	page_render(r, status, "error", page);
}

/*
 * The Cache-Control of an asset's answer. A request naming another version (a page of
 * another release during an upgrade across hosts) gets this body but may not keep it
 * under that URL.
 */
static const char *asset_cache(const struct request *r, const struct asset *as)
{
	const char *v = req_query(r, "v");
	const char *mine = as->href ? strstr(as->href, "?v=") : NULL;

	if (!v)
		return ASSET_CACHE_PLAIN;
	return mine && strcmp(v, mine + 3) == 0 ? ASSET_CACHE_VERSIONED : "no-cache";
}

void page_asset(struct request *r)
{
	const char *name = strrchr(r->path, '/');

	for (size_t i = 0; name && i < sizeof(assets) / sizeof(assets[0]); i++) {
		if (strcmp(name + 1, assets[i].name) != 0 || !assets[i].body)
			continue;
		buf_reset(&r->out);
		buf_puts(&r->out, assets[i].body);
		r->status = 200;
		r->out_type = assets[i].type;
		req_add_header(r, "Cache-Control", asset_cache(r, &assets[i]));
		return;
	}
	page_error(r, 404, "Not found");
}

bool page_form(struct request *r, struct kvlist *form)
{
	memset(form, 0, sizeof(*form));
	if (!req_is_form(r) || req_parse_urlencoded(r->arena, r->body, r->body_len, form) < 0) {
		page_error(r, 400, "The form could not be read. Please go back and try again.");
		return false;
	}
	if (!csrf_valid(r->arena, auth_request_token(r), kvlist_get(form, "csrf"))) {
		log_warn("page: %s %s refused: missing or wrong form token", r->method, r->path);
		page_error(r, 403,
		           "This form has expired or did not come from this site. "
		           "Please go back, reload the page and try again.");
		return false;
	}
	return true;
}

const char *page_field(struct request *r, const struct kvlist *form, const char *name)
{
	const char *v = kvlist_get(form, name);
	size_t n;

	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	return n ? arena_strndup(r->arena, v, n) : NULL;
}
