-- Idempotency-Key records (see service-kit's idempotency.ts): one row per client key, holding the
-- request's fingerprint and, once done, the answer a retry gets again. Rows expire after 24 hours.
CREATE TABLE idempotency_keys (
  idem_key VARCHAR(255) PRIMARY KEY,
  request_hash CHAR(64) NOT NULL,
  state ENUM('IN_FLIGHT', 'DONE') NOT NULL,
  answer TEXT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at TIMESTAMP(3) NOT NULL,
  KEY idempotency_keys_expiry (expires_at)
);
