-- csledger schema 9: witness cosignatures beside the checkpoints they cosign.
--
-- A witness (c2sp.org/tlog-witness) answers a checkpoint it checked with a cosignature/v1 line
-- (c2sp.org/tlog-cosignature). Each line is kept verbatim, by the tree size of the checkpoint it
-- cosigns; `csledger checkpoint`, /v1/checkpoint, proofs and export bundles append the lines to the
-- facility's note. Not a function of the entries (a witness's statement about them): listed in
-- LedgerDatabase.notDerived. Verification checks each line's signature against the witness keys the
-- verifier trusts, never this table's word.

CREATE TABLE cosignatures (
    tree_size  INTEGER NOT NULL CHECK (tree_size > 0),
    witness    TEXT    NOT NULL CHECK (length(witness) > 0),
    key_id     BLOB    NOT NULL CHECK (length(key_id) = 4),
    time       INTEGER NOT NULL CHECK (time >= 0),
    line       TEXT    NOT NULL,
    -- The facility's signed checkpoint the line cosigns, verbatim: each row can be checked on its own,
    -- even if the checkpoints table lost the row (a truncated file still shows what was witnessed).
    checkpoint TEXT    NOT NULL,
    received   TEXT    NOT NULL,
    PRIMARY KEY (tree_size, witness, key_id, time)
) WITHOUT ROWID;
CREATE INDEX cosignatures_by_witness ON cosignatures (witness, key_id, tree_size);

CREATE TRIGGER cosignatures_append_only_update BEFORE UPDATE ON cosignatures
BEGIN SELECT RAISE(ABORT, 'cosignatures are append-only'); END;
