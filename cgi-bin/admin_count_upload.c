/* Admin pages importing a count CSV: the upload checked as a dry run, then the import itself. */
#include <string.h>

#include "admin.h"
#include "base/arena.h"
#include "base/log.h"
#include "count/count.h"
#include "count/count_csv.h"
#include "count/count_write.h"
#include "html/page.h"
#include "html/view.h"
#include "web/auth.h"
#include "web/csrf.h"
#include "web/multipart.h"
#include "web/req.h"

#define COUNT_PAGE PAGE_ROOT "/count-sessions"
/* The upload form has three fields; a few more are tolerated, not hundreds. */
#define UPLOAD_PARTS_MAX 8

/* An import being checked or made: the file's name and text, and the API's import of it. */
struct upload {
	const char *id; /* the session, as in the path */
	const char *filename;
	const char *text; /* the CSV: len bytes, not NUL-terminated (a part of the body) */
	size_t len;
	struct count_import im;
	struct count_result res;
};

/* The session page again with message beside the upload form. */
static void upload_refused(struct request *r, const char *id, int status, const char *message)
{
	struct admin_count_retry retry = {.form = "upload", .message = message};

	admin_count_session_page(r, id, status, NULL, "The file was not imported.", &retry);
}

/* One CSV row as the table shows it, with its error (or none) beside it. */
static struct view *row_view(struct request *r, const struct count_csv_row *row,
                             const struct count_import_error *err)
{
	struct view *o = view_map(r->arena);
	static const char *const cols[] = {"bin", "sku", "counted_qt", "lot"};

	view_set_int(o, "line", (long long)row->line);
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		view_set_str(o, cols[i], i < row->nfields ? row->fields[i] : NULL);
	view_set_bool(o, "ok", err == NULL);
	if (err)
		view_set_str(o, "error", admin_count_message(r, err->message, err->detail));
	return o;
}

/*
 * The dry run's table: every row with its error beside it. The import lists
 * its errors in row order, so one pass pairs them.
 */
static void rows_data(struct request *r, const struct upload *u, struct view *page)
{
	struct view *rows = view_list(r->arena);
	size_t e = 0;

	for (size_t i = 0; i < u->im.nrows; i++) {
		const struct count_import_error *err = NULL;

		if (e < u->im.nerrors && u->im.errors[e].line == u->im.rows[i].line)
			err = &u->im.errors[e++];
		view_push(rows, row_view(r, &u->im.rows[i], err));
	}
	view_set(page, "rows", rows);
}

/* The dry run's page (or a refused import's): the rows, their errors, the import button. */
static void dry_run_page(struct request *r, const struct upload *u, int status, const char *error)
{
	struct count_session s;
	struct view *page;
	size_t n = u->im.nrows;

	if (count_session_load(r->arena, r->caller->tenant_id, u->id, COUNT_READ, &s) != 0) {
		page_error(r, 500, "Internal server error");
		return;
	}
	page = page_new(r, arena_sprintf(r->arena, "Import into %s", s.code), "count");
	view_set_str(page, "id", s.id);
	view_set_str(page, "code", s.code);
	view_set_str(page, "filename", u->filename);
	view_set_str(page, "csv", arena_strndup(r->arena, u->text, u->len));
	view_set_str(page, "error", error);
	view_set_int(page, "nrows", (long long)n);
	view_set_int(page, "nerrors", (long long)u->im.nerrors);
	view_set_bool(page, "valid", u->im.nerrors == 0);
	view_set_bool(page, "has_errors", u->im.nerrors > 0);
	view_set_str(page, "rows_text", n == 1 ? "1 row" : arena_sprintf(r->arena, "%zu rows", n));
	view_set_str(page, "button",
	             n == 1 ? "Import 1 row" : arena_sprintf(r->arena, "Import %zu rows", n));
	rows_data(r, u, page);
	page_render(r, status, "count_import", page);
}

/*
 * Checks (dry_run) or imports the file's rows through the API's import, which
 * applies every rule again: the session started, the caller assigned, each row
 * valid, all or nothing.
 */
