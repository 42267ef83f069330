/*
 * Logging to stderr, one line per event: "<P>NAME[PID] LEVEL: [REQUEST_ID] message", where <P>
 * is the syslog priority journald reads (sd-daemon(3)): <7> debug, <6> info, <4> warn, <3> error.
 */
#ifndef STOCKTAKE_LOG_H
#define STOCKTAKE_LOG_H

enum log_level { LOGL_DEBUG = 0, LOGL_INFO, LOGL_WARN, LOGL_ERROR };

/* Program name shown on every line (default "stocktake"). */
void log_set_name(const char *name);
/*
 * The id of the request being served (the web server's REQUEST_ID, echoed to
 * the client as X-Request-Id), shown on each line until it is set again; NULL
 * or "" for none. An id of other characters than [A-Za-z0-9._-], or longer
 * than 64, is not shown.
 */
void log_set_request(const char *id);
/* Lines below level are dropped (default LOGL_INFO). */
void log_set_level(enum log_level level);
/* Parses "debug", "info", "warn", "error"; returns -1 for anything else. */
int log_level_parse(const char *s);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOGL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOGL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOGL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOGL_ERROR, __VA_ARGS__)

/* Logs and exits: for out of memory and broken start-up only. */
void log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
