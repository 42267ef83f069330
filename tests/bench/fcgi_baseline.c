/* Benchmark baseline B0: the cheapest possible FastCGI responder, a fixed 60-byte JSON body. */
/*
 * It runs exactly like a handler pool (a unix socket, N preforked workers, one
 * libfcgi accept loop each, kept-alive connections from nginx), so the ratio
 * of a real handler's throughput to this one is the handler's own overhead.
 *
 *   fcgi_baseline --listen var/run/bench_baseline.sock --workers 4 [--db-socket S]
 *
 * With --db-socket it also serves the floors (below): the scenarios' own
 * database work with nothing around it, the least S1..S4 can cost.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <mysql.h>

#include "count/count_sql.h"
#include "stock/itx_sql.h"

/* 60 bytes of JSON, the size of a small API answer. */
#define BODY "{\"success\": true, \"message\": \"ok\", \"data\": \"0123456789abcd\"}"

static const char response[] = "Status: 200 OK\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 60\r\n"
                               "Cache-Control: no-store\r\n"
                               "\r\n" BODY;

_Static_assert(sizeof(BODY) - 1 == 60, "the baseline body is 60 bytes");

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static const char failed[] = "Status: 500 Internal Server Error\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n";

/*
 * The floors: what the scenarios' database work costs with nothing around it.
 * Each request runs its statements on a connection the worker opened at start,
 * prepared once, reads every row (no conversion, no JSON) and answers BODY.
 *
 *   /bench/floor                              SELECT 1 (B1)
 *   /bench/floor/get/TENANT/ID                S1's statement: the transaction
 *                                             with its six related records (F1)
 *   /bench/floor/list/TENANT/WAREHOUSE/TYPE   S2's page: 20 of them in the
 *                                             list index's order (F2)
 *   /bench/floor/list2/TENANT/WAREHOUSE/TYPE  S2 before issue 18: its stats,
 *                                             then the page, two round trips (F2t)
 *   /bench/floor/list1/TENANT/WAREHOUSE/TYPE  S2's one statement: the page with
 *                                             its stats riding on it (F2s)
 *   /bench/floor/listing/TENANT/WAREHOUSE/TYPE  S3's page: the same rows, the
 *                                             columns the admin listing shows (F3)
 *   /bench/floor/pick/N                       the least a durable pick writes:
 *                                             BEGIN, stock row N down by 1, one
 *                                             ledger row, COMMIT (F4)
 *   /bench/floor/pickp/N                      the same two writes as one CALL of
 *                                             a procedure: BEGIN, CALL, COMMIT (F4p,
 *                                             the floor of migration 011's design)
 *   /bench/floor/count/T/N                    the rows of S5's create N for bench
 *                                             tenant number T, durable: BEGIN, the
 *                                             session, 50 assignments, 50 targets
 *                                             (S5's JSON_TABLE inserts), COMMIT (F5)
 *
 * The pick floor writes to copies of stocks and inventory_transactions in
 * their own database (FLOOR_DB), with the same indexes (the lists need them)
 * but without the foreign keys and the counter trigger: never the ledger. The
 * count floor's copies of count_sessions, count_assignments and count_targets
 * are empty at start, with the same indexes and no foreign keys or code counter.
 */
#define FLOOR_DB "stocktake_bench_floor"
#define FLOOR_STOCKS 1000
#define STOCK_ID_LEN 36

enum floor_kind {
	FLOOR_ONE,
	FLOOR_ROW,
	FLOOR_GET,
	FLOOR_LIST,
	FLOOR_LIST_STATS,
	FLOOR_STATS,
	FLOOR_LISTING,
	FLOOR_TAKE,
	FLOOR_BOOK,
	FLOOR_TAKE_BOOK,
	FLOOR_SESSION,
	FLOOR_ASSIGNMENTS,
	FLOOR_TARGETS,
	FLOOR_KINDS
};

/* S2's page; S3's is the same with the columns the admin listing shows. */
#define FLOOR_PAGE_SQL(columns)                                                                    \
	"SELECT STRAIGHT_JOIN " columns                                                            \
	" FROM inventory_transactions t FORCE INDEX (ix_itx_tenant_wh_type_time)" TX_RELATED_PK    \
	" WHERE t.tenant_id = ? AND t.warehouse_id = ? AND t.transaction_type = ?" TX_ORDER        \
	" LIMIT 20"

