/* Passwords: the length rule, yescrypt hashes (libxcrypt) and their constant-time check. */
#ifndef STOCKTAKE_PASSWORD_H
#define STOCKTAKE_PASSWORD_H

#include <stdbool.h>

struct arena;

/* Lengths in bytes a password may have (the upper one is libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE). */
#define PASSWORD_MIN 8
#define PASSWORD_MAX 512

/* Whether password has an allowed length; the API's detail when not is PASSWORD_RULE. */
bool password_ok(const char *password);
#define PASSWORD_RULE "password must be 8 to 512 characters"

/* yescrypt hash of password ("$y$..."), in the arena; NULL on failure. */
char *password_hash(struct arena *a, const char *password);
/* Checks password against a crypt(3) hash with a constant-time compare. */
bool password_verify(const char *password, const char *hash);
/*
 * Spends the time of one password check against a throw-away hash (always
 * false): used for unknown usernames so logins do not reveal which exist.
 */
bool password_burn(const char *password);

#endif
