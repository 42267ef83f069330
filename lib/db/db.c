/* MariaDB access: one connection per process, cached prepared statements, rows in the arena. */
#include "db/db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/log.h"
#include "base/tz.h"
#include "base/uuid7.h"
#include "base/valid.h"
#include "db/db_nodes.h"

#define STMT_CACHE_MAX 512 /* prepared statements kept per process; the server caps them too */
#define STMT_BUCKETS 1024  /* hash buckets (power of two) */
#define PTR_MEMO_SLOTS 256 /* direct-mapped memo keyed by the caller's SQL pointer */
#define FETCH_BUF 512      /* first fetch buffer per column; longer cells are re-fetched */
#define PARAMS_ON_STACK 32
#define EXEC_MAX_PARAMS 64 /* db_exec's varargs limit */
#define TXN_ATTEMPTS 5

/* What the server says of a result column, for fetching it (fetch_as_time). */
struct col_wire {
	enum enum_field_types type;
	unsigned int decimals; /* digits of a time's fraction */
};

struct stmt_entry {
	struct stmt_entry *next;
	uint64_t hash;
	const char *sql_ptr; /* the caller's pointer last seen for this text (usually a literal) */
	char *sql;           /* our copy of the text: the key */
	MYSQL_STMT *stmt;
	/* Result columns, read once after PREPARE instead of once per execution. */
	bool described;
	size_t ncols;
	char **colnames;
	enum db_coltype *coltypes;
	struct col_wire *wire;
};

/* Scratch space for fetching one result set; kept for the process and grown as needed. */
struct fetch {
	size_t cap; /* columns it has room for */
	MYSQL_BIND *binds;
	char *bufs;
	unsigned long *lens;
	my_bool *nulls;
	my_bool *errs;
};

/* The process-wide connection state (the one global the house rules allow for the DB). */
static struct {
	MYSQL *conn;
	struct stmt_entry *buckets[STMT_BUCKETS];
	struct stmt_entry *memo[PTR_MEMO_SLOTS];
	size_t nstmts;
	bool in_txn;
	bool txn_broken; /* connection lost or deadlock victim: refuse statements until rollback */
	unsigned int txn_abort_err; /* why (2013, 1213, ...) */
	bool txn_retry; /* a deadlock / lock wait / lost connection happened in this transaction */
	/* db_transaction_lazy: START TRANSACTION not sent yet (open_pending, db_begin_take). */
	bool begin_pending;
	int txn_depth; /* db_transaction calls joined to the open transaction (savepoints) */
	struct fetch fetch;
	unsigned int err;
	char errmsg[512];
	unsigned long long affected;
	unsigned long long insert_id;
	/* Since the process started, for the access log and metrics (db_statement_count). */
	unsigned long statements;
	unsigned long retries;
} db;

static void set_error(unsigned int err, const char *msg)
{
	db.err = err;
	snprintf(db.errmsg, sizeof(db.errmsg), "%s", msg ? msg : "");
}

static void clear_error(void)
{
	db.err = 0;
	db.errmsg[0] = '\0';
}

static bool is_lost(unsigned int err)
{
	/* 1927 and 1053 are the server's last words before it closes the connection. */
	return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST ||
	       err == CR_SERVER_LOST_EXTENDED || err == ER_CONNECTION_KILLED ||
	       err == ER_SERVER_SHUTDOWN || db_nodes_unusable_error(err);
}

/* A statement that changes nothing, so running it twice is harmless. */
static bool is_read(const char *sql)
{
	while (*sql == ' ' || *sql == '\n' || *sql == '(')
		sql++;
	return strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "SHOW", 4) == 0;
}

static bool is_lock_conflict(unsigned int err)
{
	return err == ER_LOCK_DEADLOCK || err == ER_LOCK_WAIT_TIMEOUT;
}

/* Errors a transaction survives by running again from the start. */
static bool is_retryable(unsigned int err)
{
	return is_lock_conflict(err) || is_lost(err);
}

/* Expected errors (handlers turn them into 409s or retries) must not flood the error log. */
static void log_db_error(const char *what, const char *sql)
{
	enum log_level level = LOGL_ERROR;

	if (db.err == ER_DUP_ENTRY || db.err == ER_DUP_ENTRY_WITH_KEY_NAME)
		level = LOGL_DEBUG;
	else if (db.err == ER_LOCK_DEADLOCK || db.err == ER_LOCK_WAIT_TIMEOUT ||
	         db.err == ER_ROW_IS_REFERENCED_2 || db.err == ER_NO_REFERENCED_ROW_2 ||
	         db.err == ER_UNKNOWN_STMT_HANDLER || db.err == ER_NEED_REPREPARE ||
	         db.err == CR_NEW_STMT_METADATA || is_lost(db.err))
		level = LOGL_WARN; /* expected, or recovered from by the caller of this */
	log_msg(level, "db: %s failed (%u %s): %.200s", what, db.err, db.errmsg, sql ? sql : "");
}

static void record_conn_error(const char *what, const char *sql)
{
	set_error(db.conn ? mysql_errno(db.conn) : CR_SERVER_GONE_ERROR,
	          db.conn ? mysql_error(db.conn) : "not connected");
	log_db_error(what, sql);
}

static void record_stmt_error(MYSQL_STMT *stmt, const char *what, const char *sql)
{
	set_error(mysql_stmt_errno(stmt), mysql_stmt_error(stmt));
	log_db_error(what, sql);
}

/* ---- statement cache ---- */