static const char *const floor_sql[FLOOR_KINDS] = {
    [FLOOR_ONE] = "SELECT 1",
    [FLOOR_ROW] = "SELECT " TX_FLAT_COLUMNS
                  " FROM inventory_transactions t WHERE t.tenant_id = ? AND t.id = ?",
    [FLOOR_GET] = TX_GET_SQL,
    [FLOOR_LIST] = FLOOR_PAGE_SQL(TX_FLAT_COLUMNS TX_NESTED_COLUMNS),
    [FLOOR_LIST_STATS] = FLOOR_PAGE_SQL(TX_FLAT_COLUMNS TX_NESTED_COLUMNS
                                        ", " TX_STATS_BEGIN TX_STATS_WAREHOUSE TX_STATS_END),
    /* The stats statement S2 ran before its page until issue 18 (stock/itx.c). */
    [FLOOR_STATS] = "SELECT transaction_type, CAST(SUM(n) AS SIGNED) FROM"
                    " inventory_transaction_counts WHERE tenant_id = ? AND warehouse_id = ?"
                    " AND transaction_type = ? GROUP BY transaction_type",
    [FLOOR_LISTING] = FLOOR_PAGE_SQL(TX_LISTING_COLUMNS),
    [FLOOR_TAKE] =
        "UPDATE " FLOOR_DB ".stocks SET quantity = quantity - 1, updated_at = UTC_TIMESTAMP(6)"
        " WHERE id = ? AND quantity >= 1",
    [FLOOR_BOOK] =
        "INSERT INTO " FLOOR_DB ".inventory_transactions (id, tenant_id, warehouse_id, item_id,"
        " stock_id, transaction_type, quantity, delta, from_bin_id, reference_id,"
        " reference_type, performed_by, timestamp) SELECT UUID(), tenant_id, warehouse_id,"
        " item_id, id, 'pick', 1, -1, bin_id, 'BENCH-FLOOR', 'order', tenant_id,"
        " UTC_TIMESTAMP(6) FROM " FLOOR_DB ".stocks WHERE id = ?",
    [FLOOR_TAKE_BOOK] = "CALL " FLOOR_DB ".take_book(?)",
    /* S5's session row as count_input_insert writes it (its own id as the stand-in code). */
    [FLOOR_SESSION] = "INSERT INTO " FLOOR_DB ".count_sessions (id, tenant_id, code, created_by,"
                      " created, status, description, type) VALUES (?, ?, ?, ?,"
                      " UTC_TIMESTAMP(6), 'planned', ?, 'position')"
                      " RETURNING scheduled_end < scheduled_start",
    [FLOOR_ASSIGNMENTS] = COUNT_ASSIGNMENT_INSERT(FLOOR_DB "."),
    [FLOOR_TARGETS] = COUNT_TARGET_INSERT(FLOOR_DB "."),
};

/* FLOOR_TAKE then FLOOR_BOOK in one round trip (F4p); a stock without a unit left is an error. */
#define FLOOR_TAKE_BOOK_PROC                                                                       \
	"CREATE PROCEDURE " FLOOR_DB ".take_book(IN p_id CHAR(36) CHARACTER SET ascii) BEGIN"      \
	" UPDATE " FLOOR_DB ".stocks SET quantity = quantity - 1, updated_at = UTC_TIMESTAMP(6)"   \
	" WHERE id = p_id AND quantity >= 1;"                                                      \
	" IF ROW_COUNT() <> 1 THEN SIGNAL SQLSTATE '45000'; END IF;"                               \
	" INSERT INTO " FLOOR_DB ".inventory_transactions (id, tenant_id, warehouse_id, item_id,"  \
	" stock_id, transaction_type, quantity, delta, from_bin_id, reference_id,"                 \
	" reference_type, performed_by, timestamp) SELECT UUID(), tenant_id, warehouse_id,"        \
	" item_id, id, 'pick', 1, -1, bin_id, 'BENCH-FLOOR', 'order', tenant_id,"                  \
	" UTC_TIMESTAMP(6) FROM " FLOOR_DB ".stocks WHERE id = p_id; END"

static MYSQL *floor_db;
static MYSQL_STMT *floor_stmt[FLOOR_KINDS];
/* The pick floor's stock ids, in id order: /bench/floor/pick/N takes the N-th. */
static char floor_stock[FLOOR_STOCKS][STOCK_ID_LEN + 1];
static int floor_nstocks;

static MYSQL *floor_connect(const char *socket_path)
{
	MYSQL *db = mysql_init(NULL);

	if (db && !mysql_real_connect(db, NULL, "root", NULL, "stocktake", 0, socket_path, 0)) {
		fprintf(stderr, "fcgi_baseline: %s\n", mysql_error(db));
		mysql_close(db);
		return NULL;
	}
	return db;
}

