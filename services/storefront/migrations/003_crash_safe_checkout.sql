-- The Idempotency-Key the customer sent with the purchase ('<user id>:<key>'), kept whatever the
-- flags say: the audit counts orders and charges per purchase, so two orders for one purchase show.
ALTER TABLE orders
  ADD COLUMN purchase_key VARBINARY(255) NULL,
  -- What checkout told the customer first: PAID (201), PENDING (202: a promise to settle it) or
  -- FAILED (402). An order promised PENDING that ends FAILED is one the shop accepted, then lost.
  ADD COLUMN answered ENUM('PAID', 'PENDING', 'FAILED') NULL,
  ADD KEY orders_purchase (purchase_key);

-- With idempotency-keys: the charge storefront owes payments for each order, written in the order's
-- own transaction. Until payments gives an answer it stands behind (201, 202 or 402), the relay asks
-- again with the same Idempotency-Key; at the deadline it fails the order with the reason.
CREATE TABLE payment_requests (
  order_id CHAR(36) PRIMARY KEY,
  amount_cents INT NOT NULL,
  customer VARCHAR(255) NOT NULL,
  state ENUM('OPEN', 'ANSWERED', 'EXPIRED') NOT NULL DEFAULT 'OPEN',
  attempts INT NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP(3) NOT NULL,
  deadline_at TIMESTAMP(3) NOT NULL,
  last_error VARCHAR(255) NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY payment_requests_due (state, next_attempt_at)
);
