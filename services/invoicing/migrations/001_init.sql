CREATE TABLE invoices (
  id CHAR(36) PRIMARY KEY,
  payment_id CHAR(36) NOT NULL,
  order_id CHAR(36) NOT NULL,
  amount_cents INT NOT NULL,
  customer VARCHAR(255) NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY invoices_payment (payment_id)
);

-- Stands in for the e-mail provider: what would have been sent, to whom, and when.
CREATE TABLE emails (
  id CHAR(36) PRIMARY KEY,
  invoice_id CHAR(36) NOT NULL,
  recipient VARCHAR(255) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  sent_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
);