static uint64_t sql_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t memo_slot(const char *sql)
{
	/* Fibonacci hashing of the address spreads neighbouring literals. */
	return (size_t)(((uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15ULL) >> 56) &
	       (PTR_MEMO_SLOTS - 1);
}

static void entry_free(struct stmt_entry *e)
{
	mysql_stmt_close(e->stmt);
	for (size_t c = 0; e->colnames && c < e->ncols; c++)
		free(e->colnames[c]);
	free(e->colnames);
	free(e->coltypes);
	free(e->wire);
	free(e->sql);
	free(e);
}

/* Closes every cached statement (after mysql_close this only frees client memory). */
static void cache_drop_all(void)
{
	for (size_t b = 0; b < STMT_BUCKETS; b++) {
		struct stmt_entry *e = db.buckets[b];

		while (e) {
			struct stmt_entry *next = e->next;

			entry_free(e);
			e = next;
		}
		db.buckets[b] = NULL;
	}
	memset(db.memo, 0, sizeof(db.memo));
	db.nstmts = 0;
}

static void cache_drop_one(struct stmt_entry *victim)
{
	struct stmt_entry **pp = &db.buckets[victim->hash & (STMT_BUCKETS - 1)];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == victim) {
			*pp = victim->next;
			break;
		}
	}
	for (size_t i = 0; i < PTR_MEMO_SLOTS; i++)
		if (db.memo[i] == victim)
			db.memo[i] = NULL;
	entry_free(victim);
	db.nstmts--;
}

/*
 * Finds the statement for sql. Callers nearly always pass the same string
 * literal, so the pointer memo answers without hashing; the text comparison
 * keeps it correct when a buffer is reused for other SQL.
 */
static struct stmt_entry *cache_find(const char *sql)
{
	struct stmt_entry *e = db.memo[memo_slot(sql)];
	uint64_t h;

	if (e && e->sql_ptr == sql && strcmp(e->sql, sql) == 0)
		return e;
	h = sql_hash(sql);
	for (e = db.buckets[h & (STMT_BUCKETS - 1)]; e; e = e->next) {
		if (e->hash == h && strcmp(e->sql, sql) == 0) {
			e->sql_ptr = sql;
			db.memo[memo_slot(sql)] = e;
			return e;
		}
	}
	return NULL;
}

static struct stmt_entry *cache_prepare(const char *sql)
{
	struct stmt_entry *e;
	MYSQL_STMT *stmt;

	/* Eviction by dropping everything: simple, and only a program with unbounded
	 * distinct SQL texts (a bug) ever gets here. */
	if (db.nstmts >= STMT_CACHE_MAX) {
		log_warn("db: statement cache full (%d), closing all", STMT_CACHE_MAX);
		cache_drop_all();
	}
	stmt = mysql_stmt_init(db.conn);
	if (!stmt)
		log_fatal("db: out of memory (mysql_stmt_init)");
	if (mysql_stmt_prepare(stmt, sql, (unsigned long)strlen(sql)) != 0) {
		record_stmt_error(stmt, "prepare", sql);
		mysql_stmt_close(stmt);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->sql = strdup(sql)))
		log_fatal("db: out of memory");
	e->hash = sql_hash(sql);
	e->sql_ptr = sql;
	e->stmt = stmt;
	e->next = db.buckets[e->hash & (STMT_BUCKETS - 1)];
	db.buckets[e->hash & (STMT_BUCKETS - 1)] = e;
	db.memo[memo_slot(sql)] = e;
	db.nstmts++;
	return e;
}

/* Frees the fetch scratch (db_close). */
static void fetch_release(void)
{
	struct fetch *f = &db.fetch;

	free(f->binds);
	free(f->bufs);
	free(f->lens);
	free(f->nulls);
	free(f->errs);
	memset(f, 0, sizeof(*f));
}

/* ---- connection ---- */

/* Forgets a dead (or unwanted) connection; statements are freed client side only. */
static void drop_connection(void)
{
	if (db.conn) {
		/* mysql_close detaches the statements first, so closing them afterwards
		 * frees memory without writing to the dead socket. */
		mysql_close(db.conn);
		db.conn = NULL;
	}
	cache_drop_all();
}

/* A timeout from the configuration as the driver takes it (whole seconds). */
static unsigned int clamp_seconds(long s)
{
	return s < 1 ? 1 : s > 3600 ? 3600 : (unsigned int)s;
}

unsigned int db_lock_wait_seconds(unsigned int read_timeout)
{
	return read_timeout > DB_LOCK_WAIT_MARGIN ? read_timeout - DB_LOCK_WAIT_MARGIN : 1;
}

/* A connection handle with our options, not yet connected (also db_nodes' for every node). */
static MYSQL *new_handle(void)
{
	const struct config *cfg = env_get();
	MYSQL *m = mysql_init(NULL);
	my_bool off = 0;
	unsigned int conn_s = clamp_seconds(cfg->db_connect_timeout);
	unsigned int read_s = clamp_seconds(cfg->db_read_timeout);
	unsigned int write_s = clamp_seconds(cfg->db_write_timeout);
	char init[128];

	if (!m)
		log_fatal("db: out of memory (mysql_init)");
	mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	/* The driver's own reconnect would silently lose session state and
	 * prepared statements; we reconnect ourselves and re-prepare. */
	mysql_options(m, MYSQL_OPT_RECONNECT, &off);
	/* A hung server (SIGSTOP, a stalled host) answers nothing: without these a
	 * handler would wait for it forever instead of moving to the next node. */
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &conn_s);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &read_s);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &write_s);
	/* Runs on every (re)connect: all times are stored and returned as UTC. A
	 * row lock wait ends (1205, retried) before the read timeout would take it
	 * for a hung server. */
	snprintf(init, sizeof(init), "SET time_zone = '+00:00', innodb_lock_wait_timeout = %u",
	         db_lock_wait_seconds(read_s));
	mysql_options(m, MYSQL_INIT_COMMAND, init);
	return m;
}

/* CLIENT_FOUND_ROWS: UPDATE reports matched rows, so "0 affected" means "not found"
 * even when the new values equal the old ones. CLIENT_MULTI_RESULTS: a CALL answers with
 * its procedure's result sets and a final status (the library asks for it anyway). */
#define CONNECT_FLAGS (CLIENT_FOUND_ROWS | CLIENT_MULTI_RESULTS)

