/* Shared plumbing of the libFuzzer drivers, and the database stubs that make any DB access a
 * finding. */
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/env.h"
#include "db/db.h"
#include "web/row_json.h"
#include <json-c/json.h>
#include "base/log.h"

#ifndef FUZZ_TEMPLATES_DIR
#define FUZZ_TEMPLATES_DIR "templates"
#endif

void fuzz_setup(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	log_set_name("fuzz");
	/* Refusals are logged at warn level; thousands of them a second only slow the run. */
	log_set_level(LOGL_ERROR + 1);
	if (env_set("jwt_secret", FUZZ_SECRET) < 0 || env_set("jwt_issuer", FUZZ_ISSUER) < 0 ||
	    env_set("jwt_audience", FUZZ_AUDIENCE) < 0 ||
	    env_set("templates_dir", FUZZ_TEMPLATES_DIR) < 0)
		fuzz_fail("fuzz: cannot configure");
}

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz: property failed: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static int fake_read(void *ctx, char *dst, int n)
{
	struct fuzz_req *f = ctx;
	size_t left = f->body_len - f->body_pos;
	size_t k = (size_t)n < left ? (size_t)n : left;

	memcpy(dst, f->body + f->body_pos, k);
	f->body_pos += k;
	return (int)k;
}

static int fake_write(void *ctx, const char *src, int n)
{
	(void)ctx;
	(void)src;
	(void)n;
	return 0;
}

void fuzz_req_init(struct fuzz_req *f)
{
	memset(f, 0, sizeof(*f));
	req_init(&f->r);
	f->io.read = fake_read;
	f->io.write = fake_write;
	f->io.ctx = f;
	f->io.envp = f->envp;
	f->body = "";
}

void fuzz_req_env(struct fuzz_req *f, struct arena *a, const char *name, const char *value,
                  size_t n)
{
	size_t k = strlen(name);
	char *e;

	if (f->nenv + 1 >= sizeof(f->envp) / sizeof(f->envp[0]))
		fuzz_fail("fuzz_req_env: too many parameters");
	e = arena_alloc(a, k + 1 + n + 1);
	memcpy(e, name, k);
	e[k] = '=';
	memcpy(e + k + 1, value, n);
	f->envp[f->nenv++] = e;
	f->envp[f->nenv] = NULL;
}

void fuzz_req_body(struct fuzz_req *f, const char *body, size_t n)
{
	f->body = body;
	f->body_len = n;
	f->body_pos = 0;
}

enum req_read_result fuzz_req_read(struct fuzz_req *f, struct arena *a)
{
	return req_read(&f->r, a, &f->io, env_get()->body_max);
}

void fuzz_req_release(struct fuzz_req *f)
{
	req_json_release_all(&f->r);
	req_release(&f->r);
}

void fuzz_split(const uint8_t *data, size_t size, size_t n, const char **piece, size_t *len)
{
	const char *p = (const char *)data, *end = p + size;

	for (size_t i = 0; i < n; i++) {
		const char *nl = i + 1 < n ? memchr(p, '\n', (size_t)(end - p)) : NULL;

		piece[i] = p;
		len[i] = nl ? (size_t)(nl - p) : (size_t)(end - p);
		p = nl ? nl + 1 : end;
	}
}

bool fuzz_is_db_time(const char *s)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";

	if (!s || strlen(s) != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return false;
	return true;
}

/* ---- the database must never be reached from the pure entry points ---------------- */

#define NO_DB(what) fuzz_fail("%s reached: a pure parse/validate path touched the database", what)

int db_connect(void)
{
	NO_DB("db_connect");
}
void db_close(void)
{
}
int db_execv(struct arena *a, struct db_rows *out, const char *sql, const struct db_param *params,
             size_t nparams)
{
	NO_DB(sql);
}
int db_exec(struct arena *a, struct db_rows *out, const char *sql, const char *types, ...)
{
	NO_DB(sql);
}
unsigned long long db_affected_rows(void)
{
	NO_DB("db_affected_rows");
}
unsigned long long db_insert_id(void)
{
	NO_DB("db_insert_id");
}
unsigned int db_errno(void)
{
	NO_DB("db_errno");
}
const char *db_error(void)
{
	NO_DB("db_error");
}
bool db_is_duplicate(void)
{
	NO_DB("db_is_duplicate");
}
bool db_lock_conflict(void)
{
	NO_DB("db_lock_conflict");
}
const char *db_cell(const struct db_rows *rows, size_t row, size_t col)
{
	NO_DB("db_cell");
}
int db_col(const struct db_rows *rows, const char *name)
{
	NO_DB("db_col");
}
int db_begin(void)
{
	NO_DB("db_begin");
}
int db_commit(void)
{
	NO_DB("db_commit");
}
int db_rollback(void)
{
	NO_DB("db_rollback");
}
bool db_in_transaction(void)
{
	NO_DB("db_in_transaction");
}
int db_transaction(db_txn_fn fn, void *ctx)
{
	NO_DB("db_transaction");
}
int db_transaction_lazy(db_txn_fn fn, void *ctx)
{
	NO_DB("db_transaction_lazy");
}
bool db_begin_take(void)
{
	NO_DB("db_begin_take");
}
void db_txn_keep_conflict(void)
{
	NO_DB("db_txn_keep_conflict");
}
char *db_uuid(struct arena *a)
{
	NO_DB("db_uuid");
}
struct json_object *row_json(const struct db_rows *rows, size_t row)
{
	NO_DB("row_json");
}
void row_json_write(struct buf *b, const struct db_rows *rows, size_t row, struct arena *a)
{
	NO_DB("row_json_write");
}
const char *db_cell_text(struct arena *a, const struct db_rows *rows, size_t row, size_t col)
{
	NO_DB("db_cell_text");
}
size_t db_rows_add_cols(struct arena *a, struct db_rows *rows, const char *const *names)
{
	NO_DB("db_rows_add_cols");
}
void db_set_cell(struct db_rows *rows, size_t row, size_t col, const char *value)
{
	NO_DB("db_set_cell");
}
void db_rows_drop_col(struct db_rows *rows, size_t col)
{
	NO_DB("db_rows_drop_col");
}
