-- csledger's PostgreSQL schema, version 3: the order personal data rows were stored in. Rows are stored only
-- while the ledger's head row is locked (an append's hand-over, a copy), so within one ledger this order is the
-- order of commits, and a daemon pulling under that lock asks only for the rows stored since its last pull
-- rather than every row the ledger holds (thousands of patients at each group commit).
ALTER TABLE personal_data ADD COLUMN stored bigserial;
CREATE INDEX personal_data_stored ON personal_data (origin, stored);
