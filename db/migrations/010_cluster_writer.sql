-- The Galera writer node all handler processes agree on (lib/db/db_nodes.c, docs/SCALING.md).
-- One row, replicated like any other: a process that finds the recorded writer unusable moves
-- to another node and records it there with a compare-and-set on epoch, so that every host
-- follows the same node and none moves back on its own when an earlier node returns.
CREATE TABLE cluster_writer (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  node INT UNSIGNED NOT NULL COMMENT 'position in db_nodes, from 1',
  node_name VARCHAR(64) NOT NULL DEFAULT '' COMMENT 'wsrep_node_name, for people',
  epoch BIGINT UNSIGNED NOT NULL COMMENT 'raised by every change',
  changed_at DATETIME(6) NOT NULL
) ENGINE=InnoDB;

INSERT INTO cluster_writer (id, node, node_name, epoch, changed_at) VALUES (1, 1, '', 0, UTC_TIMESTAMP(6));
