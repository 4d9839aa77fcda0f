-- csledger schema 10: a bearer token's scope. `site` (every token issued before) lets its signer call the API of
-- the ledger it was issued for; `group` also lets a compliance officer's token read the reconciliation of every
-- ledger (site) of the PostgreSQL database that ledger is kept in (GET /v1/sites/reconciliation). Issued only for
-- a compliance signer of a ledger in PostgreSQL (csledger token issue --group). Local access control, not part of
-- the signed ledger, kept where the token is (beside the ledger, or beside a daemon's mirror).

ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'site' CHECK (scope IN ('site', 'group'));
