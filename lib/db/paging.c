/* Where a list starts and how long it is: the one reader of page, limit and offset values. */
#include "db/paging.h"

#include <limits.h>

#include "base/valid.h"

int paging_number(const char *s, long long dflt, long long min, long long max, long long *out)
{
	if (!s || !*s) {
		*out = dflt;
		return 0;
	}
	if (!valid_int64(s, out) || *out < min)
		return -1;
	if (*out > max)
		*out = max;
	return 0;
}

int paging_parse(const char *page, const char *limit, struct paging *out, const char **msg)
{
	/* A page past the last is refused, not lowered: it would show another page than asked. */
	if (paging_number(page, 1, 1, LLONG_MAX, &out->page) < 0 || out->page > PAGING_PAGE_MAX) {
		*msg = "Invalid page";
		return -1;
	}
	if (paging_number(limit, PAGING_LIMIT_DEFAULT, 1, PAGING_LIMIT_MAX, &out->limit) < 0) {
		*msg = "Invalid limit";
		return -1;
	}
	return 0;
}

long long paging_offset(const struct paging *pg)
{
	return (pg->page - 1) * pg->limit;
}
