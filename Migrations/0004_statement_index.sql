-- csledger schema 4: the SHA-256 of every statement's signing input, so the
-- same signed statement (a draft submitted twice, a replayed request) is
-- refused instead of being counted twice. Kept for speed; rebuilt by replay.

CREATE TABLE statement_hashes (
    hash  BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32),
    seq   INTEGER NOT NULL REFERENCES entries (seq)
) WITHOUT ROWID;

-- No ledger was released before this migration, so there is nothing to backfill.
