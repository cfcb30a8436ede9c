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

-- Idempotent consumer: the ids of messages whose effect is committed, written in the same
-- transaction as the effect, so a redelivered message is recognised and only acked.
CREATE TABLE processed_messages (
  message_id VARCHAR(64) PRIMARY KEY,
  queue VARCHAR(255) NOT NULL,
  processed_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
);

-- Transactional outbox: events written in the same transaction as the state they announce; the
-- relay publishes them with publisher confirms and stamps sent_at.
CREATE TABLE outbox (
  id CHAR(36) PRIMARY KEY,
  -- events go to the events exchange, commands (charge.requested) to the commands exchange
  destination ENUM('events', 'commands') NOT NULL,
  type VARCHAR(64) NOT NULL,
  payload TEXT NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  sent_at TIMESTAMP(3) NULL,
  KEY outbox_unsent (sent_at, created_at)
);
