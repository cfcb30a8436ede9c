-- What the reconciler did and why: one row per action on an order (and charge, for refunds).
-- The unique key makes a second run, or a concurrent one, record nothing twice.
CREATE TABLE reconciliation_actions (
  id BIGINT AUTO_INCREMENT PRIMARY KEY,
  order_id CHAR(36) NOT NULL,
  action ENUM('complete', 'fail', 'refund', 'refund-duplicate') NOT NULL,
  charge_id VARCHAR(64) NOT NULL DEFAULT '',
  reason VARCHAR(255) NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY reconciliation_actions_once (order_id, action, charge_id)
);