/* The pick floor's tables, made once by the master before the workers start. */
static int floor_setup(const char *socket_path)
{
	static const char *const sql[] = {
	    "CREATE DATABASE IF NOT EXISTS " FLOOR_DB,
	    "DROP TABLE IF EXISTS " FLOOR_DB ".inventory_transactions, " FLOOR_DB ".stocks",
	    "CREATE TABLE " FLOOR_DB ".stocks LIKE stocktake.stocks",
	    "CREATE TABLE " FLOOR_DB
	    ".inventory_transactions LIKE stocktake.inventory_transactions",
	    "INSERT INTO " FLOOR_DB ".stocks SELECT * FROM stocktake.stocks ORDER BY id LIMIT 1000",
	    "UPDATE " FLOOR_DB ".stocks SET quantity = 1000000000",
	    "DROP PROCEDURE IF EXISTS " FLOOR_DB ".take_book",
	    FLOOR_TAKE_BOOK_PROC,
	    "DROP TABLE IF EXISTS " FLOOR_DB ".count_targets, " FLOOR_DB
	    ".count_assignments, " FLOOR_DB ".count_sessions",
	    /* LIKE copies the columns and every index, the foreign keys' own too, not the keys. */
	    "CREATE TABLE " FLOOR_DB ".count_sessions LIKE stocktake.count_sessions",
	    "CREATE TABLE " FLOOR_DB ".count_assignments LIKE stocktake.count_assignments",
	    "CREATE TABLE " FLOOR_DB ".count_targets LIKE stocktake.count_targets",
	};
	MYSQL *db = floor_connect(socket_path);
	int rc = db ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < sizeof(sql) / sizeof(sql[0]); i++)
		if (mysql_query(db, sql[i]) != 0) {
			fprintf(stderr, "fcgi_baseline: %s: %s\n", sql[i], mysql_error(db));
			rc = -1;
		}
	mysql_close(db);
	return rc;
}

/* The stock ids the pick floor goes round. */
static int floor_load_stocks(void)
{
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (mysql_query(floor_db, "SELECT id FROM " FLOOR_DB ".stocks ORDER BY id") != 0 ||
	    !(res = mysql_store_result(floor_db)))
		return -1;
	while ((row = mysql_fetch_row(res)) && floor_nstocks < FLOOR_STOCKS)
		snprintf(floor_stock[floor_nstocks++], STOCK_ID_LEN + 1, "%s", row[0]);
	mysql_free_result(res);
	return floor_nstocks > 0 ? 0 : -1;
}

static int floor_open(const char *socket_path)
{
	floor_db = floor_connect(socket_path);
	if (!floor_db || floor_load_stocks() != 0)
		return -1;
	for (int k = 0; k < FLOOR_KINDS; k++) {
		floor_stmt[k] = mysql_stmt_init(floor_db);
		if (!floor_stmt[k] ||
		    mysql_stmt_prepare(floor_stmt[k], floor_sql[k], strlen(floor_sql[k])) != 0) {
			fprintf(stderr, "fcgi_baseline: %s: %s\n", floor_sql[k],
			        mysql_stmt_error(floor_stmt[k]));
			return -1;
		}
	}
	return 0;
}

/* One round trip: bind the string parameters, execute, read every row; the number of rows, or -1.
 */
static long floor_run(enum floor_kind k, char **args, int nargs)
{
	MYSQL_STMT *st = floor_stmt[k];
	MYSQL_BIND par[6];
	long rows = 0;
	int rc;

	if (nargs != (int)mysql_stmt_param_count(st) || nargs > 6)
		return -1;
	memset(par, 0, sizeof(par));
	for (int i = 0; i < nargs; i++) {
		par[i].buffer_type = MYSQL_TYPE_STRING;
		par[i].buffer = args[i];
		par[i].buffer_length = strlen(args[i]);
	}
	if ((nargs && mysql_stmt_bind_param(st, par)) || mysql_stmt_execute(st))
		return -1;
	if (mysql_stmt_field_count(st) == 0)
		return (long)mysql_stmt_affected_rows(st);
	while ((rc = mysql_stmt_fetch(st)) == 0 || rc == MYSQL_DATA_TRUNCATED)
		rows++;
	return rc == MYSQL_NO_DATA ? rows : -1;
}

/* BEGIN, take one unit of the N-th stock row, book it, COMMIT: four round trips, one fsync. */
static int floor_pick(const char *n)
{
	char *args[] = {floor_stock[atoi(n) % floor_nstocks]};
	int ok;

	if (mysql_query(floor_db, "START TRANSACTION") != 0)
		return -1;
	ok = floor_run(FLOOR_TAKE, args, 1) == 1 && floor_run(FLOOR_BOOK, args, 1) == 1;
	if (!ok) {
		mysql_rollback(floor_db);
		return -1;
	}
	return mysql_commit(floor_db) == 0 ? 0 : -1;
}