int db_connect(void)
{
	const struct config *cfg = env_get();
	const char *host = cfg->db_socket && *cfg->db_socket ? "localhost" : cfg->db_host;

	if (db.conn)
		return 0;
	if (db_nodes_enabled()) {
		/* A Galera Cluster: the writer node every host agrees on. */
		db.conn = db_nodes_connect(new_handle, CONNECT_FLAGS, &db.err, db.errmsg,
		                           sizeof(db.errmsg));
		if (!db.conn)
			return -1;
		clear_error();
		return 0;
	}
	db.conn = new_handle();
	if (!mysql_real_connect(
	        db.conn, host, cfg->db_user, cfg->db_password, cfg->db_name, cfg->db_port,
	        cfg->db_socket && *cfg->db_socket ? cfg->db_socket : NULL, CONNECT_FLAGS)) {
		set_error(mysql_errno(db.conn), mysql_error(db.conn));
		log_error("db: connect to %s as %s failed (%u %s)",
		          cfg->db_socket && *cfg->db_socket ? cfg->db_socket : cfg->db_host,
		          cfg->db_user ? cfg->db_user : "", db.err, db.errmsg);
		mysql_close(db.conn);
		db.conn = NULL;
		return -1;
	}
	clear_error();
	return 0;
}

bool db_unavailable(void)
{
	return db.conn == NULL;
}

void db_close(void)
{
	/* A live connection: close statements politely before the connection. */
	cache_drop_all();
	fetch_release();
	if (db.conn) {
		mysql_close(db.conn);
		db.conn = NULL;
	}
	db.in_txn = db.txn_broken = db.txn_retry = db.begin_pending = false;
}

/*
 * After a lost connection or a deadlock the server has rolled the transaction
 * back and would run further statements in autocommit mode: refuse them instead.
 */
static void txn_abort(void)
{
	db.txn_broken = true;
	db.txn_retry = true;
	db.txn_abort_err = db.err;
}

static int refuse_in_aborted_txn(void)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "transaction aborted (%u), roll back", db.txn_abort_err);
	set_error(db.txn_abort_err, msg);
	return -1;
}

/* A connection to a node that failed: the next connection attempt tries the others first. */
static void lose_connection(void)
{
	db_nodes_lost();
	drop_connection();
}

/* Called after an error that means the connection is gone. */
static void handle_lost(void)
{
	log_warn("db: connection lost (%u %s)%s", db.err, db.errmsg,
	         db.in_txn ? " inside a transaction" : ", reconnecting");
	lose_connection();
	if (db.in_txn)
		txn_abort();
}

/* Makes sure there is a connection; inside a broken transaction there must not be a new one. */
static int ensure_connected(void)
{
	if (db.in_txn && db.txn_broken)
		return refuse_in_aborted_txn();
	if (db.conn && !db.in_txn && db_nodes_enabled()) {
		/* Follow the recorded writer when another process moved it (db_nodes.h). */
		int rc = db_nodes_check(db.conn);

		if (rc > 0)
			drop_connection();
		else if (rc < 0) {
			record_conn_error("writer check", "cluster_writer");
			if (is_lost(db.err))
				handle_lost();
		}
	}
	if (db.conn)
		return 0;
	return db_connect();
}

/* ---- execution ---- */

static enum db_coltype col_type(enum enum_field_types t)
{
	switch (t) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		return DB_COL_INT;
	case MYSQL_TYPE_DATE:
	case MYSQL_TYPE_NEWDATE:
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_DATETIME2:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_TIMESTAMP2:
		return DB_COL_TIME;
	case MYSQL_TYPE_DECIMAL:
	case MYSQL_TYPE_NEWDECIMAL:
		return DB_COL_DEC;
	default:
		return DB_COL_STR;
	}
}

static int bind_params(MYSQL_STMT *stmt, MYSQL_BIND *binds, const struct db_param *params,
                       size_t nparams, const char *sql)
{
	if (mysql_stmt_param_count(stmt) != nparams) {
		set_error(CR_INVALID_PARAMETER_NO, "parameter count does not match the SQL");
		log_error("db: %lu placeholders but %zu params: %.200s",
		          mysql_stmt_param_count(stmt), nparams, sql);
		return -1;
	}
	if (nparams == 0)
		return 0;
	memset(binds, 0, nparams * sizeof(*binds));
	for (size_t i = 0; i < nparams; i++) {
		const struct db_param *p = &params[i];

		switch (p->type) {
		case 's':
			if (!p->s) {
				binds[i].buffer_type = MYSQL_TYPE_NULL;
				break;
			}
			binds[i].buffer_type = MYSQL_TYPE_STRING;
			binds[i].buffer = (void *)p->s;
			binds[i].buffer_length = (unsigned long)strlen(p->s);
			break;
		case 'i':
			binds[i].buffer_type = MYSQL_TYPE_LONGLONG;
			binds[i].buffer = (void *)&p->i;
			break;
		case 'n':
			binds[i].buffer_type = MYSQL_TYPE_NULL;
			break;
		default:
			set_error(CR_INVALID_PARAMETER_NO, "unknown parameter type");
			log_error("db: unknown param type '%c' (param %zu): %.200s", p->type, i,
			          sql);
			return -1;
		}
	}
	if (mysql_stmt_bind_param(stmt, binds) != 0) {
		record_stmt_error(stmt, "bind", sql);
		return -1;
	}
	return 0;
}

/* Makes room for ncols columns (binds pointing into bufs), growing the process's scratch. */
static struct fetch *fetch_get(size_t ncols)
{
	struct fetch *f = &db.fetch;

