/* The SQL texts of a create's assignment and target rows, shared with the bench's floor F5. */
#ifndef STOCKTAKE_COUNT_SQL_H
#define STOCKTAKE_COUNT_SQL_H

/*
 * Multi-row inserts from one JSON parameter each (db/db_batch.h), into the
 * tables of database db ("" the connection's own, else "name."); parameters
 * tenant id, session id, the JSON array: the assignments as [id, user id,
 * position], the targets as [assignment id, target_no, key_no, key id].
 * tests/bench/fcgi_baseline.c runs the same texts on copies of the tables.
 */
#define COUNT_ASSIGNMENT_INSERT(db)                                                                \
	"INSERT INTO " db "count_assignments (id, tenant_id, session_id, user_id, position)"       \
	" SELECT j.id, ?, ?, j.user_id, j.position FROM JSON_TABLE(?, '$[*]' COLUMNS"              \
	" (id CHAR(36) CHARACTER SET ascii PATH '$[0]', user_id CHAR(36) CHARACTER SET ascii"      \
	" PATH '$[1]', position INT PATH '$[2]')) j"
#define COUNT_TARGET_INSERT(db)                                                                    \
	"INSERT INTO " db "count_targets (tenant_id, session_id, assignment_id, target_no,"        \
	" key_no, key_id) SELECT ?, ?, j.assignment_id, j.target_no, j.key_no, j.key_id"           \
	" FROM JSON_TABLE(?, '$[*]' COLUMNS (assignment_id CHAR(36) CHARACTER SET ascii"           \
	" PATH '$[0]', target_no INT PATH '$[1]', key_no INT PATH '$[2]',"                         \
	" key_id CHAR(36) CHARACTER SET ascii PATH '$[3]')) j"

#endif
