/* Request metrics in a file mapped shared by a pool's supervisor and workers; Prometheus text. */
#include "web/metrics.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/words.h"
#include "web/route.h"

#define METRICS_MAGIC 0x31524d544b545453ull /* "STKTMRT1": layout version 1 */
#define STATUS_MIN 100
#define STATUS_SLOTS 500 /* 100..599 */
#define ROUTE_TEXT 120
#define GROUPS_MAX 32

/* The start of a group's file; every counter is added to with atomic adds. */
struct metrics_head {
	uint64_t magic;
	uint64_t size;    /* bytes of the whole file */
	uint32_t nroutes; /* route slots; the last one counts requests no route matched */
	uint32_t reserved;
	char group[48];
	uint64_t schema_warned;
	uint64_t workers_up; /* a gauge: +1 per fork, -1 per reaped worker */
	uint64_t worker_restarts;
	uint64_t db_statements;
	uint64_t db_retries;
	uint64_t replays;
	uint64_t latency_count;
	uint64_t latency_sum_us;
	uint64_t latency[METRICS_NBOUNDS + 1]; /* per bucket, not cumulative; the last is +Inf */
};

/* A route slot's labels, copied from the route table so that readers need no table. */
struct metrics_route {
	char method[8];
	char pattern[ROUTE_TEXT];
};

static const double bounds[METRICS_NBOUNDS] = {METRICS_LATENCY_BOUNDS};

/* This process's mapping (inherited by forked workers), its size and directory. */
static struct metrics_head *mapped;
static size_t mapped_size;
static char mapped_dir[256];
static char mapped_path[300];
static struct stat mapped_file; /* to remove our own file only, not a successor's */

static struct metrics_route *routes_of(struct metrics_head *h)
{
	return (struct metrics_route *)(h + 1);
}

static uint64_t *counts_of(struct metrics_head *h)
{
	return (uint64_t *)(routes_of(h) + h->nroutes);
}

static size_t size_for(uint32_t nroutes)
{
	return sizeof(struct metrics_head) + nroutes * sizeof(struct metrics_route) +
	       (size_t)nroutes * STATUS_SLOTS * sizeof(uint64_t);
}

static void add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static uint64_t load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static void fill_head(struct metrics_head *h, const char *group, const struct route *routes,
                      uint32_t nroutes, size_t size)
{
	struct metrics_route *slots;

	h->magic = METRICS_MAGIC;
	h->size = size;
	h->nroutes = nroutes;
	snprintf(h->group, sizeof(h->group), "%s", group);
	slots = routes_of(h);
	for (uint32_t i = 0; i + 1 < nroutes; i++) {
		snprintf(slots[i].method, sizeof(slots[i].method), "%s", routes[i].method);
		snprintf(slots[i].pattern, sizeof(slots[i].pattern), "%s", routes[i].pattern);
	}
	snprintf(slots[nroutes - 1].method, sizeof(slots[0].method), "-");
	snprintf(slots[nroutes - 1].pattern, sizeof(slots[0].pattern), "unmatched");
}