	if (ncols <= f->cap)
		return f;
	free(f->binds);
	free(f->bufs);
	free(f->lens);
	free(f->nulls);
	free(f->errs);
	f->binds = calloc(ncols, sizeof(*f->binds));
	f->bufs = malloc(ncols * FETCH_BUF);
	f->lens = calloc(ncols, sizeof(*f->lens));
	f->nulls = calloc(ncols, sizeof(*f->nulls));
	f->errs = calloc(ncols, sizeof(*f->errs));
	if (!f->binds || !f->bufs || !f->lens || !f->nulls || !f->errs)
		log_fatal("db: out of memory");
	for (size_t c = 0; c < ncols; c++) {
		f->binds[c].buffer_type = MYSQL_TYPE_STRING;
		f->binds[c].buffer = f->bufs + c * FETCH_BUF;
		f->binds[c].buffer_length = FETCH_BUF;
		f->binds[c].length = &f->lens[c];
		f->binds[c].is_null = &f->nulls[c];
		f->binds[c].error = &f->errs[c];
	}
	f->cap = ncols;
	return f;
}

/*
 * Whether a column is fetched as a MYSQL_TIME and written out here: the types
 * libmariadb would otherwise turn into text with sprintf on every cell (a
 * tenth of the handler's work on a list page). TIME and NEWDATE stay text.
 */
static bool fetch_as_time(enum enum_field_types type)
{
	return type == MYSQL_TYPE_DATETIME || type == MYSQL_TYPE_TIMESTAMP ||
	       type == MYSQL_TYPE_DATE;
}

/* Sets each column's buffer type for this result: text, or MYSQL_TIME for times. */
static void bind_types(struct fetch *f, const struct stmt_entry *e, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++) {
		bool t = e->wire && fetch_as_time(e->wire[c].type);

		f->binds[c].buffer_type = t ? MYSQL_TYPE_DATETIME : MYSQL_TYPE_STRING;
		f->binds[c].buffer_length = t ? (unsigned long)sizeof(MYSQL_TIME) : FETCH_BUF;
	}
}

/* time_text for values wider than its fields, with libmariadb's own formats. */
static size_t time_text_printf(const MYSQL_TIME *t, const struct col_wire *w, char *out)
{
	char frac[16];
	int len;

	if (w->type == MYSQL_TYPE_DATE)
		return (size_t)snprintf(out, 64, "%04u-%02u-%02u", t->year, t->month, t->day);
	len = snprintf(out, 64, "%04u-%02u-%02u %02u:%02u:%02u", t->year, t->month, t->day, t->hour,
	               t->minute, t->second);
	if (w->decimals == 0 || len < 0 || len >= 40)
		return len < 0 ? 0 : (size_t)len;
	snprintf(frac, sizeof(frac), ".%06u", (unsigned int)t->second_part);
	if (w->decimals < 6)
		frac[w->decimals + 1] = '\0';
	memcpy(out + len, frac, strlen(frac) + 1);
	return (size_t)len + strlen(frac);
}

/*
 * t as the text libmariadb gives a DATE, DATETIME or TIMESTAMP fetched as a
 * string, so cells read exactly as before: "%04u-%02u-%02u", for the others
 * then " %02u:%02u:%02u" and, when the column has decimals, a point and the
 * first of them of the six digits of the fraction. out holds 64 bytes.
 */
static size_t time_text(const MYSQL_TIME *t, const struct col_wire *w, char *out)
{
	unsigned int n = w->decimals < 6 ? w->decimals : 6;
	char *p = out;

	/* Wider than the widths (not sent for these types): printf, as libmariadb does. */
	if (t->year > 9999 || t->month > 99 || t->day > 99 || t->hour > 99 || t->minute > 99 ||
	    t->second > 99 || t->second_part > 999999)
		return time_text_printf(t, w, out);
	p = tz_put_digits(p, t->year, 4);
	*p++ = '-';
	p = tz_put_digits(p, t->month, 2);
	*p++ = '-';
	p = tz_put_digits(p, t->day, 2);
	if (w->type != MYSQL_TYPE_DATE) {
		*p++ = ' ';
		p = tz_put_digits(p, t->hour, 2);
		*p++ = ':';
		p = tz_put_digits(p, t->minute, 2);
		*p++ = ':';
		p = tz_put_digits(p, t->second, 2);
		if (n) {
			char frac[6];

			*p++ = '.';
			tz_put_digits(frac, t->second_part, 6);
			memcpy(p, frac, n);
			p += n;
		}
	}
	*p = '\0';
	return (size_t)(p - out);
}

/* Copies the current row's column c into the arena, fetching long values in full. */
static int copy_cell(MYSQL_STMT *stmt, const struct stmt_entry *e, struct fetch *f, size_t c,
                     struct arena *a, char **cell, const char *sql)
{
	MYSQL_BIND big;
	unsigned long len = f->lens[c];

	if (f->nulls[c]) {
		*cell = NULL;
		return 0;
	}
	if (f->binds[c].buffer_type == MYSQL_TYPE_DATETIME) {
		char text[64];
		size_t n = time_text((const MYSQL_TIME *)(void *)(f->bufs + c * FETCH_BUF),
		                     &e->wire[c], text);

		*cell = arena_strndup(a, text, n);
		return 0;
	}
	if (len <= FETCH_BUF) {
		*cell = arena_strndup(a, f->bufs + c * FETCH_BUF, len);
		return 0;
	}
	*cell = arena_alloc(a, (size_t)len + 1);
	memset(&big, 0, sizeof(big));
	big.buffer_type = MYSQL_TYPE_STRING;
	big.buffer = *cell;
	big.buffer_length = len + 1;
	big.length = &len;
	if (mysql_stmt_fetch_column(stmt, &big, (unsigned int)c, 0) != 0) {
		record_stmt_error(stmt, "fetch column", sql);
		return -1;
	}
	(*cell)[len] = '\0';
	return 0;
}

