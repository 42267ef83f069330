/* Per-request memory arena: many small allocations, one release at request end. */
#ifndef STOCKTAKE_ARENA_H
#define STOCKTAKE_ARENA_H

#include <stddef.h>

struct arena;

/* Creates an arena whose blocks are at least block_size bytes. Out of memory is fatal. */
struct arena *arena_new(size_t block_size);

/* Returns size bytes aligned for any type, zero-filled, owned by the arena. */
void *arena_alloc(struct arena *a, size_t size);

/* Copies s (NULL gives NULL) into the arena, NUL-terminated. */
char *arena_strdup(struct arena *a, const char *s);

/* Copies n bytes of s into the arena and adds a NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* printf into a fresh arena string. */
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out since the last reset (for tests and memory checks). */
size_t arena_used(const struct arena *a);

/* Releases everything but the first block, so the next request reuses it. */
void arena_reset(struct arena *a);

/* Frees the arena and every block. NULL is accepted. */
void arena_free(struct arena *a);

#endif