/* BEGIN, the same two writes in one CALL, COMMIT: three round trips, one fsync. */
static int floor_pick_call(const char *n)
{
	char *args[] = {floor_stock[atoi(n) % floor_nstocks]};
	MYSQL_STMT *st = floor_stmt[FLOOR_TAKE_BOOK];
	int ok;

	if (mysql_query(floor_db, "START TRANSACTION") != 0)
		return -1;
	ok = floor_run(FLOOR_TAKE_BOOK, args, 1) >= 0;
	/* A CALL ends with a status of its own; the next statement waits for it to be read. */
	while (ok && mysql_stmt_more_results(st))
		ok = mysql_stmt_next_result(st) <= 0;
	if (!ok) {
		mysql_rollback(floor_db);
		return -1;
	}
	return mysql_commit(floor_db) == 0 ? 0 : -1;
}

/* S5's body size: 50 counters (bench-TT-u01..u50), one bin each. */
#define FLOOR_COUNTERS 50
#define FLOOR_BINS 200
/* A row of either JSON array: ["<36>","<36>",<int>] or ["<36>",0,0,"<36>"], with room. */
#define FLOOR_JSON_ROW 96

/* A bench id as tests/bench/generate.py's ident(kind, tenant, n) makes it. */
static void bench_id(char *out, int kind, int tenant, long n)
{
	snprintf(out, STOCK_ID_LEN + 1, "b%d%02d0000-0000-4000-8000-%012ld", kind, tenant, n);
}

/*
 * A new row id, time-ordered like the handlers' (UUIDv7): the second, this
 * worker's pid, kind (0 a session, 1 an assignment), then a count of its own.
 */
static void floor_new_id(char *out, int kind)
{
	static unsigned long long made;

	snprintf(out, STOCK_ID_LEN + 1, "%08llx-%04x-700%d-8000-%012llx",
	         (unsigned long long)time(NULL) & 0xffffffffULL, (unsigned)getpid() & 0xffffu,
	         kind & 7, ++made & 0xffffffffffffULL);
}

/* The JSON parameters of create n's 50 assignments and 50 targets, as lib/count writes them. */
static void floor_count_json(int tenant, long n, char *assignments, char *targets, size_t size)
{
	size_t ga = 0, gt = 0;
	char aid[STOCK_ID_LEN + 1], uid[STOCK_ID_LEN + 1], bin[STOCK_ID_LEN + 1];

	for (int u = 0; u < FLOOR_COUNTERS; u++) {
		floor_new_id(aid, 1);
		bench_id(uid, 2, tenant, u + 1);
		bench_id(bin, 4, tenant, (n + u) % FLOOR_BINS);
		ga += (size_t)snprintf(assignments + ga, size - ga, "%s[\"%s\",\"%s\",%d]",
		                       u ? "," : "[", aid, uid, u);
		gt += (size_t)snprintf(targets + gt, size - gt, "%s[\"%s\",0,0,\"%s\"]",
		                       u ? "," : "[", aid, bin);
	}
	snprintf(assignments + ga, size - ga, "]");
	snprintf(targets + gt, size - gt, "]");
}

/*
 * BEGIN, S5's session row, its 50 assignments and 50 targets (one JSON_TABLE
 * insert each, S5's texts), COMMIT: five round trips, one fsync. Path T/N.
 */
static int floor_count(const char *tenant_no, const char *n)
{
	static char assignments[FLOOR_COUNTERS * FLOOR_JSON_ROW], targets[sizeof(assignments)];
	static char description[] = "bench floor";
	char id[STOCK_ID_LEN + 1], tenant[STOCK_ID_LEN + 1], admin[STOCK_ID_LEN + 1];
	int t = atoi(tenant_no);
	char *session[] = {id, tenant, id, admin, description};
	char *rows_a[] = {tenant, id, assignments}, *rows_t[] = {tenant, id, targets};
	int ok;

	floor_new_id(id, 0);
	bench_id(tenant, 1, t, t);
	bench_id(admin, 2, t, 0);
	floor_count_json(t, atol(n), assignments, targets, sizeof(assignments));
	if (mysql_query(floor_db, "START TRANSACTION") != 0)
		return -1;
	ok = floor_run(FLOOR_SESSION, session, 5) == 1 &&
	     floor_run(FLOOR_ASSIGNMENTS, rows_a, 3) == FLOOR_COUNTERS &&
	     floor_run(FLOOR_TARGETS, rows_t, 3) == FLOOR_COUNTERS;
	if (!ok) {
		mysql_rollback(floor_db);
		return -1;
	}
	return mysql_commit(floor_db) == 0 ? 0 : -1;
}

