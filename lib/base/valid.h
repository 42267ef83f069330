/* Input checks shared by handlers: ids, enums, numbers, timestamps. */
#ifndef STOCKTAKE_VALID_H
#define STOCKTAKE_VALID_H

#include <stdbool.h>
#include <stddef.h>

/* 8-4-4-4-12 hex digits, either case. */
bool valid_uuid(const char *s);

struct arena;
/* s lower-cased in the arena when it is a UUID (ids are stored that way); other text, and NULL, as
 * it is. */
const char *valid_id_norm(struct arena *a, const char *s);

/* s equals one of the NULL-terminated list. */
bool valid_one_of(const char *s, const char *const *list);

/* Whole decimal integer (optional leading '-'), no junk, no overflow. */
bool valid_int64(const char *s, long long *out);

/*
 * ISO 8601 / RFC 3339 date-time: "2023-06-15T10:30:00Z", with optional
 * fraction and "+hh:mm" offset, or a bare date "2023-06-15". Writes the UTC
 * time as "YYYY-MM-DD HH:MM:SS" (MariaDB DATETIME text) into out (>= 20 bytes).
 */
bool valid_timestamp(const char *s, char *out, size_t outlen);

/* Converts MariaDB "YYYY-MM-DD HH:MM:SS[.ffffff]" to "YYYY-MM-DDTHH:MM:SSZ" in out (>= 21 bytes).
 */
void valid_db_time_to_iso(const char *db, char *out, size_t outlen);

/* Well-formed UTF-8 only: no overlong forms, surrogates or code points above U+10FFFF. */
bool valid_utf8(const char *s);

/* Non-empty after trimming blanks and at most maxlen bytes of valid UTF-8. */
bool valid_text(const char *s, size_t maxlen);

/* Code points of valid UTF-8 text (every byte that is not a continuation byte starts one). */
size_t valid_utf8_chars(const char *s);

/* Very small e-mail sanity check: one '@', something on each side, a dot after it. */
bool valid_email(const char *s);

#endif