/* Reads the statement's result columns once (a re-prepare makes a new entry). */
static void describe_entry(struct stmt_entry *e, size_t ncols)
{
	MYSQL_RES *meta;
	MYSQL_FIELD *fields;

	if (e->described && e->ncols == ncols)
		return;
	for (size_t c = 0; e->colnames && c < e->ncols; c++)
		free(e->colnames[c]);
	free(e->colnames);
	free(e->coltypes);
	free(e->wire);
	e->colnames = calloc(ncols + 1, sizeof(*e->colnames));
	e->coltypes = calloc(ncols + 1, sizeof(*e->coltypes));
	e->wire = calloc(ncols + 1, sizeof(*e->wire));
	if (!e->colnames || !e->coltypes || !e->wire)
		log_fatal("db: out of memory");
	for (size_t c = 0; c < ncols; c++)
		e->wire[c].type = MYSQL_TYPE_STRING; /* fetched as text if the metadata fails */
	e->ncols = ncols;
	e->described = true;
	meta = mysql_stmt_result_metadata(e->stmt);
	if (!meta)
		return; /* cannot happen with field_count > 0; labels stay NULL */
	fields = mysql_fetch_fields(meta);
	for (size_t c = 0; c < ncols; c++) {
		if (!(e->colnames[c] = strdup(fields[c].name)))
			log_fatal("db: out of memory");
		e->coltypes[c] = col_type(fields[c].type);
		e->wire[c].type = fields[c].type;
		e->wire[c].decimals = fields[c].decimals;
	}
	mysql_free_result(meta);
}

/* The labels and types for out, copied into the arena: the entry may go before the rows do. */
static void describe_columns(struct stmt_entry *e, struct arena *a, struct db_rows *out)
{
	describe_entry(e, out->ncols);
	out->colnames = arena_alloc(a, out->ncols * sizeof(*out->colnames));
	out->coltypes = arena_alloc(a, out->ncols * sizeof(*out->coltypes));
	for (size_t c = 0; c < out->ncols; c++) {
		out->colnames[c] = e->colnames[c] ? arena_strdup(a, e->colnames[c]) : NULL;
		out->coltypes[c] = e->coltypes[c];
	}
}

static int fetch_rows(struct stmt_entry *e, struct arena *a, struct db_rows *out, const char *sql)
{
	MYSQL_STMT *stmt = e->stmt;
	struct fetch *f;
	size_t row = 0;
	int rc = 0, st;

	out->ncols = mysql_stmt_field_count(stmt);
	out->nrows = (size_t)mysql_stmt_num_rows(stmt);
	describe_columns(e, a, out);
	out->cells = arena_alloc(a, (out->nrows * out->ncols + 1) * sizeof(*out->cells));
	f = fetch_get(out->ncols);
	bind_types(f, e, out->ncols);
	if (mysql_stmt_bind_result(stmt, f->binds) != 0) {
		record_stmt_error(stmt, "bind result", sql);
		rc = -1;
		goto out;
	}
	while ((st = mysql_stmt_fetch(stmt)) == 0 || st == MYSQL_DATA_TRUNCATED) {
		if (row >= out->nrows)
			break; /* cannot happen with a stored result */
		for (size_t c = 0; c < out->ncols; c++) {
			if (copy_cell(stmt, e, f, c, a, &out->cells[row * out->ncols + c], sql) !=
			    0) {
				rc = -1;
				goto out;
			}
		}
		row++;
	}
	if (st == 1) {
		record_stmt_error(stmt, "fetch", sql);
		rc = -1;
	}
	out->nrows = row;
out:
	return rc;
}

/*
 * A CALL answers with its procedure's result sets (the first is the one read; a procedure here
 * sends one) and a final status, or with an error raised after a result set (a deadlock in a
 * later statement of the procedure): read to the end, so that the connection is ready for the
 * next statement and that error is the statement's. 0 or -1.
 */
static int drain_results(MYSQL_STMT *stmt, const char *sql)
{
	int st;

	while (mysql_stmt_more_results(stmt)) {
		if ((st = mysql_stmt_next_result(stmt)) != 0) {
			if (st > 0)
				record_stmt_error(stmt, "next result", sql);
			return st > 0 ? -1 : 0;
		}
		if (mysql_stmt_field_count(stmt) > 0) {
			mysql_stmt_store_result(stmt);
			mysql_stmt_free_result(stmt);
		}
	}
	return 0;
}

/* One attempt: prepare (or reuse), bind, execute, copy the result. */
static int exec_once(struct arena *a, struct db_rows *out, const char *sql,
                     const struct db_param *params, size_t nparams, struct stmt_entry **used)
{
	MYSQL_BIND stack_binds[PARAMS_ON_STACK];
	MYSQL_BIND *binds = stack_binds;
	struct stmt_entry *e;
	MYSQL_STMT *stmt;
	int rc = -1;

	*used = NULL;
	if (ensure_connected() != 0)
		return -1;
	e = cache_find(sql);
	if (!e && !(e = cache_prepare(sql)))
		return -1;
	*used = e;
	stmt = e->stmt;
	if (nparams > PARAMS_ON_STACK && !(binds = malloc(nparams * sizeof(*binds))))
		log_fatal("db: out of memory");
	if (bind_params(stmt, binds, params, nparams, sql) != 0)
		goto out;
	/* No mysql_stmt_reset here: it costs a round trip, and execute starts clean
	 * because every earlier result was freed right after it was read. */
	db.statements++;
	if (mysql_stmt_execute(stmt) != 0) {
		record_stmt_error(stmt, "execute", sql);
		goto out;
	}
	if (mysql_stmt_field_count(stmt) == 0) {
		db.affected = mysql_stmt_affected_rows(stmt);
		db.insert_id = mysql_stmt_insert_id(stmt);
	} else {
		/* Buffer the whole result: the row count is known up front and the
		 * connection is free again right away. */
		if (mysql_stmt_store_result(stmt) != 0) {
			record_stmt_error(stmt, "store result", sql);
			goto out;
		}
		db.affected = mysql_stmt_num_rows(stmt);
		db.insert_id = 0;
		if (out && fetch_rows(e, a, out, sql) != 0) {
			mysql_stmt_free_result(stmt);
			goto out;
		}
		mysql_stmt_free_result(stmt);
	}
	if (drain_results(stmt, sql) != 0)
		goto out;
	clear_error();
	rc = 0;
out:
	if (binds != stack_binds)
		free(binds);
	return rc;
}

