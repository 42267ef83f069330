/*
 * The choices of a page's database-backed selects (struct listing_options),
 * kept per worker and checked against a fingerprint of them that the page's
 * own query reads along, so that a page whose choices did not change reads
 * them without a statement of their own.
 *
 * The fingerprint is the count of the choices and an MD5 over those the
 * select shows (the first LISTING_OPTIONS_MAX in key order: value and label,
 * the value length-prefixed), made
 * by MariaDB in the same statement as what it stands for: the page's query
 * carries it as one more column, and the statement that reads the choices
 * carries it beside them, so a kept copy and its fingerprint are of one
 * snapshot. A rename, a new or a removed record changes it; the copy is used
 * only while the page's fingerprint is the copy's.
 */
#ifndef STOCKTAKE_CHOICES_H
#define STOCKTAKE_CHOICES_H

struct arena;
struct db_rows;
struct listing_options;

/*
 * A select item (before FROM; binds the tenant once) giving o's fingerprint
 * under the column label label; NULL when the tenant has no such records.
 */
const char *choices_fingerprint_item(struct arena *a, const struct listing_options *o,
                                     const char *label);

/*
 * o's first LISTING_OPTIONS_MAX choices of tenant in key order into rows
 * (value, label; text in a): the worker's copy when fingerprint is not NULL
 * and equals the copy's ("" stands for a tenant without records), else read
 * from the database and kept. 0 or -1.
 */
int choices_read(struct arena *a, const struct listing_options *o, const char *tenant,
                 const char *fingerprint, struct db_rows *rows);

#endif
