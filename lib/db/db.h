/*
 * MariaDB: one connection per process, prepared statements cached per SQL
 * text (prepared once, executed many times), results copied into the request
 * arena as text, reconnect after a lost connection, deadlock retry.
 */
#ifndef STOCKTAKE_DB_H
#define STOCKTAKE_DB_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct buf;

enum db_coltype { DB_COL_STR = 0, DB_COL_INT, DB_COL_TIME, DB_COL_DEC };

/* Result rows as text; cells[row * ncols + col] is NULL for SQL NULL. */
struct db_rows {
	size_t nrows;
	size_t ncols;
	char **cells;
	const char **colnames;     /* column labels ("AS" aliases) */
	enum db_coltype *coltypes; /* integer, time (DATETIME/TIMESTAMP/DATE), decimal or string */
};

/* A bound parameter. */
struct db_param {
	char type; /* 's' string (s NULL gives SQL NULL), 'i' integer, 'n' NULL */
	const char *s;
	long long i;
};

#define DBP_S(x) ((struct db_param){.type = 's', .s = (x)})
#define DBP_I(x) ((struct db_param){.type = 'i', .i = (x)})
#define DBP_NULL ((struct db_param){.type = 'n'})

/*
 * Connects with env_get() settings (UTC session time zone, utf8mb4, the
 * db_connect_timeout, db_read_timeout and db_write_timeout seconds, a row
 * lock wait of db_lock_wait_seconds(db_read_timeout)). 0 or -1.
 */
int db_connect(void);

/* Seconds a row lock wait ends before the read timeout (then 1205, retried by db_transaction). */
#define DB_LOCK_WAIT_MARGIN 2

/*
 * The session's innodb_lock_wait_timeout for a read timeout: read_timeout -
 * DB_LOCK_WAIT_MARGIN, at least 1, so that a statement waiting for a row lock
 * is ended by the server before the driver would take the silence for a hung
 * node.
 */
unsigned int db_lock_wait_seconds(unsigned int read_timeout);
/* Closes the connection and every cached statement. */
void db_close(void);
/* True when there is no live connection: the last one was lost or a connect failed
 * (the server is down or restarting). Handlers' 500s then become 503s (app.c). */
bool db_unavailable(void);

/*
 * Executes sql with params (each '?' one param). out may be NULL for
 * statements without results; when given, rows are copied into arena a.
 * On a lost connection outside a transaction it reconnects and retries once, when
 * the statement cannot have run (the connection was gone before it was sent) or
 * is a read; a write that may have run is not sent twice.
 * Inside a transaction, after a lost connection or a deadlock every statement
 * fails (same errno) until db_rollback(): the server has already rolled back.
 * Returns 0, or -1 with db_errno()/db_error() set and logged.
 */
int db_execv(struct arena *a, struct db_rows *out, const char *sql, const struct db_param *params,
             size_t nparams);

/*
 * Shorthand: types is one char per following argument: 's' const char *,
 * 'i' long long, 'n' SQL NULL (takes no argument). Example:
 * db_exec(a, &rows, "SELECT ... WHERE id = ?", "s", id).
 */
int db_exec(struct arena *a, struct db_rows *out, const char *sql, const char *types, ...);

/* Affected rows of the last INSERT/UPDATE/DELETE (UPDATE counts matched rows, even unchanged
 * ones, so 0 means "no such row"); for a SELECT the number of rows returned. */
unsigned long long db_affected_rows(void);
/*
 * The insert id of the last INSERT/UPDATE/DELETE: an AUTO_INCREMENT value, or
 * expr of LAST_INSERT_ID(expr) when the statement called it (a counter bumped
 * and read in one statement).
 */
unsigned long long db_insert_id(void);
/* The last server error number (1062 duplicate key, 1213 deadlock, ...), 0 after success. */
unsigned int db_errno(void);
const char *db_error(void);
bool db_is_duplicate(void);
/*
 * Whether the last error was a lock conflict (deadlock, lock wait timeout): a
 * write that failed with one can run again and succeed. db_transaction
 * already reruns its function on these (and on a lost connection); callers
 * with their own rounds on top ask this instead of naming error numbers.
 */
bool db_lock_conflict(void);

/* Cell text or NULL. */
const char *db_cell(const struct db_rows *rows, size_t row, size_t col);
/* Index of a column by label, or -1. */
int db_col(const struct db_rows *rows, const char *name);