/* Sends the START TRANSACTION a lazy transaction put off (defined with db_begin). */
static int open_pending(void);

int db_execv(struct arena *a, struct db_rows *out, const char *sql, const struct db_param *params,
             size_t nparams)
{
	struct stmt_entry *used;

	if (out)
		memset(out, 0, sizeof(*out));
	if (out && !a) {
		set_error(CR_INVALID_PARAMETER_NO, "result rows need an arena");
		log_error("db: rows requested without an arena: %.200s", sql);
		return -1;
	}
	if (db.in_txn && db.txn_broken)
		return refuse_in_aborted_txn(); /* nothing may run outside the transaction */
	if (db.begin_pending && open_pending() != 0)
		return -1;
	for (int attempt = 0;; attempt++) {
		if (exec_once(a, out, sql, params, nparams, &used) == 0)
			return 0;
		if (db.in_txn && db.err == ER_LOCK_DEADLOCK)
			txn_abort();
		else if (db.in_txn && is_retryable(db.err))
			db.txn_retry =
			    true; /* 1205 undoes the statement only; retry all the same */
		if (attempt > 0)
			return -1;
		if (is_lost(db.err)) {
			bool ran =
			    db.err != CR_SERVER_GONE_ERROR; /* 2006: found gone before sending */

			handle_lost();
			if (db.in_txn)
				return -1; /* db_transaction runs the whole thing again */
			/* An autocommit write the server may have applied is not sent again. */
			if (ran && !is_read(sql))
				return -1;
			continue;
		}
		if (db.err == ER_UNKNOWN_STMT_HANDLER) {
			/* The server forgot our handles: none of them is any good. The
			 * connection (and a transaction on it) is intact. */
			cache_drop_all();
			continue;
		}
		/* The table changed shape since PREPARE (2057: the server sent a different
		 * column count): closing the statement flushes the pending result. */
		if ((db.err == ER_NEED_REPREPARE || db.err == CR_NEW_STMT_METADATA) && used) {
			cache_drop_one(used);
			continue;
		}
		return -1;
	}
}

int db_exec(struct arena *a, struct db_rows *out, const char *sql, const char *types, ...)
{
	struct db_param params[EXEC_MAX_PARAMS];
	size_t n = 0;
	va_list ap;

	va_start(ap, types);
	for (const char *t = types ? types : ""; *t; t++, n++) {
		if (n == EXEC_MAX_PARAMS) {
			va_end(ap);
			set_error(CR_INVALID_PARAMETER_NO, "too many parameters");
			log_error("db: more than %d params: %.200s", EXEC_MAX_PARAMS, sql);
			return -1;
		}
		switch (*t) {
		case 's':
			params[n] = DBP_S(va_arg(ap, const char *));
			break;
		case 'i':
			params[n] = DBP_I(va_arg(ap, long long));
			break;
		case 'n':
			params[n] = DBP_NULL;
			break;
		default:
			va_end(ap);
			set_error(CR_INVALID_PARAMETER_NO, "unknown parameter type");
			log_error("db: unknown param type '%c': %.200s", *t, sql);
			return -1;
		}
	}
	va_end(ap);
	return db_execv(a, out, sql, params, n);
}

unsigned long long db_affected_rows(void)
{
	return db.affected;
}

unsigned long long db_insert_id(void)
{
	return db.insert_id;
}

unsigned int db_errno(void)
{
	return db.err;
}

const char *db_error(void)
{
	return db.errmsg;
}

bool db_lock_conflict(void)
{
	return is_lock_conflict(db_errno());
}

bool db_is_duplicate(void)
{
	return db.err == ER_DUP_ENTRY || db.err == ER_DUP_ENTRY_WITH_KEY_NAME;
}

const char *db_cell(const struct db_rows *rows, size_t row, size_t col)
{
	if (!rows || !rows->cells || row >= rows->nrows || col >= rows->ncols)
		return NULL;
	return rows->cells[row * rows->ncols + col];
}

int db_col(const struct db_rows *rows, const char *name)
{
	if (!rows || !rows->colnames || !name)
		return -1;
	for (size_t c = 0; c < rows->ncols; c++)
		if (rows->colnames[c] && strcmp(rows->colnames[c], name) == 0)
			return (int)c;
	return -1;
}

/* ---- transactions ---- */

static int simple_query(const char *sql)
{
	db.statements++;
	if (mysql_real_query(db.conn, sql, (unsigned long)strlen(sql)) != 0) {
		record_conn_error("query", sql);
		return -1;
	}
	return 0;
}

/* A BEGIN inside a transaction: the caller's bug. -1. */
static int refuse_begin_inside(void)
{
	set_error(CR_COMMANDS_OUT_OF_SYNC, "transaction already open");
	log_error("db: BEGIN inside a transaction");
	return -1;
}

/* The state of a transaction just opened, or marked open with its START TRANSACTION to come. */
static void mark_open(bool begin_pending)
{
	db.in_txn = true;
	db.begin_pending = begin_pending;
	db.txn_broken = false;
	db.txn_retry = false;
	clear_error();
}

int db_begin(void)
{
	if (db.in_txn)
		return refuse_begin_inside();
	for (int attempt = 0;; attempt++) {
		if (ensure_connected() != 0)
			return -1;
		if (simple_query("START TRANSACTION") == 0)
			break;
		/* No transaction yet, so a lost connection is simply re-established. */
		if (attempt > 0 || !is_lost(db.err))
			return -1;
		handle_lost();
	}
	mark_open(false);
	return 0;
}

