/* Where a list starts and how long it is: the one reader of page, limit and offset values. */
#include "db/paging.h"

#include "base/valid.h"

#define PAGING_STR_(x) #x
#define PAGING_STR(x) PAGING_STR_(x)

int paging_number(const char *s, long long dflt, long long min, long long max,
                  enum paging_over over, long long *out)
{
	if (!s || !*s) {
		*out = dflt;
		return 0;
	}
	if (!valid_int64(s, out) || *out < min)
		return -1;
	if (*out > max) {
		if (over != PAGING_CAP)
			return -1;
		*out = max;
	}
	return 0;
}

int paging_parse(const char *page, const char *limit, enum paging_over over, struct paging *out,
                 struct paging_refusal *why)
{
	/* A page past the last is refused, not lowered: it would show another page than asked. */
	if (paging_number(page, 1, 1, PAGING_PAGE_MAX, PAGING_REFUSE, &out->page) < 0) {
		why->message = "Invalid page";
		why->detail = "page must be a whole number from 1 to 1000000000";
		return -1;
	}
	if (paging_number(limit, PAGING_LIMIT_DEFAULT, 1, PAGING_LIMIT_MAX, over, &out->limit) <
	    0) {
		why->message = "Invalid limit";
		why->detail =
		    "limit must be a whole number from 1 to " PAGING_STR(PAGING_LIMIT_MAX);
		return -1;
	}
	return 0;
}

long long paging_offset(const struct paging *pg)
{
	return (pg->page - 1) * pg->limit;
}
