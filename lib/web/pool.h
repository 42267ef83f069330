/* The preforked FastCGI pool: a supervisor keeping N workers that accept on one socket. */
#ifndef STOCKTAKE_POOL_H
#define STOCKTAKE_POOL_H

#include <stdbool.h>

#include "web/req.h"
#include "web/route.h"

/* What a pool's workers do, and what its supervisor names. */
struct pool_work {
	const char *name;           /* the group: its metrics file (web/metrics.h) */
	const struct route *routes; /* the metrics' route slots */
	const char *config_path;    /* --config as given (NULL: env_load's default), for reloads */
	/*
	 * In each worker after the fork, before its first request: 0, or -1 when it
	 * cannot start, which stops the whole pool (restarting would not help).
	 */
	int (*start)(void *ctx);
	/* One accepted request, read and answered through io (io->envp is its environment). */
	void (*serve)(void *ctx, const struct req_io *io);
	/* When the worker stops, after its last request. */
	void (*finish)(void *ctx);
	void *ctx;
};

/*
 * --listen PATH: opens the unix socket at PATH (mode 0660, group socket_group;
 * refused when another server accepts on it), runs the pool on it until
 * SIGTERM or SIGINT, then removes it if it is still ours. Returns the exit
 * status: 0, or 1 when the socket could not be opened, a worker could not
 * start or workers did not stop cleanly.
 */
int pool_serve_path(const struct pool_work *w, const char *path, int nworkers);

/*
 * The same on the listening socket that arrives as fd 0 (systemd's
 * StandardInput=socket, spawn-fcgi).
 *
 * Either way: every inherited descriptor but 0-2, the listening socket and
 * systemd's LISTEN_FDS is closed first (a caller's lock file would otherwise
 * stay held as long as the pool runs); the supervisor creates the group's
 * shared counters (metrics_dir, else the socket's directory, else
 * $RUNTIME_DIRECTORY) and replaces a worker that dies at once (after a second
 * when it died within a second of its start). SIGTERM lets each worker finish
 * its request (SIGKILL after 30 s). SIGHUP re-reads the configuration: one
 * that does not load is logged and the previous one kept; one that loads
 * reaches every worker, which applies it as soon as its current request is
 * done (a reload thread per worker, so no accept or kept-alive connection is
 * interrupted).
 */
int pool_serve_stdin(const struct pool_work *w, int nworkers);

/* Whether this process was asked to stop (SIGTERM, SIGINT): start-up retries give up. */
bool pool_stopping(void);

#endif