/*
 * The START TRANSACTION a lazy transaction put off, sent before its first statement that does
 * not open the transaction itself. A lost connection here ends the attempt (db_transaction runs
 * it again). 0 or -1.
 */
static int open_pending(void)
{
	db.begin_pending = false;
	if (ensure_connected() != 0 || simple_query("START TRANSACTION") != 0) {
		if (is_lost(db.err))
			handle_lost();
		return -1;
	}
	return 0;
}

int db_rollback(void)
{
	int rc = 0;

	if (db.begin_pending) { /* nothing was opened on the server */
		db.begin_pending = false;
		db.in_txn = db.txn_broken = false;
		return 0;
	}

	if (db.in_txn && db.conn)
		db.statements++;
	if (db.in_txn && db.conn && mysql_rollback(db.conn) != 0) {
		record_conn_error("rollback", "ROLLBACK");
		if (is_lost(db.err))
			lose_connection();
		rc = -1;
	}
	db.in_txn = false;
	db.txn_broken = false;
	return rc;
}

int db_commit(void)
{
	if (!db.in_txn) {
		set_error(CR_COMMANDS_OUT_OF_SYNC, "no transaction open");
		log_error("db: COMMIT outside a transaction");
		return -1;
	}
	if (db.txn_broken) {
		db_rollback(); /* harmless after a deadlock, skipped after a lost connection */
		set_error(db.txn_abort_err, "transaction aborted, not committed");
		return -1;
	}
	if (db.begin_pending) /* no statement ran: nothing to commit */
		return db_rollback();
	db.statements++;
	if (mysql_commit(db.conn) != 0) {
		unsigned int err = mysql_errno(db.conn);
		char msg[sizeof(db.errmsg)];

		record_conn_error("commit", "COMMIT");
		/* A lost connection leaves the outcome unknown: the server may have
		 * committed before it went. Only a refused COMMIT is safe to run again. */
		db.txn_retry = is_retryable(err) && !is_lost(err);
		snprintf(msg, sizeof(msg), "%s", db.errmsg);
		if (is_lost(err)) {
			lose_connection();
			db.in_txn = db.txn_broken = false;
		} else {
			db_rollback(); /* leave no half-open transaction behind */
		}
		set_error(err, msg); /* the caller wants the COMMIT's error, not ROLLBACK's */
		return -1;
	}
	db.in_txn = false;
	clear_error();
	return 0;
}

bool db_in_transaction(void)
{
	return db.in_txn;
}

/* A few milliseconds, doubling per attempt, randomized so that two deadlocked workers part. */
static void backoff(int attempt)
{
	unsigned int r = 0;
	long base_us = 2000L << (attempt > 6 ? 6 : attempt); /* 2, 4, 8, 16 ms */
	struct timespec ts;
	long us;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (unsigned int)clock();
	us = base_us / 2 + (long)(r % (unsigned long)base_us);
	ts.tv_sec = us / 1000000;
	ts.tv_nsec = (us % 1000000) * 1000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Whether an attempt that started at start ran past DB_TXN_MAX_SECONDS (then rolled back). */
static bool ran_too_long(const struct timespec *start)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - start->tv_sec) * 1000LL + (now.tv_nsec - start->tv_nsec) / 1000000LL;
	if (ms <= DB_TXN_MAX_SECONDS * 1000LL)
		return false;
	log_error("db: transaction ran %lld ms, longer than %d s: rolled back", ms,
	          DB_TXN_MAX_SECONDS);
	db_rollback();
	set_error(DB_ERR_TXN_TOO_LONG, "transaction ran too long");
	return true;
}

void db_txn_keep_conflict(void)
{
	db.txn_retry = false;
}

/*
 * db_transaction inside an open transaction: fn runs under a savepoint, so its refusal undoes
 * only its own writes. Retries are the outer transaction's: a deadlock has ended the whole of it.
 */
static int nested_transaction(db_txn_fn fn, void *ctx)
{
	char sql[64];
	int depth = ++db.txn_depth, rc;

	if (db.txn_broken) {
		db.txn_depth--;
		return refuse_in_aborted_txn();
	}
	if (db.begin_pending && open_pending() != 0) {
		db.txn_depth--;
		return -1;
	}
	snprintf(sql, sizeof(sql), "SAVEPOINT nested_%d", depth);
	if (simple_query(sql) != 0) {
		db.txn_depth--;
		return -1;
	}
	rc = fn(ctx);
	db.txn_depth--;
	if (db.txn_broken)
		return rc != 0 ? rc : -1;
	if (rc != 0 || db.txn_retry) {
		unsigned int err = db.err;
		char msg[sizeof(db.errmsg)];

		snprintf(msg, sizeof(msg), "%s", db.errmsg);
		snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT nested_%d", depth);
		if (simple_query(sql) != 0)
			return -1;
		set_error(err, msg);
		return rc != 0 ? rc : -1;
	}
	snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT nested_%d", depth);
	return simple_query(sql) == 0 ? 0 : -1;
}

/*
 * db_transaction_lazy's BEGIN: connected (and, on a cluster, on the writer, as db_begin makes
 * sure outside a transaction), the transaction marked open, START TRANSACTION left to the first
 * statement (open_pending) or to one that opens it itself (db_begin_take). 0 or -1.
 */
static int begin_lazy(void)
{
	if (db.in_txn)
		return refuse_begin_inside();
	if (ensure_connected() != 0)
		return -1;
	mark_open(true);
	return 0;
}

bool db_begin_take(void)
{
	bool pending = db.in_txn && db.begin_pending;

	db.begin_pending = false;
	return pending;
}

