-- The reference the provider charges once (with idempotency-keys, the payment's own id), fixed when
-- the payment is made. A resumed request, the worker and the reconciler all charge or look up the
-- card under it. NULL: the payment was made without keys, and each attempt was a new purchase.
ALTER TABLE payments ADD COLUMN provider_reference VARCHAR(64) NULL;
