/*
 * The frame of the server-rendered HTML pages: the templates (loaded once per
 * process), the layout's data, responses (pages, error pages, redirects, the
 * stylesheet), the session cookie, and forms with their CSRF token. A page's
 * data is one view (html/view.h) in the request's arena.
 */
#ifndef STOCKTAKE_PAGE_H
#define STOCKTAKE_PAGE_H

#include <stdbool.h>

struct arena;
struct kvlist;
struct request;
struct view;

/* Where the pages live; the session cookie is scoped to it. */
#define PAGE_ROOT "/admin"
#define PAGE_LOGIN PAGE_ROOT "/login"

/* One entry of the navigation bar, shown to callers with any of scopes. */
struct page_nav {
	const char *key; /* page_new's section */
	const char *label;
	const char *href;
	const char *scopes;
};

/*
 * Loads every template of the configured templates_dir and the files page_asset serves,
 * once per process (the app's init). nav ends with a zeroed entry. 0 or -1.
 */
int page_init(const struct page_nav *nav);

/*
 * A new page's data for the layout, a map in r's arena: title, the versioned
 * URLs of the static files (style_css, picker_js, counting_js), and when r has
 * a caller: user {username}, the navigation nav (section marked current),
 * csrf (the session's form token) and time_zone (page_zone; "UTC" without a
 * caller). Handlers add their data to it.
 */
struct view *page_new(struct request *r, const char *title, const char *section);

/*
 * The same frame added to page, a map that already holds data: a listing
 * reads its rows first, so that a caller read along with them is settled
 * before the frame shows it. Sets title, the static files' URLs, and user, nav and csrf when r has
 * a caller, replacing what page held under those names.
 */
void page_frame(struct request *r, struct view *page, const char *title, const char *section);

/* Renders template with page as r's response: status, text/html, no-store. */
void page_render(struct request *r, int status, const char *template, const struct view *page);

/*
 * An error page in the layout with status and message; for 401 a redirect to
 * the login form instead (back to this page afterwards when it was a GET).
 * Fits struct app's error.
 */
void page_error(struct request *r, int status, const char *message);

/* 303 See Other to location (a path of ours). */
void page_redirect(struct request *r, const char *location);

/*
 * GET /admin/style.css, /admin/picker.js, /admin/counting.js: the file of
 * templates_dir named by the path's last segment, read at start-up
 * (page_init); 404 for a file missing then. The pages link each under a URL
 * carrying its version (?v= a hash of its content, page_frame's style_css,
 * picker_js, counting_js), which may be cached for a year (immutable); the
 * plain URL for an hour; another ?v= not at all (no-cache).
 */
void page_asset(struct request *r);

/* Whether the request came over https (HTTPS=on, or X-Forwarded-Proto: https from a proxy). */
bool page_https(const struct request *r);

/*
 * Sets a cookie under path: HttpOnly, SameSite=Strict, Secure over https.
 * max_age 0 deletes it.
 */
void page_cookie(struct request *r, const char *name, const char *value, const char *path,
                 long max_age);

/*
 * Reads an x-www-form-urlencoded body into form and checks its "csrf" field
 * against the session's form token. false after sending the error page
 * (400 for a malformed body, 403 for a missing or wrong token).
 */
bool page_form(struct request *r, struct kvlist *form);

/*
 * The caller's tenant's time zone (an IANA name, "UTC" when the tenant chose
 * none or there is no caller), read once per request (one statement by
 * primary key) and kept on r->caller. Pages show every time in it.
 */
const char *page_zone(struct request *r);

/*
 * The one way pages show a time: a UTC time as the database or the API gives
 * it ("2023-06-15T10:30:00Z") as "2023-06-15 12:30:00" in page_zone(r); other
 * text and NULL unchanged. In r's arena.
 */
const char *page_time_text(struct request *r, const char *utc);

/* Whether the caller has any of scopes. */
bool page_can(const struct request *r, const char *scopes);

/* A form field with blanks trimmed; NULL when absent or blank. */
const char *page_field(struct request *r, const struct kvlist *form, const char *name);

/*
 * Appends a select's option to the list options: a map {value, label,
 * selected: value equals current, ignoring case (ids are ASCII compared as
 * the database compares them)} allocated in a.
 */
void page_option(struct arena *a, struct view *options, const char *value, const char *label,
                 const char *current);

#endif
