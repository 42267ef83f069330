/* Time-ordered ids: version 7 UUIDs (RFC 9562) as lower-case text. */
#ifndef STOCKTAKE_UUID7_H
#define STOCKTAKE_UUID7_H

#include <stdint.h>

/* Characters of a UUID's text, without the NUL. */
#define UUID7_TEXT_LEN 36

/*
 * A new version 7 UUID in out ("019bd2a4-5e1c-7a3f-9c2e-1b7d04e8f6a2"): 48 bits of Unix time in
 * milliseconds, then 12 bits that count within a millisecond (starting at a random value under
 * 2048), then 62 random bits from getrandom(2). Ids of one process sort in the order they were
 * made, also when the clock steps back or more than 2048 come in one millisecond (the time part
 * then runs ahead of the clock until the clock catches up). Exits (log_fatal) if getrandom fails.
 */
void uuid7_text(char out[UUID7_TEXT_LEN + 1]);

/*
 * The text of the version 7 UUID of Unix time ms (the low 48 bits), counter rand_a (the low 12
 * bits) and rand_b (the low 62 bits) in out.
 */
void uuid7_format(uint64_t ms, unsigned rand_a, uint64_t rand_b, char out[UUID7_TEXT_LEN + 1]);

#endif
