/*
 * Request metrics of a handler pool in shared memory: the supervisor creates and maps
 * DIR/GROUP.metrics, its forked workers add to it atomically, and /api/metrics prints every
 * group's file in the Prometheus text format.
 */
#ifndef STOCKTAKE_METRICS_H
#define STOCKTAKE_METRICS_H

#include <stdbool.h>

struct buf;
struct route;

/* Upper bounds (seconds) of the latency histogram's buckets; +Inf follows them. */
#define METRICS_LATENCY_BOUNDS 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0
#define METRICS_NBOUNDS 11

/* The name of a group's file in the metrics directory ("auth" -> "auth.metrics"). */
#define METRICS_SUFFIX ".metrics"

/*
 * Supervisor, before forking: creates dir/group.metrics (mode 0640, replacing an older one
 * atomically), sized for routes (a table ending with a zeroed entry), and maps it shared, so
 * the workers it forks inherit the mapping and a restarted worker adds to the same counters.
 * Returns 0, or -1 (logged): the pool then runs without metrics.
 */
int metrics_create(const char *dir, const char *group, const struct route *routes);

/*
 * The directory /api/metrics reads: the directory this pool's file was created in, or NULL
 * (plain CGI, or no metrics directory).
 */
const char *metrics_pool_dir(void);

/* Unmaps the counters; with unlink_file (a pool stopping) the file is removed too. */
void metrics_close(bool unlink_file);

/*
 * Counts one answered request: route is its index in the route table (-1 when no route
 * matched), us its duration in microseconds, statements and retries the database statements
 * and transaction retries it caused. No-op without a mapping (plain CGI).
 */
void metrics_request(int route, int status, long us, unsigned long statements,
                     unsigned long retries);

/* Counts an answer replayed for a repeated Idempotency-Key. */
void metrics_replay(void);

/* Supervisor: a worker that died and was replaced. */
void metrics_worker_restart(void);

/* Supervisor: delta workers started (+1) or reaped (-1). */
void metrics_workers_up(int delta);

/*
 * True once per pool (the first caller among its processes; always in plain CGI, where each
 * request is its own process): for a warning the workers would otherwise repeat.
 */
bool metrics_first_schema_warning(void);

/* The schema matches again: the next mismatch is warned about once more. */
void metrics_schema_settled(void);

/*
 * Appends every group's counters found in dir (files *.metrics, skipping ones that are not
 * ours) to out in the Prometheus text exposition format 0.0.4, each series labelled with its
 * group. Returns the number of groups read.
 */
int metrics_write(struct buf *out, const char *dir);

/*
 * Whether a caller may read /api/metrics: from loopback (REMOTE_ADDR 127.0.0.0/8 or ::1), or
 * with a token whose scopes (space-separated, NULL for none) hold "metrics".
 */
bool metrics_caller_allowed(const char *remote_addr, const char *scopes);

#endif
