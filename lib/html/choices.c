/* The choices of a page's selects, kept per worker against the fingerprint the page reads along. */
#include "html/choices.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"
#include "db/db.h"
#include "html/listing.h"
#include "web/etag.h"

/* Tenants and selects whose choices a worker keeps at once. */
#define KEPT_SLOTS 16

struct kept {
	const struct listing_options *o; /* NULL: free slot */
	char *tenant;
	char *fingerprint;
	size_t n;
	char **cells; /* 2 * n: value, label (NULL for SQL NULL) */
};

static struct kept kept[KEPT_SLOTS];

static struct kept *slot_of(const struct listing_options *o, const char *tenant)
{
	return &kept[(etag_hash(tenant, strlen(tenant)) ^ (uintptr_t)o) % KEPT_SLOTS];
}

static char *dup_or_null(const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		log_fatal("choices: out of memory");
	return d;
}

/*
 * The fingerprint's text of o under label, built anew: the choices' count and
 * the MD5 of their values and labels in key order (a value length-prefixed,
 * so no label can pass for another row). One GROUP_CONCAT in one pass, since
 * the page pays for it on every request: a second one for a length check, or
 * an MD5 per row, cost MariaDB half as much again. 300 labels of code and name
 * (1 KiB at most each) stay far below group_concat_max_len (1 MiB by default),
 * so the join is never cut short.
 */
static char *fingerprint_text(struct arena *a, const struct listing_options *o, const char *label)
{
	/* A derived table: from_where may group (the distinct categories of items). */
	return arena_sprintf(a,
	                     "(SELECT IF(COUNT(*) = 0, '', CONCAT(COUNT(*), ':', "
	                     "MD5(GROUP_CONCAT(CONCAT(LENGTH(c.v),"
	                     " ':', c.v, IFNULL(CONCAT('=', c.l), '-')) ORDER BY c.k SEPARATOR '|' "
	                     "LIMIT " LISTING_OPTIONS_MAX "))))"
	                     " FROM (SELECT %s AS v, %s AS l, %s AS k %s) c) AS `%s`",
	                     o->value, o->label, o->key, o->from_where, label);
}

/* Texts built once per process: a page asks for the same few on every request. */
static struct {
	const struct listing_options *o;
	char *label;
	char *text;
} built[KEPT_SLOTS];

const char *choices_fingerprint_item(struct arena *a, const struct listing_options *o,
                                     const char *label)
{
	size_t i;

	for (i = 0; i < KEPT_SLOTS && built[i].o; i++)
		if (built[i].o == o && strcmp(built[i].label, label) == 0)
			return built[i].text;
	if (i == KEPT_SLOTS)
		return fingerprint_text(a, o, label);
	built[i].label = dup_or_null(label);
	built[i].text = dup_or_null(fingerprint_text(a, o, label));
	built[i].o = o;
	return built[i].text;
}

static void forget(struct kept *k)
{
	for (size_t i = 0; i < 2 * k->n; i++)
		free(k->cells[i]);
	free(k->cells);
	free(k->tenant);
	free(k->fingerprint);
	memset(k, 0, sizeof(*k));
}

/* Keeps the first two columns of rows as o's choices of tenant under fingerprint. */
static void keep(struct kept *k, const struct listing_options *o, const char *tenant,
                 const char *fingerprint, const struct db_rows *rows)
{
	forget(k);
	k->o = o;
	k->tenant = dup_or_null(tenant);
	k->fingerprint = dup_or_null(fingerprint);
	k->n = rows->nrows;
	k->cells = calloc(2 * k->n + 1, sizeof(*k->cells));
	if (!k->cells)
		log_fatal("choices: out of memory");
	for (size_t i = 0; i < k->n; i++) {
		k->cells[2 * i] = dup_or_null(db_cell(rows, i, 0));
		k->cells[2 * i + 1] = dup_or_null(db_cell(rows, i, 1));
	}
}

/* The kept choices as rows of two columns, copied into a (a later read may replace them). */
static void rows_of(struct arena *a, const struct kept *k, struct db_rows *rows)
{
	static const char *const names[] = {"v", "l"};

	memset(rows, 0, sizeof(*rows));
	rows->nrows = k->n;
	rows->ncols = 2;
	rows->colnames = (const char **)names;
	rows->cells = arena_alloc(a, (2 * k->n + 1) * sizeof(*rows->cells));
	for (size_t i = 0; i < 2 * k->n; i++)
		rows->cells[i] = k->cells[i] ? arena_strdup(a, k->cells[i]) : NULL;
}

int choices_read(struct arena *a, const struct listing_options *o, const char *tenant,
                 const char *fingerprint, struct db_rows *rows)
{
	struct kept *k = slot_of(o, tenant);
	const char *sql;

	if (fingerprint && k->o == o && k->fingerprint && strcmp(k->tenant, tenant) == 0 &&
	    strcmp(k->fingerprint, fingerprint) == 0) {
		rows_of(a, k, rows);
		return 0;
	}
	sql = arena_sprintf(a, "SELECT %s, %s, %s %s ORDER BY %s LIMIT " LISTING_OPTIONS_MAX,
	                    o->value, o->label, choices_fingerprint_item(a, o, "fingerprint"),
	                    o->from_where, o->key);
	if (db_exec(a, rows, sql, "ss", tenant, tenant) < 0)
		return -1;
	/* No rows: the tenant has none, which the page's column shows as "". */
	fingerprint = rows->nrows ? db_cell(rows, 0, 2) : "";
	if (fingerprint)
		keep(k, o, tenant, fingerprint, rows);
	else
		forget(k);
	return 0;
}
