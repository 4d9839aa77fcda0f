-- csledger's PostgreSQL schema, version 4: the daemon's bearer tokens of each ledger, shared by every process serving
-- it (as the file's api_tokens: the token's SHA-256, never the token). A token issued or revoked through any process
-- is written here first, then to that process's mirror; every other process pulls the rows changed since its last
-- pull (`changed`) into its own mirror. Not trusted beyond the file's row: the signer and its role come from the
-- signed entries of each mirror, a revocation once taken stays, and a row's signer, dates and scope never change.
-- Every write takes the ledger's token lock (an advisory lock), so within one ledger `changed` is the order of commits
-- and a pull that asks for what changed after the last value it saw misses nothing.
CREATE SEQUENCE api_token_changes;
CREATE TABLE api_tokens (
    origin      text NOT NULL REFERENCES ledgers (origin),
    token_id    text NOT NULL CHECK (length(token_id) = 16),
    token_hash  text NOT NULL CHECK (length(token_hash) = 64),
    key_id      text NOT NULL CHECK (length(key_id) = 64),
    created     text NOT NULL,
    expires     text,
    revoked     text,
    scope       text NOT NULL DEFAULT 'site' CHECK (scope IN ('site', 'group')),
    changed     bigint NOT NULL DEFAULT nextval('api_token_changes'),
    PRIMARY KEY (origin, token_id),
    UNIQUE (origin, token_hash)
);
CREATE INDEX api_tokens_changed ON api_tokens (origin, changed);
-- The sequence goes with the table (pg_dump -t api_tokens dumps it too, as a serial column's).
ALTER SEQUENCE api_token_changes OWNED BY api_tokens.changed;
