-- csledger schema 2: tables kept for speed beside the entries, for the
-- dispensing records (lots, movements, prescriptions, fills, shipments,
-- counts), and the personal data kept OFF the chain (SPEC §6).
-- Every row except personal_data is written in the same transaction as the
-- entry it comes from and can be rebuilt from the entries.
-- Quantities are exact: INTEGER micro-units (1 unit = 1000000).

CREATE TABLE lots (
    lot_id             TEXT PRIMARY KEY NOT NULL,           -- "<ndc11>:<lot>"
    ndc                TEXT NOT NULL,                       -- as written (hyphenated)
    ndc11              TEXT NOT NULL,
    lot                TEXT NOT NULL,
    expiry             TEXT NOT NULL,                       -- YYYY-MM-DD, end of day
    drug_name          TEXT NOT NULL,
    strength           TEXT NOT NULL,
    form               TEXT NOT NULL,
    unit               TEXT NOT NULL,
    received_seq       INTEGER NOT NULL REFERENCES entries (seq),
    received_time      TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'quarantined', 'recalled')),
    on_hand_micros     INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX lots_by_lot ON lots (lot);

-- Every change to a lot's balance, signed: received and returned add,
-- dispensed, administered, wasted, destroyed and lost take away; adjusted is
-- either. A correcting entry reverses the movements of the entry it corrects.
CREATE TABLE movements (
    seq     INTEGER NOT NULL REFERENCES entries (seq),
    lot_id  TEXT NOT NULL REFERENCES lots (lot_id),
    kind    TEXT NOT NULL CHECK (kind IN ('received', 'dispensed', 'administered', 'wasted', 'destroyed', 'lost', 'returned', 'adjusted')),
    micros  INTEGER NOT NULL,
    time    TEXT NOT NULL,
    PRIMARY KEY (seq, lot_id, kind)
) WITHOUT ROWID;
CREATE INDEX movements_by_lot ON movements (lot_id, time);
CREATE INDEX movements_by_time ON movements (time);

CREATE TABLE prescriptions (
    rx_number           TEXT PRIMARY KEY NOT NULL,
    seq                 INTEGER NOT NULL REFERENCES entries (seq),
    issued              TEXT NOT NULL,                      -- YYYY-MM-DD
    patient_ref         TEXT NOT NULL,
    quantity_micros     INTEGER NOT NULL CHECK (quantity_micros > 0),
    unit                TEXT NOT NULL,
    refills_authorized  INTEGER NOT NULL CHECK (refills_authorized BETWEEN 0 AND 5),
    days_supply         INTEGER,
    fills               INTEGER NOT NULL DEFAULT 0,
    dispensed_micros    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE fills (
    rx_number       TEXT NOT NULL REFERENCES prescriptions (rx_number),
    fill_number     INTEGER NOT NULL CHECK (fill_number >= 1),
    seq             INTEGER NOT NULL REFERENCES entries (seq),
    time            TEXT NOT NULL,
    quantity_micros INTEGER NOT NULL,
    days_supply     INTEGER NOT NULL,
    patient_ref     TEXT NOT NULL,
    shipment        TEXT,                                   -- tracking number once shipped
    PRIMARY KEY (rx_number, fill_number)
) WITHOUT ROWID;

CREATE TABLE shipments (
    tracking        TEXT PRIMARY KEY NOT NULL,
    carrier         TEXT NOT NULL,
    sent_seq        INTEGER NOT NULL REFERENCES entries (seq),
    sent_time       TEXT NOT NULL,
    adult_signature INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('in_transit', 'delivered', 'returned', 'lost')),
    closed_seq      INTEGER REFERENCES entries (seq)
) WITHOUT ROWID;

CREATE TABLE counts (
    seq              INTEGER PRIMARY KEY NOT NULL REFERENCES entries (seq),
    lot_id           TEXT NOT NULL REFERENCES lots (lot_id),
    time             TEXT NOT NULL,
    expected_micros  INTEGER NOT NULL,
    counted_micros   INTEGER NOT NULL
);

CREATE TABLE corrections (
    corrected_seq  INTEGER PRIMARY KEY NOT NULL REFERENCES entries (seq),
    seq            INTEGER NOT NULL REFERENCES entries (seq)
);

-- Personal data, OFF the chain: the chain holds only
-- commitment = sha256(salt || JCS(data)). Erasing sets data and salt to NULL.
CREATE TABLE personal_data (
    ref         TEXT PRIMARY KEY NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('patient', 'delivery_signer')),
    commitment  TEXT NOT NULL CHECK (length(commitment) = 64),
    salt        BLOB CHECK (salt IS NULL OR length(salt) = 32),
    data        BLOB,
    created     TEXT NOT NULL,
    erased      TEXT
) WITHOUT ROWID;
