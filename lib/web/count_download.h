/* Count session downloads streamed to the client: the variances as CSV. */
#ifndef STOCKTAKE_COUNT_DOWNLOAD_H
#define STOCKTAKE_COUNT_DOWNLOAD_H

#include "count/count.h"

struct request;

/*
 * The variances as a CSV download (count_view_variances_csv), named by the
 * session's key. 0 once answered (a client that left is only logged), or -1 on
 * a DB error, with nothing sent yet.
 */
int count_download_variances(struct request *r, const struct count_session *s);

#endif