/* db_transaction and db_transaction_lazy: BEGIN at once, or with the first statement. */
static int run_transaction(db_txn_fn fn, void *ctx, bool lazy)
{
	if (db.in_txn)
		return nested_transaction(fn, ctx);
	for (int attempt = 0; attempt < TXN_ATTEMPTS; attempt++) {
		struct timespec start;
		int rc;
		bool retry;

		if (attempt > 0) {
			db.retries++;
			backoff(attempt - 1);
		}
		/* Before BEGIN: the clock covers every statement of the attempt. */
		clock_gettime(CLOCK_MONOTONIC, &start);
		if ((lazy ? begin_lazy() : db_begin()) != 0) {
			if (is_lost(db.err))
				continue;
			return -1;
		}
		rc = fn(ctx);
		if (rc != 0) {
			unsigned int err = db.err;
			char msg[sizeof(db.errmsg)];

			retry = db.txn_retry;
			snprintf(msg, sizeof(msg), "%s", db.errmsg);
			db_rollback();
			if (retry) {
				log_info("db: transaction attempt %d failed (%u), retrying",
				         attempt + 1, err);
				set_error(err, msg);
				continue;
			}
			set_error(err, msg); /* fn's failure, not ROLLBACK's outcome */
			return rc;
		}
		if (db.txn_retry) {
			/* fn ignored a deadlock or lost connection: what it did is gone. */
			db_rollback();
			continue;
		}
		/* Not retried: another attempt would likely run as long. */
		if (ran_too_long(&start))
			return -1;
		if (db_commit() == 0)
			return 0;
		if (!db.txn_retry)
			return -1;
		log_info("db: commit attempt %d failed (%u), retrying", attempt + 1, db.err);
	}
	log_error("db: transaction gave up after %d attempts (%u %s)", TXN_ATTEMPTS, db.err,
	          db.errmsg);
	return -1;
}

int db_transaction(db_txn_fn fn, void *ctx)
{
	return run_transaction(fn, ctx, false);
}

int db_transaction_lazy(db_txn_fn fn, void *ctx)
{
	return run_transaction(fn, ctx, true);
}

unsigned long db_statement_count(void)
{
	return db.statements;
}

unsigned long db_retry_count(void)
{
	return db.retries;
}

/* ---- helpers ---- */

/* Version 7, not random: new rows append to the clustered primary key instead of landing on a
 * random page of it (docs/PERFORMANCE.md, "Issue 18: scale"). */
char *db_uuid(struct arena *a)
{
	char text[UUID7_TEXT_LEN + 1];

	uuid7_text(text);
	return arena_strdup(a, text);
}

/* A DATE has no time of day, so midnight UTC keeps the one format. */
void db_time_iso(const char *v, char *out, size_t n)
{
	char padded[32];

	if (strlen(v) == 10) {
		snprintf(padded, sizeof(padded), "%s 00:00:00", v);
		v = padded;
	}
	valid_db_time_to_iso(v, out, n);
}

/* Whether v is an integer as "%lld" prints it, and short enough not to overflow strtoll. */
static bool plain_integer(const char *v)
{
	const char *d = v + (*v == '-');
	size_t n = strspn(d, "0123456789");

	return n > 0 && n < 19 && d[n] == '\0' && (d[0] != '0' || (n == 1 && d == v));
}

const char *db_cell_text(struct arena *a, const struct db_rows *rows, size_t row, size_t col)
{
	const char *v = db_cell(rows, row, col);
	enum db_coltype t = v && rows->coltypes ? rows->coltypes[col] : DB_COL_STR;
	char text[40];

	/* MariaDB sends integers in the form json-c prints them: no copy then. */
	if (t == DB_COL_INT && !plain_integer(v)) {
		snprintf(text, sizeof(text), "%lld", strtoll(v, NULL, 10));
		return arena_strdup(a, text);
	}
	if (t == DB_COL_TIME) {
		db_time_iso(v, text, sizeof(text));
		return arena_strdup(a, text);
	}
	return v;
}

size_t db_rows_add_cols(struct arena *a, struct db_rows *rows, const char *const *names)
{
	size_t add = 0, old = rows->ncols, ncols;
	char **cells;
	const char **colnames;
	enum db_coltype *coltypes;

	while (names[add])
		add++;
	ncols = old + add;
	cells = arena_alloc(a, (rows->nrows ? rows->nrows : 1) * ncols * sizeof(*cells));
	colnames = arena_alloc(a, ncols * sizeof(*colnames));
	coltypes = arena_alloc(a, ncols * sizeof(*coltypes));
	for (size_t i = 0; i < rows->nrows; i++)
		for (size_t c = 0; c < old; c++)
			cells[i * ncols + c] = rows->cells[i * old + c];
	for (size_t c = 0; c < ncols; c++) {
		colnames[c] = c < old ? (rows->colnames ? rows->colnames[c] : "") : names[c - old];
		coltypes[c] = c < old && rows->coltypes ? rows->coltypes[c] : DB_COL_STR;
	}
	rows->cells = cells;
	rows->colnames = colnames;
	rows->coltypes = coltypes;
	rows->ncols = ncols;
	return old;
}

void db_rows_drop_col(struct db_rows *rows, size_t col)
{
	size_t out = 0;

	if (col >= rows->ncols)
		return;
	/* Row by row, the cells before col and those after it: the rows only move down. */
	for (size_t i = 0; i < rows->nrows; i++) {
		char **row = rows->cells + i * rows->ncols;

		memmove(rows->cells + out, row, col * sizeof(*row));
		out += col;
		memmove(rows->cells + out, row + col + 1, (rows->ncols - col - 1) * sizeof(*row));
		out += rows->ncols - col - 1;
	}
	memmove(rows->colnames + col, rows->colnames + col + 1,
	        (rows->ncols - col - 1) * sizeof(*rows->colnames));
	memmove(rows->coltypes + col, rows->coltypes + col + 1,
	        (rows->ncols - col - 1) * sizeof(*rows->coltypes));
	rows->ncols--;
}

void db_set_cell(struct db_rows *rows, size_t row, size_t col, const char *value)
{
	if (row < rows->nrows && col < rows->ncols)
		rows->cells[row * rows->ncols + col] = (char *)value;
}
