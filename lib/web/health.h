/*
 * The probes of a running installation: /api/health (the process answers), /api/ready (the
 * database takes this build's writes), /api/metrics (the pools' counters), and the schema
 * check a serving process logs once when it starts.
 */
#ifndef STOCKTAKE_HEALTH_H
#define STOCKTAKE_HEALTH_H

struct request;

/* Seconds a client waits before asking /api/ready again after a 503. */
#define HEALTH_RETRY_AFTER "5"

/* GET /api/health: 200 in the status envelope without touching the database. */
void health_live(struct request *r);

/*
 * GET /api/ready: 200 when the database is reachable, writable (not read_only; on Galera
 * wsrep_ready) and its schema version equals this build's; else 503 with the reason as the
 * detail and Retry-After. Both carry "schema": {"expected": N, "applied": M} (applied null
 * when unknown). A problem is logged once per pool (until a ready answer settles it).
 */
void health_ready(struct request *r);

/*
 * GET /api/metrics: every pool's counters (web/metrics.h) from the config's metrics_dir, else
 * this pool's directory, as text/plain; version=0.0.4. Callers from loopback, or with a token
 * holding the "metrics" scope; others get 403 (401 with a token that does not verify).
 */
void health_metrics(struct request *r);

/*
 * At a serving process's start, after connecting: logs (error, once per pool) a schema that
 * is behind or ahead of this build, with what to do. Silent when the database cannot be
 * reached (the process start already says so) or the schema matches.
 */
void health_check_schema(void);

#endif
