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
 * One number of a list's position: NULL or "" gives dflt; otherwise a whole
 * number of at least min, lowered to max when above it. 0, or -1 when s is
 * not such a number.
 */
int paging_number(const char *s, long long dflt, long long min, long long max, long long *out);

/*
 * Reads page and limit values (NULL or "" for the defaults); a limit above
 * PAGING_LIMIT_MAX is capped. 0, or -1 with *msg ("Invalid page", "Invalid limit").
 */
int paging_parse(const char *page, const char *limit, struct paging *out, const char **msg);

/* The OFFSET of the page's first row. */
long long paging_offset(const struct paging *pg);

#endif
