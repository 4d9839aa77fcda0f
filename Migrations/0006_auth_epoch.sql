-- csledger schema 6: a counter that moves whenever a bearer token or a signer
-- changes (issued, revoked, enrolled, rotated), kept by triggers, so csledgerd
-- can tell in one small read whether the tokens it has resolved are still
-- good after a commit, instead of reading each token again after every
-- commit. Local access control, not part of the signed ledger.

CREATE TABLE auth_epoch (
    id  INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    n   INTEGER NOT NULL
);
INSERT INTO auth_epoch (id, n) VALUES (1, 0);

CREATE TRIGGER api_tokens_epoch_insert AFTER INSERT ON api_tokens BEGIN UPDATE auth_epoch SET n = n + 1; END;
CREATE TRIGGER api_tokens_epoch_update AFTER UPDATE ON api_tokens BEGIN UPDATE auth_epoch SET n = n + 1; END;
CREATE TRIGGER api_tokens_epoch_delete AFTER DELETE ON api_tokens BEGIN UPDATE auth_epoch SET n = n + 1; END;
CREATE TRIGGER signers_epoch_insert AFTER INSERT ON signers BEGIN UPDATE auth_epoch SET n = n + 1; END;
CREATE TRIGGER signers_epoch_update AFTER UPDATE ON signers BEGIN UPDATE auth_epoch SET n = n + 1; END;
CREATE TRIGGER signers_epoch_delete AFTER DELETE ON signers BEGIN UPDATE auth_epoch SET n = n + 1; END;
