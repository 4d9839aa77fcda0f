-- csledger schema 5: the two tables every append writes to now keep their
-- rows in the order appends write them, so that a transaction of N entries
-- changes a few pages at the end of each instead of about one page per entry
-- (each changed page is 4 KiB written to the WAL and flushed at commit).
-- Same rows, same meaning, new keys; the old tables are copied and dropped.

-- Replaces statement_hashes (keyed by hash alone: a random place per append).
-- A statement's time is part of what it signs, so the same signed statement
-- always has the same (time, hash); statements arrive roughly in time order.
CREATE TABLE statement_index (
    time  TEXT    NOT NULL,                                 -- the statement's time, as entries.time
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),       -- SHA-256 of the statement's signing input
    seq   INTEGER NOT NULL REFERENCES entries (seq),
    PRIMARY KEY (time, hash)
) WITHOUT ROWID;
INSERT INTO statement_index (time, hash, seq)
    SELECT e.time, s.hash, s.seq FROM statement_hashes s JOIN entries e ON e.seq = s.seq ORDER BY e.time, s.hash;
DROP TABLE statement_hashes;

-- Replaces merkle_nodes (keyed by level, then index: one place per level).
-- A perfect subtree of 2^level leaves is keyed by the tree size at which it
-- is complete, `ends` = (index + 1) * 2^level, then by level: exactly the
-- order in which appends create the nodes.
CREATE TABLE merkle_tree (
    ends  INTEGER NOT NULL CHECK (ends > 0),
    level INTEGER NOT NULL CHECK (level >= 0 AND level < 63 AND ends % (1 << level) = 0),
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (ends, level)
) WITHOUT ROWID;
INSERT INTO merkle_tree (ends, level, hash)
    SELECT (idx + 1) << level, level, hash FROM merkle_nodes ORDER BY (idx + 1) << level, level;
DROP TRIGGER merkle_nodes_append_only_update;
DROP TRIGGER merkle_nodes_append_only_delete;
DROP TABLE merkle_nodes;
CREATE TRIGGER merkle_tree_append_only_update BEFORE UPDATE ON merkle_tree
BEGIN SELECT RAISE(ABORT, 'ledger tree nodes are append-only'); END;
CREATE TRIGGER merkle_tree_append_only_delete BEFORE DELETE ON merkle_tree
BEGIN SELECT RAISE(ABORT, 'ledger tree nodes are append-only'); END;
