/* Count session downloads streamed to the client: the variances as CSV. */
#include "web/count_download.h"

#include "base/arena.h"
#include "base/buf.h"
#include "base/log.h"
#include "count/count_view.h"
#include "db/db.h"
#include "web/csv_stream.h"
#include "web/req.h"

int count_download_variances(struct request *r, const struct count_session *s)
{
	struct db_rows rows;
	struct buf out;
	int rc;

	if (count_lines(r->arena, r->caller->tenant_id, s, &rows) < 0)
		return -1;
	/* The file is named by the key: a code is client text and must not reach a header. */
	if (csv_stream_begin(r, arena_sprintf(r->arena, "count-session-%s-variances.csv", s->id)) <
	    0)
		return 0;
	buf_init(&out);
	count_view_variances_csv(&out, &rows);
	rc = csv_stream_write(r, &out);
	buf_release(&out);
	if (rc < 0)
		log_warn("count: client left during the variances download");
	return 0;
}
