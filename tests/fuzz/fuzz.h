/* Shared plumbing of the libFuzzer drivers: configuration, a fake request, property failures. */
#ifndef STOCKTAKE_FUZZ_H
#define STOCKTAKE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/req.h"

/* The fixed HS256 secret, issuer and audience every driver configures. */
#define FUZZ_SECRET "fuzz-secret-0123456789abcdef0123456789abcdef"
#define FUZZ_ISSUER "stocktake"
#define FUZZ_AUDIENCE "stocktake-api"
/* The "now" of token checks, so that a finding replays the same way on any day. */
#define FUZZ_NOW 1700000000L
#define FUZZ_TENANT "11111111-2222-4333-8444-555555555555"
#define FUZZ_USER "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"

/* Once per process: quiet logs, the test secret, templates from the source tree. */
void fuzz_setup(void);

/* A property the driver checks did not hold: prints it and aborts, so libFuzzer keeps the input. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A request as FastCGI would hand it over: parameters ("NAME=value") and a body. */
struct fuzz_req {
	struct request r;
	struct req_io io;
	char *envp[16];
	size_t nenv;
	const char *body;
	size_t body_len, body_pos;
};

/* Starts an empty request (no parameters, no body). */
void fuzz_req_init(struct fuzz_req *f);
/* Adds "name=value" (value n bytes, stored in a). */
void fuzz_req_env(struct fuzz_req *f, struct arena *a, const char *name, const char *value,
                  size_t n);
/* Sets the body the request's reader hands out. */
void fuzz_req_body(struct fuzz_req *f, const char *body, size_t n);
/* req_read with the parameters and body set so far. */
enum req_read_result fuzz_req_read(struct fuzz_req *f, struct arena *a);
/* Releases what the request holds outside the arena. */
void fuzz_req_release(struct fuzz_req *f);

/* s is "YYYY-MM-DD HH:MM:SS" exactly (MariaDB DATETIME text). */
bool fuzz_is_db_time(const char *s);

/*
 * Splits data at the first n-1 newlines into n pieces (the last one keeps the
 * rest, newlines included); missing pieces are empty. Pieces point into data.
 */
void fuzz_split(const uint8_t *data, size_t size, size_t n, const char **piece, size_t *len);

#endif
