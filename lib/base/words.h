/* Lists of space-separated words, the format of scope lists in tokens, users and routes. */
#ifndef STOCKTAKE_WORDS_H
#define STOCKTAKE_WORDS_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* The next word of *s: its start in *w, its length returned (0 at the end); *s moves past it. */
size_t words_next(const char **s, const char **w);

/* list (NULL: empty) holds word (NULL or "": never). */
bool words_has(const char *list, const char *word);

/* list holds at least one word of required; an empty or NULL required is no requirement (true). */
bool words_any(const char *list, const char *required);

/* The words of a that b holds too, each once, space-separated, in the arena. */
char *words_intersect(struct arena *ar, const char *a, const char *b);

#endif
