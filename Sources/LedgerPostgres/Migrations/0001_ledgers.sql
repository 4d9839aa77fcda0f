-- csledger's PostgreSQL schema, version 1. Never edit once committed: add 0002_... instead.
-- Only the signed entries and the signed checkpoints are kept here; every table of the SQLite mirror
-- (signers, Merkle nodes, dispensing tables) is rebuilt from them by the mirror's own append path.

CREATE TABLE ledgers (
    origin     text PRIMARY KEY,        -- the ledger's origin line (its checkpoints' first line)
    head_size  bigint NOT NULL DEFAULT 0 CHECK (head_size >= 0),  -- entries appended; the row appends lock
    head_root  bytea,                   -- the root the latest checkpoint signs (NULL before the first)
    created    timestamptz NOT NULL DEFAULT now(),
    updated    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE entries (
    origin     text   NOT NULL REFERENCES ledgers (origin),
    seq        bigint NOT NULL CHECK (seq >= 0),
    bytes      bytea  NOT NULL,         -- the entry's canonical bytes (FORMATS.md), exactly as in SQLite
    leaf_hash  bytea  NOT NULL,         -- RFC 9162 leaf hash of bytes; checked, never trusted
    PRIMARY KEY (origin, seq)
);

CREATE TABLE checkpoints (
    origin     text   NOT NULL REFERENCES ledgers (origin),
    size       bigint NOT NULL CHECK (size >= 0),
    note       text   NOT NULL,         -- the signed C2SP checkpoint note, byte for byte
    created    text   NOT NULL,         -- the entry time it was signed at (as in SQLite)
    PRIMARY KEY (origin, size)
);
