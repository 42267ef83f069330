/*
 * The two JSON response shapes of the API documents: the ONDI envelope (inventory transactions and
 * master data: success, message) and the status envelope (count sessions: status, message,
 * detail), and sending JSON as the response.
 */
#include "web/envelope.h"

#include "base/buf.h"
#include "base/jval.h"
#include "base/log.h"
#include "web/req.h"

static struct json_object *checked(struct json_object *v)
{
	if (!v)
		log_fatal("json: out of memory");
	return v;
}

void envelope_reply_text(struct request *r, int status, const char *body)
{
	buf_reset(&r->out);
	buf_puts(&r->out, body);
	r->status = status;
	r->out_type = "application/json";
}

void envelope_reply(struct request *r, int status, struct json_object *obj)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(obj, JVAL_OUT_FLAGS, &len);

	if (!s)
		log_fatal("json: out of memory");
	buf_reset(&r->out);
	buf_append(&r->out, s, len);
	r->status = status;
	r->out_type = "application/json";
	json_object_put(obj);
}

struct json_object *envelope_ondi(const char *message)
{
	struct json_object *o = checked(json_object_new_object());

	jval_add_bool(o, "success", true);
	jval_add_str(o, "message", message);
	return o;
}

struct buf *envelope_ondi_open(struct request *r, const char *message)
{
	buf_reset(&r->out);
	buf_appendf(&r->out, "{\"success\":true,\"message\":\"%s\"", message);
	r->status = 200;
	r->out_type = "application/json";
	return &r->out;
}

void envelope_ondi_error(struct request *r, int status, const char *message)
{
	struct json_object *o = checked(json_object_new_object());

	jval_add_bool(o, "success", false);
	jval_add_str(o, "message", message);
	envelope_reply(r, status, o);
}

void envelope_ondi_error_detail(struct request *r, int status, const char *message,
                                const char *detail)
{
	struct json_object *o = checked(json_object_new_object());

	jval_add_bool(o, "success", false);
	jval_add_str(o, "message", message);
	jval_add_str(o, "detail", detail);
	envelope_reply(r, status, o);
}

struct json_object *envelope_status(int status, const char *message, const char *detail)
{
	struct json_object *o = checked(json_object_new_object());

	jval_add_int(o, "status", status);
	jval_add_str(o, "message", message);
	jval_add_str(o, "detail", detail);
	return o;
}

void envelope_status_error(struct request *r, int status, const char *message, const char *detail)
{
	envelope_reply(r, status, envelope_status(status, message, detail));
}
