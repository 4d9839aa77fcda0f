-- csledger schema 11: parcels by status and time sent. The dashboard's overview and shipments pages show every
-- parcel in transit and the latest 500 delivered, returned and lost, and count each status; without this index
-- each of those read every parcel and sorted them (about 116,000 parcels at 1.5 million entries). An index only:
-- the shipments table is derived from the entries as before, and its rows do not change.

CREATE INDEX shipments_by_status ON shipments (status, sent_time, tracking);