/*
 * A cell's text as the API shows it (web/row_json.h): times as ISO 8601 UTC
 * ("2023-06-15T10:30:00Z"), integers in decimal, the rest as it is; NULL for
 * SQL NULL. Copies into a only when the text differs from the cell.
 */
const char *db_cell_text(struct arena *a, const struct db_rows *rows, size_t row, size_t col);

/*
 * Adds columns named names (NULL-terminated, not copied), text, every cell
 * NULL, for values computed from each row (the labels a page shows); rows'
 * arrays are copied into a. Returns the index of the first new column.
 */
size_t db_rows_add_cols(struct arena *a, struct db_rows *rows, const char *const *names);

/*
 * Removes column col from every row, in place (a column read along for the
 * handler, such as the caller's user row, that the answer must not show).
 * Out of range is ignored.
 */
void db_rows_drop_col(struct db_rows *rows, size_t col);

/* Sets a cell (NULL for SQL NULL; value is not copied). Out of range is ignored. */
void db_set_cell(struct db_rows *rows, size_t row, size_t col, const char *value);

/* Transaction control (autocommit is on outside these). */
int db_begin(void);
int db_commit(void);
int db_rollback(void);
bool db_in_transaction(void);

/*
 * Runs fn inside BEGIN ... COMMIT. fn returns 0 to commit, anything else to
 * roll back (that value is returned). A deadlock (1213), lock wait timeout
 * (1205) or lost connection during fn rolls back and runs fn again, up to 5
 * attempts with a short randomized back-off; fn must therefore start from
 * scratch each time (allocate from the arena, keep no state outside ctx that it
 * does not reset). A connection lost during COMMIT is not retried: the server
 * may have committed, and running fn again would apply it twice. Returns -1
 * when attempts run out, after such a COMMIT, when fn ran longer than
 * DB_TXN_MAX_SECONDS, or on other errors.
 */
typedef int (*db_txn_fn)(void *ctx);
/*
 * The longest a transaction's work (BEGIN to the end of fn) may take: a
 * longer one is rolled back, not committed (-1, error 1969), so a row written
 * in it commits within this time of its INSERT. Followers of the ledger rely
 * on it (stock/itx_follow.h); nginx gives up on a request after 30 s anyway.
 */
#define DB_TXN_MAX_SECONDS 20
#define DB_ERR_TXN_TOO_LONG 1969
/*
 * Called inside an open transaction (a caller that keeps its write together with its own rows,
 * e.g. an Idempotency-Key and its stored answer), db_transaction joins it: fn runs under a
 * SAVEPOINT that is rolled back when fn returns non-zero, and nothing is retried or committed
 * here; a deadlock or lock wait fails the call and leaves the outer transaction to run again.
 */
int db_transaction(db_txn_fn fn, void *ctx);

/*
 * db_transaction, but START TRANSACTION is not sent before fn: it goes out with fn's first
 * statement, or not at all when that statement opens the transaction itself (db_begin_take), one
 * round trip less. A fn that runs no statement costs none. Inside an open transaction it is
 * db_transaction.
 */
int db_transaction_lazy(db_txn_fn fn, void *ctx);

/*
 * In db_transaction_lazy before fn's first statement: true, once, and the caller's very next
 * statement must open the transaction itself (a CALL of a procedure that runs START TRANSACTION
 * first), or it would run outside one; false anywhere else (a transaction is open on the server
 * already, or none is asked for).
 */
bool db_begin_take(void);

/*
 * Inside a transaction: the lock conflict of the last statement is its caller's answer, not a
 * reason for db_transaction to run the transaction again (a statement that chose not to wait
 * for a lock, and reports "busy" instead).
 */
void db_txn_keep_conflict(void);

/*
 * Statements this process has sent to the server since it started: executions of prepared
 * statements (cached ones too) and transaction control (START TRANSACTION, SAVEPOINT, COMMIT,
 * ROLLBACK). The access log and metrics take the difference over a request.
 */
unsigned long db_statement_count(void);
/* Transaction attempts db_transaction started again (deadlock, lock wait, lost connection). */
unsigned long db_retry_count(void);

/*
 * A new UUID for a row's id (lower-case, 36 chars) in the arena: version 7, time-ordered
 * (base/uuid7.h), so ids of new rows sort after older ones.
 */
char *db_uuid(struct arena *a);

/* A DATETIME, TIMESTAMP or DATE cell's text v as ISO 8601 UTC ("2023-06-15T10:30:00Z") in out. */
void db_time_iso(const char *v, char *out, size_t n);

#endif
