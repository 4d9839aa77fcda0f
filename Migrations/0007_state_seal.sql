-- csledger schema 7: the facility key's seal over the tables kept beside the entries.
--
-- Every table kept for speed (signers, lots, movements, prescriptions, fills, shipments, counts,
-- corrections, the statement index, the columns copied out of entries) is a function of the signed
-- entries. After a writer has checked those tables against the entries (by rebuilding them, or by an
-- earlier seal) and appended, it signs, with the facility key, a digest of all of them together with the
-- checkpoint they belong to. A reader recomputes the digest and checks the signature: tables changed
-- by anyone without the facility key no longer match, and nothing is answered from them.
-- Not part of the interchange format; `csledger repair` rebuilds the tables and seals them again.

CREATE TABLE state_seals (
    tree_size  INTEGER PRIMARY KEY NOT NULL CHECK (tree_size > 0),
    root       BLOB    NOT NULL CHECK (length(root) = 32),
    digest     BLOB    NOT NULL CHECK (length(digest) = 32),
    signature  BLOB    NOT NULL CHECK (length(signature) = 64),
    key_id     TEXT    NOT NULL CHECK (length(key_id) = 64)
);
