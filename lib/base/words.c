/* Lists of space-separated words, the format of scope lists in tokens, users and routes. */
#include "base/words.h"

#include <string.h>

#include "base/arena.h"

size_t words_next(const char **s, const char **w)
{
	const char *p = *s;
	size_t n = 0;

	while (*p == ' ')
		p++;
	*w = p;
	while (p[n] && p[n] != ' ')
		n++;
	*s = p + n;
	return n;
}

/* Whether list holds the n bytes at word as one of its words. */
static bool has_n(const char *list, const char *word, size_t n)
{
	const char *w;
	size_t len;

	if (!list)
		return false;
	while ((len = words_next(&list, &w)) > 0)
		if (len == n && memcmp(w, word, n) == 0)
			return true;
	return false;
}

bool words_has(const char *list, const char *word)
{
	if (!word || !*word)
		return false;
	return has_n(list, word, strlen(word));
}

bool words_any(const char *list, const char *required)
{
	const char *w;
	size_t n;
	bool any_required = false;

	if (!required)
		return true;
	while ((n = words_next(&required, &w)) > 0) {
		any_required = true;
		if (has_n(list, w, n))
			return true;
	}
	return !any_required;
}

char *words_intersect(struct arena *ar, const char *a, const char *b)
{
	size_t cap = a ? strlen(a) + 1 : 1;
	char *out = arena_alloc(ar, cap);
	size_t o = 0;
	const char *w;
	size_t n;

	out[0] = '\0';
	if (!a)
		return out;
	while ((n = words_next(&a, &w)) > 0) {
		if (!has_n(b, w, n) || has_n(out, w, n))
			continue;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, w, n);
		o += n;
		out[o] = '\0';
	}
	return out;
}
