/* Count session position locks: no picks or moves out of bins a started session counts. */
#include "count/count_lock.h"

#include "base/arena.h"
#include "db/db.h"

int count_lock_check(struct arena *a, const char *tenant_id, const char *bin_id,
                     const char **message)
{
	struct db_rows rows;

	*message = NULL;
	if (!bin_id)
		return 0;
	if (db_exec(a, &rows,
	            "SELECT s.code FROM count_sessions s"
	            " WHERE s.tenant_id = ? AND s.status = 'started' AND s.lock_positions = 1"
	            " AND ((s.type = 'position' AND EXISTS (SELECT 1 FROM count_targets t"
	            "   WHERE t.session_id = s.id AND t.key_id = LOWER(?)))"
	            "  OR (s.type = 'product' AND EXISTS (SELECT 1 FROM count_snapshot_lines l"
	            "   WHERE l.snapshot_id = s.baseline_snapshot_key AND l.bin_id = LOWER(?))))"
	            " ORDER BY s.code LIMIT 1 LOCK IN SHARE MODE",
	            "sss", tenant_id, bin_id, bin_id) < 0)
		return -1;
	if (rows.nrows == 0)
		return 0;
	*message = arena_sprintf(a, "Bin is locked by count session %s", db_cell(&rows, 0, 0));
	return 1;
}
