-- csledger's PostgreSQL schema, version 5: the dashboard's sign-in sessions of each ledger, shared by every csledgerd
-- serving it, so that a person signed in through one daemon is signed in at all of them (behind a load balancer) and
-- signing out anywhere ends the session everywhere. Only hashes: the SHA-256 of the session id the cookie carries and
-- of the API token the session was opened with. Every page load reads the row and resolves that token again, through
-- the daemon's own tokens (checked as any token is), so revoking the token, or its signer, ends its sessions everywhere.
-- Not trusted beyond that: a row here names a token, never a signer or a role.
CREATE TABLE dashboard_sessions (
    origin        text NOT NULL REFERENCES ledgers (origin),
    session_hash  text NOT NULL CHECK (length(session_hash) = 64),
    token_hash    text NOT NULL CHECK (length(token_hash) = 64),
    expires       text NOT NULL,
    ended         text,
    PRIMARY KEY (origin, session_hash)
);
