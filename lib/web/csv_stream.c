/* A CSV download streamed to the client in pieces, as it is read from the database. */
#include "web/csv_stream.h"

#include <limits.h>

#include "base/buf.h"
#include "base/log.h"
#include "web/req.h"

static int send_bytes(struct request *r, const char *data, size_t len)
{
	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (!r->io || !r->io->write || r->io->write(r->io->ctx, data, n) < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int csv_stream_begin(struct request *r, const char *filename)
{
	struct buf h;
	int rc;

	if (r->sent)
		return -1;
	/* A stream cannot be taken back: its caller must be known before the first byte. */
	if (r->caller && r->caller->pending) {
		log_error("csv: %s streamed before its caller was settled", filename);
		return -1;
	}
	buf_init(&h);
	r->status = 200;
	buf_appendf(&h, "Status: 200 %s\r\n", req_status_text(200));
	buf_puts(&h, "Content-Type: text/csv; charset=utf-8\r\n");
	/* filename comes from the handler, never from the client. */
	buf_appendf(&h, "Content-Disposition: attachment; filename=\"%s\"\r\n", filename);
	buf_puts(&h, "Cache-Control: no-store\r\n");
	/* nginx passes each piece on as it comes instead of spooling a large download to a
	 * temporary file first (it keeps X-Accel-* headers from the client). */
	buf_puts(&h, "X-Accel-Buffering: no\r\n");
	buf_append(&h, r->headers.data ? r->headers.data : "", r->headers.len);
	buf_puts(&h, "\r\n");
	r->sent = true;
	rc = send_bytes(r, h.data, h.len);
	if (rc < 0)
		log_warn("csv: client gone before the header was sent");
	buf_release(&h);
	return rc;
}

int csv_stream_write(struct request *r, struct buf *b)
{
	int rc = send_bytes(r, b->data ? b->data : "", b->len);

	buf_reset(b);
	return rc;
}