/* Splits "a/b/c" in place into at most max parts; their number. */
static int split_path(char *path, char **parts, int max)
{
	int n = 0;

	for (char *save, *p = strtok_r(path, "/", &save); p && n < max;
	     p = strtok_r(NULL, "/", &save))
		parts[n++] = p;
	return n;
}

/* The floor a path asks for: 0 answered, -1 failed, 1 not a floor (the baseline). */
static int floor_request(FCGX_Request *req)
{
	const char *uri = FCGX_GetParam("DOCUMENT_URI", req->envp);
	char path[256], *part[5];
	int n;

	if (!uri || strncmp(uri, "/bench/floor", 12) != 0 || strlen(uri) >= sizeof(path))
		return 1;
	if (!floor_db)
		return -1;
	strcpy(path, uri + 12);
	n = split_path(path, part, 5);
	if (n == 0)
		return floor_run(FLOOR_ONE, NULL, 0) == 1 ? 0 : -1;
	if (strcmp(part[0], "row") == 0 && n == 3)
		return floor_run(FLOOR_ROW, part + 1, 2) == 1 ? 0 : -1;
	if (strcmp(part[0], "get") == 0 && n == 3)
		return floor_run(FLOOR_GET, part + 1, 2) == 1 ? 0 : -1;
	if (strcmp(part[0], "list") == 0 && n == 4)
		return floor_run(FLOOR_LIST, part + 1, 3) >= 0 ? 0 : -1;
	if (strcmp(part[0], "list2") == 0 && n == 4)
		return floor_run(FLOOR_STATS, part + 1, 3) >= 0 &&
		               floor_run(FLOOR_LIST, part + 1, 3) >= 0
		           ? 0
		           : -1;
	if (strcmp(part[0], "list1") == 0 && n == 4) {
		/* The stats' tenant, warehouse and type (in the select list), then the page's. */
		char *args[] = {part[1], part[2], part[3], part[1], part[2], part[3]};

		return floor_run(FLOOR_LIST_STATS, args, 6) >= 0 ? 0 : -1;
	}
	if (strcmp(part[0], "listing") == 0 && n == 4)
		return floor_run(FLOOR_LISTING, part + 1, 3) >= 0 ? 0 : -1;
	if (strcmp(part[0], "pick") == 0 && n == 2)
		return floor_pick(part[1]);
	if (strcmp(part[0], "pickp") == 0 && n == 2)
		return floor_pick_call(part[1]);
	if (strcmp(part[0], "count") == 0 && n == 3)
		return floor_count(part[1], part[2]);
	return -1;
}

/* One worker: accept, answer with one write, repeat; the connection stays open when nginx asks. */
static int worker(int fd, const char *db_socket)
{
	FCGX_Request req;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (FCGX_InitRequest(&req, fd, 0) != 0)
		return 1;
	if (db_socket && floor_open(db_socket) != 0) {
		fprintf(stderr, "fcgi_baseline: cannot prepare the floor query on %s\n", db_socket);
		return 1;
	}
	while (FCGX_Accept_r(&req) >= 0) {
		if (floor_request(&req) < 0)
			FCGX_PutStr(failed, (int)sizeof(failed) - 1, req.out);
		else
			FCGX_PutStr(response, (int)sizeof(response) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *db_socket = NULL;
	int nworkers = 4, fd;
	pid_t *pids;
	struct sigaction sa;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--workers") == 0)
			nworkers = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--db-socket") == 0)
			db_socket = argv[i + 1];
	}
	if (!path || nworkers < 1 || nworkers > 256) {
		fprintf(stderr, "usage: %s --listen SOCKET_PATH [--workers N] [--db-socket PATH]\n",
		        argv[0]);
		return 2;
	}
	if (FCGX_Init() != 0 || (db_socket && floor_setup(db_socket) != 0))
		return 1;
	unlink(path);
	fd = FCGX_OpenSocket(path, 128);
	if (fd < 0) {
		fprintf(stderr, "fcgi_baseline: cannot listen on %s: %s\n", path, strerror(errno));
		return 1;
	}
	chmod(path, 0666);
	pids = calloc((size_t)nworkers, sizeof(*pids));
	if (!pids)
		return 1;
	for (int i = 0; i < nworkers; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker(fd, db_socket));
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop)
		pause();
	for (int i = 0; i < nworkers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	unlink(path);
	free(pids);
	return 0;
}
