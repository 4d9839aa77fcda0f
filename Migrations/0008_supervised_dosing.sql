-- csledger schema 8: supervised dosing, post-dose monitoring and transfers between registrants (issue 20).
--
-- Tables kept for speed beside the entries, written in the same transaction as the entry they come
-- from and rebuilt from the entries like every other derived table:
--   patient_policies    the dispensing policy in force for each patient (the latest patient.policy_set);
--   in_clinic_products  products (by 11-digit NDC) received as in-clinic-only: administered, never dispensed;
--   discharges          the discharge of each clinic dose (dose.discharged, or administer --monitored-until).

CREATE TABLE patient_policies (
    patient_ref  TEXT PRIMARY KEY NOT NULL,
    policy       TEXT NOT NULL CHECK (policy IN ('in_clinic_only', 'take_home_allowed')),
    seq          INTEGER NOT NULL REFERENCES entries (seq)
) WITHOUT ROWID;

CREATE TABLE in_clinic_products (
    ndc11  TEXT PRIMARY KEY NOT NULL,
    seq    INTEGER NOT NULL REFERENCES entries (seq)
) WITHOUT ROWID;

CREATE TABLE discharges (
    dose_seq    INTEGER PRIMARY KEY NOT NULL REFERENCES entries (seq),
    seq         INTEGER NOT NULL REFERENCES entries (seq),
    discharged  TEXT NOT NULL
);

-- A transfer of stock to another registrant (transfer.out) is its own kind of movement. SQLite cannot change
-- a CHECK constraint in place, so movements is copied into a table that allows the kind 'transferred'
-- (same columns, key and indexes; about a second per million rows).
CREATE TABLE movements_v8 (
    seq     INTEGER NOT NULL REFERENCES entries (seq),
    lot_id  TEXT NOT NULL REFERENCES lots (lot_id),
    kind    TEXT NOT NULL CHECK (kind IN ('received', 'dispensed', 'administered', 'wasted', 'destroyed', 'lost', 'returned', 'adjusted', 'transferred')),
    micros  INTEGER NOT NULL,
    time    TEXT NOT NULL,
    PRIMARY KEY (seq, lot_id, kind)
) WITHOUT ROWID;
INSERT INTO movements_v8 (seq, lot_id, kind, micros, time) SELECT seq, lot_id, kind, micros, time FROM movements;
DROP TABLE movements;
ALTER TABLE movements_v8 RENAME TO movements;
CREATE INDEX movements_by_lot ON movements (lot_id, time);
CREATE INDEX movements_by_time ON movements (time);
