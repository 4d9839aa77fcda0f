-- csledger's PostgreSQL schema, version 2: the personal data kept off the chain (as in the file's personal_data).
-- Entries name patients and delivery signers by reference; a mirror needs these rows before it can take the
-- entries that name them. Not trusted: each reference's commitment is what the signed entries bind.
CREATE TABLE personal_data (
    origin      text NOT NULL REFERENCES ledgers (origin),
    ref         text NOT NULL,
    kind        text NOT NULL,
    commitment  text NOT NULL,
    salt        bytea,
    data        bytea,
    created     text NOT NULL,
    erased      text,
    PRIMARY KEY (origin, ref)
);
