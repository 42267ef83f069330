/* Per-request memory arena: bump allocation in linked blocks, released all at once. */
#include "base/arena.h"

#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_DEFAULT_BLOCK 8192

struct block {
	struct block *next; /* older block */
	size_t size;        /* usable bytes in data */
	size_t used;
	alignas(max_align_t) unsigned char data[];
};

struct arena {
	struct block *head;  /* block being filled; newer blocks come first */
	struct block *first; /* kept by arena_reset for the next request */
	size_t block_size;
	size_t used; /* bytes handed out since the last reset */
};

static struct block *block_new(size_t size)
{
	struct block *b;

	if (size > SIZE_MAX - sizeof(*b))
		log_fatal("arena: block of %zu bytes is too large", size);
	b = malloc(sizeof(*b) + size);
	if (!b)
		log_fatal("arena: out of memory (%zu bytes)", size);
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *arena_new(size_t block_size)
{
	struct arena *a = malloc(sizeof(*a));

	if (!a)
		log_fatal("arena: out of memory");
	if (block_size < 256)
		block_size = ARENA_DEFAULT_BLOCK;
	a->block_size = block_size;
	a->used = 0;
	a->head = block_new(block_size);
	a->first = a->head;
	return a;
}

void *arena_alloc(struct arena *a, size_t size)
{
	struct block *b = a->head;
	size_t rounded;
	void *p;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		log_fatal("arena: allocation of %zu bytes is too large", size);
	rounded = (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

	if (b->size - b->used < rounded) {
		struct block *nb = block_new(rounded > a->block_size ? rounded : a->block_size);

		if (rounded > a->block_size && b->size - b->used >= a->block_size / 4) {
			/* An oversized block goes behind the head so the head's free
			 * space stays usable for the small allocations that follow. */
			nb->next = b->next;
			b->next = nb;
			b = nb;
		} else {
			nb->next = b;
			a->head = nb;
			b = nb;
		}
	}
	p = b->data + b->used;
	b->used += rounded;
	a->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX)
		log_fatal("arena: string too long");
	p = arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	return arena_strndup(a, s, strlen(s));
}

char *arena_sprintf(struct arena *a, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *p;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		log_fatal("arena: bad format \"%s\"", fmt);
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return p;
}

size_t arena_used(const struct arena *a)
{
	return a->used;
}

void arena_reset(struct arena *a)
{
	struct block *b = a->head;

	while (b) {
		struct block *next = b->next;

		if (b != a->first)
			free(b);
		b = next;
	}
	a->first->next = NULL;
	a->first->used = 0;
	a->head = a->first;
	a->used = 0;
}

void arena_free(struct arena *a)
{
	struct block *b;

	if (!a)
		return;
	b = a->head;
	while (b) {
		struct block *next = b->next;

		free(b);
		b = next;
	}
	free(a);
}
