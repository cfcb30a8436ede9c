CREATE TABLE payments (
  id CHAR(36) PRIMARY KEY,
  order_id CHAR(36) NOT NULL,
  amount_cents INT NOT NULL,
  customer VARCHAR(255) NOT NULL,
  -- QUEUED: accepted for later while the provider was unreachable; the worker finishes it.
  status ENUM('PENDING', 'QUEUED', 'COMPLETED', 'FAILED') NOT NULL,
  provider VARCHAR(32) NULL,
  provider_charge_id VARCHAR(64) NULL,
  failure_reason VARCHAR(255) NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY payments_order (order_id)
);
