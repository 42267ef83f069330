/* Logging to stderr: one line per event, written with a single write() so workers do not
 * interleave. */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

/* Process-wide logging settings, set once at start-up. */
static char log_name[64] = "stocktake";
static enum log_level log_min = LOGL_INFO;
/* The request being served, per process (a worker serves one at a time). */
static char log_request[65];

static const char *const level_names[] = {"debug", "info", "warn", "error"};
/*
 * syslog priorities (debug 7, info 6, warning 4, err 3) as the "<N>" prefix of sd-daemon(3):
 * journald reads it from a service's stderr and files the line at that priority, so
 * `journalctl -p err` shows the errors. In a plain log file the prefix stays on the line.
 */
static const char *const level_prefixes[] = {"<7>", "<6>", "<4>", "<3>"};

void log_set_name(const char *name)
{
	snprintf(log_name, sizeof(log_name), "%s", name ? name : "stocktake");
}

void log_set_request(const char *id)
{
	size_t n =
	    id ? strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
	       : 0;

	if (!id || n != strlen(id) || n >= sizeof(log_request))
		n = 0;
	memcpy(log_request, id ? id : "", n);
	log_request[n] = '\0';
}

void log_set_level(enum log_level level)
{
	log_min = level;
}

int log_level_parse(const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(s, "warning") == 0)
		return LOGL_WARN;
	return -1;
}

__attribute__((format(printf, 2, 0))) static void log_write(enum log_level level, const char *fmt,
                                                            va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved_errno = errno;
	int head, n;
	size_t len;

	if (level < LOGL_DEBUG || level > LOGL_ERROR)
		level = LOGL_ERROR;
	head = snprintf(line, sizeof(line), "%s%s[%ld] %s: %s%s%s", level_prefixes[level], log_name,
	                (long)getpid(), level_names[level], *log_request ? "[" : "", log_request,
	                *log_request ? "] " : "");
	if (head < 0 || (size_t)head >= sizeof(line))
		head = 0;
	n = vsnprintf(line + head, sizeof(line) - (size_t)head, fmt, ap);
	len = (size_t)head;
	if (n > 0)
		len += (size_t)n < sizeof(line) - (size_t)head ? (size_t)n
		                                               : sizeof(line) - (size_t)head - 1;
	/* Messages can carry request data: keep each event on one line. */
	for (size_t i = (size_t)head; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			line[i] = c == '\t' ? ' ' : '?';
	}
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	line[len++] = '\n';

	for (size_t off = 0; off < len;) {
		ssize_t w = write(STDERR_FILENO, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	errno = saved_errno;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level < log_min)
		return;
	va_start(ap, fmt);
	log_write(level, fmt, ap);
	va_end(ap);
}

void log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(LOGL_ERROR, fmt, ap);
	va_end(ap);
	exit(EXIT_FAILURE);
}