/* Maps a new zeroed file at tmp of size bytes; NULL on failure (logged). */
static struct metrics_head *map_new(const char *tmp, size_t size)
{
	void *p;
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	if (fd < 0) {
		log_warn("metrics: cannot create %s: %s", tmp, strerror(errno));
		return NULL;
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		log_warn("metrics: cannot size %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return NULL;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("metrics: cannot map %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return NULL;
	}
	return p;
}

int metrics_create(const char *dir, const char *group, const struct route *routes)
{
	char tmp[320];
	uint32_t nroutes = 1;
	struct metrics_head *h;
	size_t size;

	if (!dir || !*dir || strlen(dir) >= sizeof(mapped_dir))
		return -1;
	while (routes && routes[nroutes - 1].method)
		nroutes++;
	size = size_for(nroutes);
	snprintf(mapped_path, sizeof(mapped_path), "%s/%s%s", dir, group, METRICS_SUFFIX);
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", mapped_path, (long)getpid());
	unlink(tmp);
	if (!(h = map_new(tmp, size)))
		return -1;
	fill_head(h, group, routes, nroutes, size);
	/* Readers see the old file or the complete new one, never a half-written head. */
	if (rename(tmp, mapped_path) < 0) {
		log_warn("metrics: cannot rename %s: %s", tmp, strerror(errno));
		munmap(h, size);
		unlink(tmp);
		return -1;
	}
	if (stat(mapped_path, &mapped_file) < 0)
		memset(&mapped_file, 0, sizeof(mapped_file));
	mapped = h;
	mapped_size = size;
	snprintf(mapped_dir, sizeof(mapped_dir), "%s", dir);
	return 0;
}

const char *metrics_pool_dir(void)
{
	return mapped ? mapped_dir : NULL;
}

void metrics_close(bool unlink_file)
{
	struct stat now;

	if (!mapped)
		return;
	munmap(mapped, mapped_size);
	mapped = NULL;
	if (unlink_file && stat(mapped_path, &now) == 0 && now.st_ino == mapped_file.st_ino &&
	    now.st_dev == mapped_file.st_dev)
		unlink(mapped_path);
}

static int latency_bucket(long us)
{
	for (int i = 0; i < METRICS_NBOUNDS; i++)
		if ((double)us <= bounds[i] * 1e6)
			return i;
	return METRICS_NBOUNDS;
}

void metrics_request(int route, int status, long us, unsigned long statements,
                     unsigned long retries)
{
	uint32_t slot;

	if (!mapped)
		return;
	slot = route >= 0 && (uint32_t)route + 1 < mapped->nroutes ? (uint32_t)route
	                                                           : mapped->nroutes - 1;
	if (status < STATUS_MIN || status >= STATUS_MIN + STATUS_SLOTS)
		status = 500;
	add(&counts_of(mapped)[(size_t)slot * STATUS_SLOTS + (size_t)(status - STATUS_MIN)], 1);
	if (us < 0)
		us = 0;
	add(&mapped->latency[latency_bucket(us)], 1);
	add(&mapped->latency_count, 1);
	add(&mapped->latency_sum_us, (uint64_t)us);
	add(&mapped->db_statements, statements);
	add(&mapped->db_retries, retries);
}

void metrics_replay(void)
{
	if (mapped)
		add(&mapped->replays, 1);
}

void metrics_worker_restart(void)
{
	if (mapped)
		add(&mapped->worker_restarts, 1);
}

void metrics_workers_up(int delta)
{
	if (mapped)
		add(&mapped->workers_up, (uint64_t)(int64_t)delta);
}

bool metrics_first_schema_warning(void)
{
	if (!mapped)
		return true;
	return __atomic_exchange_n(&mapped->schema_warned, 1, __ATOMIC_RELAXED) == 0;
}

void metrics_schema_settled(void)
{
	if (mapped)
		__atomic_store_n(&mapped->schema_warned, 0, __ATOMIC_RELAXED);
}

/* ---- reading ---------------------------------------------------------------- */

struct group_map {
	struct metrics_head *h;
	size_t size;
};

/* Maps dir/name read-only when it is a complete metrics file; NULL otherwise. */
static struct metrics_head *map_existing(const char *dir, const char *name, size_t *size)
{
	char path[600];
	struct stat st;
	struct metrics_head *h;
	void *p;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size < sizeof(struct metrics_head)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	h = p;
	if (h->magic != METRICS_MAGIC || h->size != (uint64_t)st.st_size || h->nroutes == 0 ||
	    size_for(h->nroutes) != (size_t)st.st_size) {
		munmap(p, (size_t)st.st_size);
		return NULL;
	}
	*size = (size_t)st.st_size;
	return h;
}

static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n > k && strcmp(name + n - k, suffix) == 0;
}

static int by_group(const void *a, const void *b)
{
	return strcmp(((const struct group_map *)a)->h->group,
	              ((const struct group_map *)b)->h->group);
}

static int map_all(const char *dir, struct group_map *maps)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while (n < GROUPS_MAX && (e = readdir(d)))
		if (has_suffix(e->d_name, METRICS_SUFFIX) &&
		    (maps[n].h = map_existing(dir, e->d_name, &maps[n].size)))
			n++;
	closedir(d);
	qsort(maps, (size_t)n, sizeof(*maps), by_group);
	return n;
}

/* A label value with \, " and newline escaped as the exposition format asks. */
static void put_label(struct buf *out, const char *name, const char *value, size_t max)
{
	buf_appendf(out, "%s=\"", name);
	for (size_t i = 0; i < max && value[i]; i++) {
		if (value[i] == '\\' || value[i] == '"')
			buf_putc(out, '\\');
		if (value[i] == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, value[i]);
	}
	buf_putc(out, '"');
}

static void family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_appendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_requests(struct buf *out, struct metrics_head *h)
{
	struct metrics_route *slots = routes_of(h);
	uint64_t *counts = counts_of(h);

	for (uint32_t r = 0; r < h->nroutes; r++)
		for (int s = 0; s < STATUS_SLOTS; s++) {
			uint64_t v = load(&counts[(size_t)r * STATUS_SLOTS + (size_t)s]);

			if (!v)
				continue;
			buf_puts(out, "stocktake_requests_total{");
			put_label(out, "group", h->group, sizeof(h->group));
			put_label(out, ",method", slots[r].method, sizeof(slots[r].method));
			put_label(out, ",route", slots[r].pattern, sizeof(slots[r].pattern));
			buf_appendf(out, ",status=\"%d\"} %llu\n", s + STATUS_MIN,
			            (unsigned long long)v);
		}
}

