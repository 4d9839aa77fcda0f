-- csledger schema 8: supervised dosing and post-dose monitoring (issue 20).
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
