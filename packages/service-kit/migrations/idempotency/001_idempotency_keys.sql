-- Idempotency-Key records for the `idempotent()` middleware (src/idempotency/), one row per client key.
-- It replaces the table the services' own early migrations created: keys live at most 24 hours, so
-- an upgrade loses nothing but the keys of requests running at that moment.
DROP TABLE IF EXISTS idempotency_keys;
CREATE TABLE idempotency_keys (
  -- '<scope>:<key>', compared byte for byte: 'abc' and 'ABC' are two keys.
  idem_key VARBINARY(255) PRIMARY KEY,
  request_hash CHAR(64) NOT NULL,
  state ENUM('IN_FLIGHT', 'DONE') NOT NULL,
  -- How far the request got ('started', then the handler's own points), and the ids it made on the
  -- way (order id, payment id), written in the transaction of each side effect: a retry resumes here.
  recovery_point VARCHAR(32) NOT NULL,
  progress TEXT NOT NULL,
  -- The lease of the request working on the key. A retry while it holds gets 409; once it has passed
  -- (the holder died) or was released (the holder failed), a retry takes the key over and resumes.
  lease_token CHAR(36) NULL,
  locked_until TIMESTAMP(3) NULL,
  -- The answer, once DONE: what every retry gets again.
  answer_status SMALLINT NULL,
  answer TEXT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  expires_at TIMESTAMP(3) NOT NULL,
  KEY idempotency_keys_expiry (expires_at),
  KEY idempotency_keys_state (state, locked_until)
);