static void put_latency(struct buf *out, struct metrics_head *h)
{
	uint64_t total = 0;

	for (int i = 0; i <= METRICS_NBOUNDS; i++) {
		total += load(&h->latency[i]);
		buf_puts(out, "stocktake_request_duration_seconds_bucket{");
		put_label(out, "group", h->group, sizeof(h->group));
		if (i < METRICS_NBOUNDS)
			buf_appendf(out, ",le=\"%g\"} %llu\n", bounds[i],
			            (unsigned long long)total);
		else
			buf_appendf(out, ",le=\"+Inf\"} %llu\n", (unsigned long long)total);
	}
	buf_puts(out, "stocktake_request_duration_seconds_sum{");
	put_label(out, "group", h->group, sizeof(h->group));
	buf_appendf(out, "} %.6f\n", (double)load(&h->latency_sum_us) / 1e6);
	buf_puts(out, "stocktake_request_duration_seconds_count{");
	put_label(out, "group", h->group, sizeof(h->group));
	/* The buckets' total, not latency_count: a request between the two adds stays consistent.
	 */
	buf_appendf(out, "} %llu\n", (unsigned long long)total);
}

/* One line per group of a plain counter or gauge at offset in the head. */
/* The families that are one number per group, each a field of the group's head. */
static const struct simple_family {
	const char *name, *help;
	size_t offset;
	bool gauge;
} simple_families[] = {
    {"stocktake_db_statements_total",
     "Database statements sent (prepared, cached or not; transaction control).",
     offsetof(struct metrics_head, db_statements), false},
    {"stocktake_db_retries_total",
     "Transactions run again after a deadlock, lock wait timeout or lost connection.",
     offsetof(struct metrics_head, db_retries), false},
    {"stocktake_idempotent_replays_total", "Answers replayed for a repeated Idempotency-Key.",
     offsetof(struct metrics_head, replays), false},
    {"stocktake_worker_restarts_total",
     "Workers that died and were replaced by their pool's supervisor.",
     offsetof(struct metrics_head, worker_restarts), false},
    {"stocktake_workers_up", "Workers of the pool running now.",
     offsetof(struct metrics_head, workers_up), true},
};

static void put_simple(struct buf *out, struct group_map *maps, int n,
                       const struct simple_family *f)
{
	family(out, f->name, f->gauge ? "gauge" : "counter", f->help);
	for (int i = 0; i < n; i++) {
		uint64_t v = load((const uint64_t *)((const char *)maps[i].h + f->offset));

		buf_appendf(out, "%s{", f->name);
		put_label(out, "group", maps[i].h->group, sizeof(maps[i].h->group));
		if (f->gauge)
			buf_appendf(out, "} %lld\n", (long long)(int64_t)v);
		else
			buf_appendf(out, "} %llu\n", (unsigned long long)v);
	}
}

int metrics_write(struct buf *out, const char *dir)
{
	struct group_map maps[GROUPS_MAX];
	int n = map_all(dir, maps);

	family(out, "stocktake_requests_total", "counter",
	       "Requests answered, by endpoint group, route pattern and status.");
	for (int i = 0; i < n; i++)
		put_requests(out, maps[i].h);
	family(out, "stocktake_request_duration_seconds", "histogram",
	       "Time from reading a request to its answer, by endpoint group.");
	for (int i = 0; i < n; i++)
		put_latency(out, maps[i].h);
	for (size_t f = 0; f < sizeof(simple_families) / sizeof(simple_families[0]); f++)
		put_simple(out, maps, n, &simple_families[f]);
	for (int i = 0; i < n; i++)
		munmap(maps[i].h, maps[i].size);
	return n;
}

static bool loopback(const char *addr)
{
	if (!addr)
		return false;
	if (strncmp(addr, "::ffff:", 7) == 0)
		addr += 7;
	if (strcmp(addr, "::1") == 0)
		return true;
	/* 127.0.0.0/8, written as nginx passes it (dotted decimal). */
	return strncmp(addr, "127.", 4) == 0 && strspn(addr, "0123456789.") == strlen(addr);
}

bool metrics_caller_allowed(const char *remote_addr, const char *scopes)
{
	const char *w;
	size_t n;

	if (loopback(remote_addr))
		return true;
	while (scopes && (n = words_next(&scopes, &w)) > 0)
		if (n == 7 && memcmp(w, "metrics", 7) == 0)
			return true;
	return false;
}
