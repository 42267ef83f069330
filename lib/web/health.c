/* /api/health, /api/ready and /api/metrics, and the schema check at a process's start. */
#include "web/health.h"

#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/env.h"
#include "base/jval.h"
#include "base/log.h"
#include "db/db_ready.h"
#include "web/auth.h"
#include "web/envelope.h"
#include "web/metrics.h"
#include "web/req.h"

void health_live(struct request *r)
{
	envelope_reply(r, 200, envelope_status(200, "Service is running", ""));
}

/* Logs why the database is not ready for this build: once per pool, not once per worker. */
static void log_problem(const char *problem)
{
	if (metrics_first_schema_warning())
		log_error("not ready: %s", problem);
}

/* {"expected": N, "applied": M}, applied null when the database could not be read. */
static struct json_object *schema_json(const struct db_ready *st, bool read)
{
	struct json_object *o = json_object_new_object();

	jval_add_int(o, "expected", db_schema_expected());
	if (read && st->applied >= 0)
		jval_add_int(o, "applied", st->applied);
	else
		json_object_object_add(o, "applied", NULL);
	return o;
}

void health_ready(struct request *r)
{
	struct db_ready st;
	bool read = db_ready_read(r->arena, &st) == 0;
	const char *problem =
	    read ? db_ready_problem(r->arena, &st) : "the database cannot be reached";
	struct json_object *o;

	if (!problem) {
		metrics_schema_settled();
		o = envelope_status(200, "Service is ready", "");
		json_object_object_add(o, "schema", schema_json(&st, read));
		envelope_reply(r, 200, o);
		return;
	}
	if (read)
		log_problem(problem);
	o = envelope_status(503, "Service temporarily unavailable", problem);
	json_object_object_add(o, "schema", schema_json(&st, read));
	envelope_reply(r, 503, o);
	req_add_header(r, "Retry-After", HEALTH_RETRY_AFTER);
}

/* The caller may read the metrics; false when refused (sent). */
static bool metrics_allowed(struct request *r)
{
	const char *message = NULL;
	int rc;

	if (metrics_caller_allowed(req_env(r, "REMOTE_ADDR"), NULL))
		return true;
	rc = auth_authenticate(r, &message);
	if (rc != 0 || !r->caller) {
		message = message ? message : "Authentication required";
		envelope_status_error(r, 401, message, "");
		auth_challenge(r, 401, message, NULL);
		return false;
	}
	if (!metrics_caller_allowed(NULL, r->caller->scope)) {
		envelope_status_error(r, 403, "Insufficient permissions", "");
		auth_challenge(r, 403, "Insufficient permissions", "metrics");
		return false;
	}
	return true;
}

void health_metrics(struct request *r)
{
	const char *dir = env_get()->metrics_dir;

	if (!metrics_allowed(r))
		return;
	if (!dir)
		dir = metrics_pool_dir();
	buf_reset(&r->out);
	metrics_write(&r->out, dir);
	req_set_status(r, 200);
	r->out_type = "text/plain; version=0.0.4; charset=utf-8";
}

void health_check_schema(void)
{
	struct arena *a = arena_new(4096);
	struct db_ready st;
	const char *problem;

	if (db_ready_read(a, &st) == 0) {
		if ((problem = db_ready_problem(a, &st)) != NULL)
			log_problem(problem);
		else
			metrics_schema_settled();
	}
	arena_free(a);
}
