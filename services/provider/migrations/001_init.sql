-- The provider's ledger: the customer's card statement. It is the truth the shop must agree with.
CREATE TABLE charges (
  id CHAR(36) PRIMARY KEY,
  reference VARCHAR(64) NOT NULL,
  order_id CHAR(36) NOT NULL,
  amount_cents INT NOT NULL,
  customer VARCHAR(255) NOT NULL,
  status ENUM('CHARGED', 'REFUNDED') NOT NULL DEFAULT 'CHARGED',
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY charges_reference (reference),
  KEY charges_order (order_id)
);
