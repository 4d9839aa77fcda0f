-- csledger schema 3: bearer tokens for csledgerd, stored hashed. Local
-- access control, not part of the signed ledger: a token lets a system call
-- the API as a signer, but every write still needs that signer's signature.

CREATE TABLE api_tokens (
    token_id    TEXT PRIMARY KEY NOT NULL CHECK (length(token_id) = 16),  -- first 16 hex of the hash, for revoking
    token_hash  TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),     -- sha256 hex of the token
    key_id      TEXT NOT NULL REFERENCES signers (key_id),
    created     TEXT NOT NULL,
    expires     TEXT,
    revoked     TEXT
) WITHOUT ROWID;
