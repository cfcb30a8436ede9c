-- Real providers charge once per idempotency reference: a second request with the same reference
-- gets the first charge back. The unique key makes that hold under concurrent requests too.
ALTER TABLE charges DROP INDEX charges_reference;
ALTER TABLE charges ADD UNIQUE KEY charges_reference (reference);
ALTER TABLE charges ADD COLUMN refunded_at TIMESTAMP(3) NULL;
