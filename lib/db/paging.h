/* Where a list starts and how long it is: the one reader of page, limit and offset values. */
#ifndef STOCKTAKE_PAGING_H
#define STOCKTAKE_PAGING_H

/* A page of a list (the ONDI lists and the admin listings): page from 1, limit rows. */
struct paging {
	long long page;  /* from 1 */
	long long limit; /* 1..PAGING_LIMIT_MAX */
};

#define PAGING_LIMIT_DEFAULT 20
#define PAGING_LIMIT_MAX 100
#define PAGING_PAGE_MAX 1000000000LL

/*
 * What a reader does with a number above its maximum: the API refuses it (a
 * client asking for 500 rows must not take 100 for all there are); the admin
 * pages, whose links a person edits, lower it.
 */
enum paging_over {
	PAGING_REFUSE = 0,
	PAGING_CAP,
};

/*
 * One number of a list's position: NULL or "" gives dflt; otherwise a whole
 * number from min to max (above max lowered to max with PAGING_CAP). 0, or -1
 * when s is not such a number.
 */
int paging_number(const char *s, long long dflt, long long min, long long max,
                  enum paging_over over, long long *out);

/* Why paging_parse refused: the message ("Invalid page", "Invalid limit") and the allowed range. */
struct paging_refusal {
	const char *message;
	const char *detail; /* "limit must be a whole number from 1 to 100" */
};

/*
 * Reads page and limit values (NULL or "" for the defaults); a limit above
 * PAGING_LIMIT_MAX is refused, or lowered to it with PAGING_CAP. 0, or -1
 * with *why.
 */
int paging_parse(const char *page, const char *limit, enum paging_over over, struct paging *out,
                 struct paging_refusal *why);

/* The OFFSET of the page's first row. */
long long paging_offset(const struct paging *pg);

#endif
