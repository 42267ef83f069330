/*
 * Fuzz driver: query strings and forms. The input is a request as FastCGI hands
 * it over, one parameter a line: QUERY_STRING, REQUEST_URI, CONTENT_TYPE,
 * HTTP_COOKIE, then the body. It goes through req_read, the list filters of the
 * API (paging, the master data filters down to their SQL, the ledger filters),
 * the value checks, cookies, and the admin pages' form reading (page_form, its
 * CSRF check and error page).
 *
 * Properties: percent-decoding keeps every pair (re-encoding and re-parsing the
 * parsed query gives the same pairs), the SQL of a filter binds one parameter per
 * '?', an accepted timestamp is a DATETIME that survives a round trip through
 * the API's ISO form, and a lower-cased id is still the same UUID.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/tz.h"
#include "base/valid.h"
#include "db/paging.h"
#include "db/sql.h"
#include "fuzz.h"
#include "html/html.h"
#include "html/listing.h"
#include "html/page.h"
#include "stock/itx.h"
#include "stock/ledger.h"
#include "stock/master.h"
#include "web/auth.h"
#include "web/master_resources.h"
#include "web/resource.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct page_nav nav[] = {
    {"ledger", "Ledger", "/admin/transactions", "view:tenant"},
    {NULL, NULL, NULL, NULL},
};

static const struct resource *const resources[] = {
    &master_resources_warehouses,
    &master_resources_bins,
    &master_resources_items,
    &master_resources_stocks,
    NULL,
};

/* Re-encodes the pairs, parses them again and wants the same pairs back. */
static void check_round_trip(struct arena *a, const struct kvlist *q)
{
	struct buf b;
	struct kvlist again = {0};

	buf_init(&b);
	for (size_t i = 0; i < q->n; i++) {
		if (i)
			buf_putc(&b, '&');
		html_url_arg(&b, q->items[i].key);
		buf_putc(&b, '=');
		html_url_arg(&b, q->items[i].value);
	}
	if (req_parse_urlencoded(a, buf_cstr(&b), b.len, &again) < 0)
		fuzz_fail("re-encoded query \"%s\" does not parse", buf_cstr(&b));
	if (again.n != q->n)
		fuzz_fail("query round trip: %zu pairs became %zu", q->n, again.n);
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->items[i].key, again.items[i].key) != 0 ||
		    strcmp(q->items[i].value, again.items[i].value) != 0)
			fuzz_fail("query round trip changed pair %zu", i);
	buf_release(&b);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* The value checks every handler applies to query and form values. */
static void check_value(struct arena *a, const char *v)
{
	char when[ITX_TS_LEN], iso[32], again[ITX_TS_LEN];
	long long i;
	enum ledger_dir dir;
	const char *norm;

	if (valid_timestamp(v, when, sizeof(when))) {
		if (!fuzz_is_db_time(when))
			fuzz_fail("valid_timestamp(\"%s\") gave \"%s\"", v, when);
		valid_db_time_to_iso(when, iso, sizeof(iso));
		if (!valid_timestamp(iso, again, sizeof(again)) || strcmp(when, again) != 0)
			fuzz_fail("timestamp %s -> %s does not come back", when, iso);
	}
	(void)valid_int64(v, &i);
	(void)valid_email(v);
	(void)valid_text(v, 255);
	(void)valid_utf8_chars(v);
	(void)ledger_type_normalize(v);
	(void)ledger_direction_parse(v, &dir);
	(void)tz_text(a, "Europe/Berlin", v);
	(void)listing_label(a, v);
	norm = valid_id_norm(a, v);
	if (valid_uuid(v) && (!valid_uuid(norm) || strcasecmp(norm, v) != 0))
		fuzz_fail("valid_id_norm(\"%s\") = \"%s\"", v, norm);
}

static void check_filters(struct request *r)
{
	struct paging pg;
	struct paging_refusal why;
	struct itx_filter f;
	const char *msg = NULL;

	(void)paging_parse(req_query(r, "page"), req_query(r, "limit"), PAGING_REFUSE, &pg, &why);
	for (size_t i = 0; resources[i]; i++) {
		struct sql q;

		sql_init(&q, r->arena);
		if (res_build_where(&q, resources[i], &r->query, FUZZ_TENANT, &msg) == 0 &&
		    count_char(buf_cstr(&q.text), '?') != q.n)
			fuzz_fail("%s: SQL \"%s\" has %zu parameters", resources[i]->table,
			          buf_cstr(&q.text), q.n);
		sql_release(&q);
	}
	/* A well-formed warehouse_id is looked up in the database: not this driver's part. */
	if (!valid_uuid(kvlist_get_nonempty(&r->query, "warehouse_id")))
		(void)itx_filter_parse(r->arena, FUZZ_TENANT, &r->query, &f, &msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena *a;
	static const char *const names[] = {"QUERY_STRING", "REQUEST_URI", "CONTENT_TYPE",
	                                    "HTTP_COOKIE"};
	const char *piece[5];
	size_t len[5];
	struct fuzz_req f;
	char cl[32];

	fuzz_setup();
	if (!a) {
		a = arena_new(0);
		if (page_init(nav) < 0)
			fuzz_fail("page_init: no templates");
	}
	fuzz_split(data, size, 5, piece, len);
	fuzz_req_init(&f);
	fuzz_req_env(&f, a, "REQUEST_METHOD", "POST", 4);
	for (size_t i = 0; i < 4; i++)
		if (len[i] || i == 0)
			fuzz_req_env(&f, a, names[i], piece[i], len[i]);
	snprintf(cl, sizeof(cl), "%zu", len[4]);
	fuzz_req_env(&f, a, "CONTENT_LENGTH", cl, strlen(cl));
	fuzz_req_body(&f, piece[4], len[4]);

	if (fuzz_req_read(&f, a) == REQ_OK) {
		struct kvlist form;

		check_round_trip(a, &f.r.query);
		for (size_t i = 0; i < f.r.query.n; i++)
			check_value(a, f.r.query.items[i].value);
		check_filters(&f.r);
		(void)req_cookie(&f.r, AUTH_COOKIE);
		(void)auth_request_token(&f.r);
		if (page_form(&f.r, &form)) {
			for (size_t i = 0; i < form.n; i++)
				(void)page_field(&f.r, &form, form.items[i].key);
		}
		(void)req_finish(&f.r, NULL);
	}
	fuzz_req_release(&f);
	arena_reset(a);
	return 0;
}