static void run_import(struct request *r, struct upload *u, bool dry_run)
{
	int rc =
	    count_csv_import_rows(r->arena, u->text, u->len, &u->im.rows, &u->im.nrows, &u->res);

	if (rc == COUNT_REFUSED) {
		upload_refused(r, u->id, u->res.status,
		               admin_count_message(r, u->res.message, u->res.detail));
		return;
	}
	u->im.dry_run = dry_run;
	rc = count_write_import(r->arena, r->caller->tenant_id, u->id, r->caller->user_id, &u->im,
	                        &u->res);
	if (rc == COUNT_REFUSED && u->im.nerrors == 0 && u->res.status == 404)
		page_error(r, 404, "Count session not found");
	else if (rc == COUNT_REFUSED && u->im.nerrors == 0)
		upload_refused(r, u->id, u->res.status,
		               admin_count_message(r, u->res.message, u->res.detail));
	else if (rc < 0)
		page_error(r, 500, "Internal server error");
	else if (rc == COUNT_REFUSED)
		dry_run_page(r, u, u->res.status,
		             admin_count_message(r, u->res.message, u->res.detail));
	else if (dry_run)
		dry_run_page(r, u, u->im.nerrors ? 422 : 200, NULL);
	else {
		log_info("admin: count session %s: %zu row(s) of %s imported by %s", u->id,
		         u->im.imported, u->filename, r->caller->user_id);
		page_redirect(r, arena_sprintf(r->arena, COUNT_PAGE "/%s?done=imported&rows=%zu",
		                               u->id, u->im.imported));
	}
}

/* A text part's bytes as a string of the arena (a NUL byte ends it early). */
static const char *part_text(struct request *r, const struct multipart_part *p)
{
	return p ? arena_strndup(r->arena, p->data, p->len) : NULL;
}

/*
 * Reads a multipart/form-data form into *parts and checks its "csrf" part,
 * like page_form for the other forms. Returns the number of parts, or -1
 * after sending the error page (400 malformed, 403 missing or wrong token).
 */
/*
 * The :id session of the caller's tenant, or NULL after a 404 (500) page. Looked up before the
 * body is read, so another tenant's session is a 404 whatever was posted, like every page's.
 */
static const char *upload_session(struct request *r)
{
	const char *id = admin_path_id(r, "Count session");
	struct count_session s;
	int rc;

	if (!id)
		return NULL;
	rc = count_session_load(r->arena, r->caller->tenant_id, id, COUNT_READ, &s);
	if (rc != 0) {
		page_error(r, rc < 0 ? 500 : 404,
		           rc < 0 ? "Internal server error" : "Count session not found");
		return NULL;
	}
	return id;
}

static long upload_form(struct request *r, struct multipart_part **parts)
{
	static const struct multipart_limits limits = {.max_parts = UPLOAD_PARTS_MAX};
	const char *msg = NULL;
	long n =
	    multipart_parse(r->arena, r->content_type, r->body, r->body_len, &limits, parts, &msg);

	if (n < 0) {
		page_error(r, 400,
		           arena_sprintf(r->arena, "The upload could not be read: %s.", msg));
		return -1;
	}
	if (!csrf_valid(r->arena, auth_request_token(r),
	                part_text(r, multipart_get(*parts, (size_t)n, "csrf")))) {
		log_warn("admin: %s %s refused: missing or wrong form token", r->method, r->path);
		page_error(r, 403,
		           "This form has expired or did not come from this site. "
		           "Please go back, reload the page and try again.");
		return -1;
	}
	return n;
}

/* POST .../upload (multipart/form-data: csrf, file): the dry run of the file. */
void admin_count_upload(struct request *r)
{
	struct upload u = {0};
	struct multipart_part *parts;
	const struct multipart_part *file;
	long n;

	if (!(u.id = upload_session(r)) || (n = upload_form(r, &parts)) < 0)
		return;
	file = multipart_get(parts, (size_t)n, "file");
	if (!file || !file->filename || !*file->filename) {
		upload_refused(r, u.id, 400, "Choose a CSV file to upload.");
		return;
	}
	u.filename = file->filename;
	/* Parsed where it lies in the body: the CSV reader refuses a NUL byte itself. */
	u.text = file->data;
	u.len = file->len;
	run_import(r, &u, true);
}

/*
 * POST .../import (the dry run's form: csrf, filename, csv): the import of the
 * checked rows. The form is multipart too: the CSV travels as it is, where
 * percent-encoding would make a file of half the body limit too large.
 */
void admin_count_import(struct request *r)
{
	struct upload u = {0};
	struct multipart_part *parts;
	const struct multipart_part *csv;
	long n;

	if (!(u.id = upload_session(r)) || (n = upload_form(r, &parts)) < 0)
		return;
	csv = multipart_get(parts, (size_t)n, "csv");
	u.filename = part_text(r, multipart_get(parts, (size_t)n, "filename"));
	if (!u.filename || !*u.filename)
		u.filename = "the file";
	if (!csv) {
		upload_refused(r, u.id, 400, "Choose a CSV file to upload.");
		return;
	}
	u.text = csv->data;
	u.len = csv->len;
	run_import(r, &u, false);
}
