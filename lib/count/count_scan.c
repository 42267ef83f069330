/* What a counter scans or types: bin codes and item SKUs or barcodes as ids, their targets and
 * earlier counts. */
#include "count/count_scan.h"

#include <string.h>

#include "base/arena.h"
#include "base/valid.h"

int count_scan_bin(struct arena *a, const char *tenant_id, const struct count_session *s,
                   const char *user_id, const char *text, const char **bin_id)
{
	struct db_rows rows;

	/* Candidates in the caller's targets first: two of them, or none there, is ambiguous. */
	if (db_exec(
	        a, &rows,
	        "SELECT b.id, EXISTS (SELECT 1 FROM count_targets t JOIN count_assignments g"
	        "  ON g.id = t.assignment_id WHERE t.tenant_id = b.tenant_id AND t.session_id = ?"
	        "  AND g.user_id = ? AND t.key_id = b.id) AS mine"
	        " FROM bins b WHERE b.tenant_id = ? AND (b.code = ? OR b.id = ?)"
	        " ORDER BY mine DESC, b.id LIMIT 2",
	        "sssss", s->id, user_id, tenant_id, text,
	        valid_uuid(text) ? valid_id_norm(a, text) : NULL) < 0)
		return -1;
	if (rows.nrows == 0)
		return COUNT_FOUND_NONE;
	if (rows.nrows > 1 && count_cell_ll(&rows, 0, 1) == count_cell_ll(&rows, 1, 1))
		return COUNT_FOUND_MANY;
	*bin_id = db_cell(&rows, 0, 0);
	return COUNT_FOUND_ONE;
}

int count_scan_item(struct arena *a, const char *tenant_id, const char *text, const char **item_id)
{
	struct db_rows rows;

	/* Both are unique per tenant; a SKU that is another item's barcode means the SKU's item. */
	if (db_exec(a, &rows,
	            "SELECT id FROM items WHERE tenant_id = ? AND (sku = ? OR barcode = ?)"
	            " ORDER BY sku = ? DESC LIMIT 1",
	            "ssss", tenant_id, text, text, text) < 0)
		return -1;
	if (rows.nrows == 0)
		return COUNT_FOUND_NONE;
	*item_id = db_cell(&rows, 0, 0);
	return COUNT_FOUND_ONE;
}

int count_scan_entry(struct arena *a, const char *tenant_id, const struct count_session *s,
                     const char *user_id, const struct count_entry *in, struct count_entry *out,
                     struct count_result *res)
{
	int rc;

	*out = *in;
	if (in->bin_id && !valid_uuid(in->bin_id)) {
		rc = count_scan_bin(a, tenant_id, s, user_id, in->bin_id, &out->bin_id);
		if (rc < 0)
			return -1;
		if (rc == COUNT_FOUND_MANY)
			return count_refuse(
			    res, 400,
			    arena_sprintf(a,
			                  "Ambiguous bin code %s: it is used in several "
			                  "warehouses; give the bin id",
			                  in->bin_id),
			    NULL);
	}
	if (in->item_id && !valid_uuid(in->item_id) &&
	    count_scan_item(a, tenant_id, in->item_id, &out->item_id) < 0)
		return -1;
	return 0;
}

int count_scan_earlier(struct arena *a, const char *tenant_id, const char *session_id,
                       const char *user_id, const struct count_entry *e, long long *qt)
{
	struct db_rows rows;

	if (db_exec(a, &rows,
	            "SELECT counted_qt FROM count_records WHERE tenant_id = ? AND session_id = ?"
	            " AND user_id = ? AND bin_id = ? AND item_id = ? AND lot_number = ?",
	            "ssssss", tenant_id, session_id, user_id, e->bin_id, e->item_id,
	            e->lot_number ? e->lot_number : "") < 0)
		return -1;
	if (rows.nrows == 0)
		return 0;
	*qt = count_cell_ll(&rows, 0, 0);
	return 1;
}

int count_scan_targets(struct arena *a, const char *tenant_id, const struct count_session *s,
                       const char *user_id, struct db_rows *out)
{
	bool position = strcmp(s->type, "position") == 0;
	const char *sql = arena_sprintf(
	    a,
	    "SELECT t.target_no, t.key_id, %s,"
	    " EXISTS (SELECT 1 FROM count_records r WHERE r.tenant_id = t.tenant_id"
	    "  AND r.session_id = t.session_id AND r.user_id = g.user_id AND r.%s = t.key_id)"
	    " FROM count_targets t JOIN count_assignments g ON g.id = t.assignment_id"
	    " AND g.tenant_id = t.tenant_id %s"
	    " WHERE t.tenant_id = ? AND t.session_id = ? AND g.user_id = ?"
	    " ORDER BY t.target_no, t.key_no",
	    position ? "b.code, w.code" : "i.sku, i.name", count_key_column(s->type),
	    position ? "JOIN bins b ON b.id = t.key_id AND b.tenant_id = t.tenant_id"
	               " JOIN warehouses w ON w.id = b.warehouse_id AND w.tenant_id = b.tenant_id"
	             : "JOIN items i ON i.id = t.key_id AND i.tenant_id = t.tenant_id");

	return db_exec(a, out, sql, "sss", tenant_id, s->id, user_id);
}

int count_scan_serials(struct arena *a, const char *tenant_id, const struct count_session *s)
{
	struct db_rows rows;

	if (s->blind_serials)
		return 1;
	if (!s->baseline_snapshot_key)
		return 0;
	if (db_exec(a, &rows,
	            "SELECT 1 FROM count_snapshot_lines WHERE tenant_id = ? AND snapshot_id = ?"
	            " AND serial_number IS NOT NULL LIMIT 1",
	            "ss", tenant_id, s->baseline_snapshot_key) < 0)
		return -1;
	return rows.nrows > 0;
}

/* A target is counted when none of its keys lacks a record of the assignment's user. */
#define TARGETS_DONE                                                                               \
	"SELECT COUNT(DISTINCT t.target_no) FROM count_targets t WHERE t.assignment_id = g.id"     \
	" AND t.tenant_id = g.tenant_id AND NOT EXISTS (SELECT 1 FROM count_targets k"             \
	"  WHERE k.assignment_id = t.assignment_id AND k.target_no = t.target_no"                  \
	"  AND NOT EXISTS (SELECT 1 FROM count_records r WHERE r.tenant_id = g.tenant_id"          \
	"   AND r.session_id = g.session_id AND r.user_id = g.user_id"                             \
	"   AND IF(s.type = 'position', r.bin_id, r.item_id) = k.key_id))"

int count_scan_sessions(struct arena *a, const char *tenant_id, const char *user_id,
                        struct db_rows *out)
{
	return db_exec(a, out,
	               "SELECT s.id, s.code, s.description, s.type,"
	               " (SELECT COUNT(DISTINCT t.target_no) FROM count_targets t"
	               "  WHERE t.assignment_id = g.id AND t.tenant_id = g.tenant_id),"
	               " (" TARGETS_DONE ")"
	               " FROM count_assignments g JOIN count_sessions s ON s.id = g.session_id"
	               " AND s.tenant_id = g.tenant_id"
	               " WHERE g.tenant_id = ? AND g.user_id = ? AND s.status = 'started'"
	               " ORDER BY s.started DESC, s.code DESC",
	               "ss", tenant_id, user_id);
}
