/* Benchmark baseline B0: the cheapest possible FastCGI responder, a fixed 60-byte JSON body. */
/*
 * It runs exactly like a handler pool (a unix socket, N preforked workers, one
 * libfcgi accept loop each, kept-alive connections from nginx), so the ratio
 * of a real handler's throughput to this one is the handler's own overhead.
 *
 *   fcgi_baseline --listen var/run/bench_baseline.sock --workers 4 [--db-socket S]
 *
 * With --db-socket, a request for /bench/floor (B1) first runs one prepared
 * "SELECT 1" on a connection the worker opened at start, prepared once: the
 * least any request that reads the database costs, the floor under S1..S4.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <mysql.h>

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

/* The worker's connection and its one statement (NULL without --db-socket). */
static MYSQL_STMT *floor_stmt;

static int floor_open(const char *socket_path)
{
	MYSQL *db = mysql_init(NULL);
	static const char sql[] = "SELECT 1";

	if (!db || !mysql_real_connect(db, NULL, "root", NULL, "stocktake", 0, socket_path, 0))
		return -1;
	floor_stmt = mysql_stmt_init(db);
	return floor_stmt && mysql_stmt_prepare(floor_stmt, sql, sizeof(sql) - 1) == 0 ? 0 : -1;
}

/* One round trip: execute, fetch the one row. */
static int floor_query(void)
{
	int one = 0;
	MYSQL_BIND col = {.buffer_type = MYSQL_TYPE_LONG, .buffer = &one};

	if (!floor_stmt || mysql_stmt_execute(floor_stmt) || mysql_stmt_bind_result(floor_stmt, &col) ||
	    mysql_stmt_fetch(floor_stmt) != 0)
		return -1;
	while (mysql_stmt_fetch(floor_stmt) == 0)
		;
	return one == 1 ? 0 : -1;
}

static bool wants_floor(FCGX_Request *req)
{
	const char *uri = FCGX_GetParam("DOCUMENT_URI", req->envp);

	return uri && strcmp(uri, "/bench/floor") == 0;
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
		if (wants_floor(&req) && floor_query() != 0)
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
		fprintf(stderr, "usage: %s --listen SOCKET_PATH [--workers N] [--db-socket PATH]\n", argv[0]);
		return 2;
	}
	if (FCGX_Init() != 0)
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
