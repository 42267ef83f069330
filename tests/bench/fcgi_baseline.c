/* Benchmark baseline B0: the cheapest possible FastCGI responder, a fixed 60-byte JSON body. */
/*
 * It runs exactly like a handler pool (a unix socket, N preforked workers, one
 * libfcgi accept loop each, kept-alive connections from nginx), so the ratio
 * of a real handler's throughput to this one is the handler's own overhead.
 *
 *   fcgi_baseline --listen var/run/bench_baseline.sock --workers 4
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

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

/* One worker: accept, answer with one write, repeat; the connection stays open when nginx asks. */
static int worker(int fd)
{
	FCGX_Request req;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (FCGX_InitRequest(&req, fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(response, (int)sizeof(response) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int nworkers = 4, fd;
	pid_t *pids;
	struct sigaction sa;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			path = argv[i + 1];
		else if (strcmp(argv[i], "--workers") == 0)
			nworkers = atoi(argv[i + 1]);
	}
	if (!path || nworkers < 1 || nworkers > 256) {
		fprintf(stderr, "usage: %s --listen SOCKET_PATH [--workers N]\n", argv[0]);
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
			_exit(worker(fd));
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
