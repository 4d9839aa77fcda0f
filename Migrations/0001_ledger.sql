-- csledger schema 1: the ledger's entries, its Merkle tree, its checkpoints,
-- and the signer table kept for speed. Released: never edit; add 0002_*.sql.

-- Facts about this ledger file: origin, facility key id, creation time.
CREATE TABLE ledger_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every entry's canonical bytes (SPEC §3). The other columns are copies
-- kept for queries; verification recomputes them from `bytes`.
CREATE TABLE entries (
    seq       INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 0),
    bytes     BLOB    NOT NULL CHECK (length(bytes) > 0),
    leaf_hash BLOB    NOT NULL CHECK (length(leaf_hash) = 32),
    type      TEXT    NOT NULL,
    actor     TEXT    NOT NULL CHECK (length(actor) = 64),
    time      TEXT    NOT NULL,
    logged    TEXT    NOT NULL
);
CREATE INDEX entries_by_type ON entries (type, seq);

-- Perfect subtrees of the RFC 9162 tree: level 0 holds leaf hashes, level L
-- index I the hash of leaves I*2^L ..< (I+1)*2^L. Proofs read O(log n) rows.
CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL CHECK (level >= 0 AND level < 64),
    idx   INTEGER NOT NULL CHECK (idx >= 0),
    hash  BLOB    NOT NULL CHECK (length(hash) = 32),
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Every signed checkpoint the facility key issued, as its note text
-- (C2SP signed note), by tree size.
CREATE TABLE checkpoints (
    tree_size INTEGER PRIMARY KEY NOT NULL CHECK (tree_size > 0),
    note      TEXT    NOT NULL,
    created   TEXT    NOT NULL
);

-- Signers as enrolled by the entries (written in the same transaction).
CREATE TABLE signers (
    key_id       TEXT PRIMARY KEY NOT NULL CHECK (length(key_id) = 64),
    public_key   BLOB NOT NULL CHECK (length(public_key) = 32),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'pharmacist', 'clinician', 'compliance', 'regulator', 'witness')),
    enrolled_seq INTEGER NOT NULL REFERENCES entries (seq),
    revoked_seq  INTEGER REFERENCES entries (seq)
) WITHOUT ROWID;

-- Entries, tree nodes and checkpoints are append-only. These triggers stop
-- honest mistakes; verification catches anyone who drops them.
CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER merkle_nodes_append_only_update BEFORE UPDATE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'ledger tree nodes are append-only'); END;
CREATE TRIGGER merkle_nodes_append_only_delete BEFORE DELETE ON merkle_nodes
BEGIN SELECT RAISE(ABORT, 'ledger tree nodes are append-only'); END;
CREATE TRIGGER checkpoints_append_only_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
CREATE TRIGGER checkpoints_append_only_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
