-- One invoice per payment: a redelivered or republished payment.completed (at-least-once delivery)
-- and the backfill may meet an invoice that exists already. Older duplicates are removed first.
DELETE e FROM emails e
  JOIN invoices i ON i.id = e.invoice_id
  JOIN invoices k ON k.payment_id = i.payment_id
   AND (k.created_at < i.created_at OR (k.created_at = i.created_at AND k.id < i.id));
DELETE i FROM invoices i
  JOIN invoices k ON k.payment_id = i.payment_id
   AND (k.created_at < i.created_at OR (k.created_at = i.created_at AND k.id < i.id));
ALTER TABLE invoices DROP INDEX invoices_payment;
ALTER TABLE invoices ADD UNIQUE KEY invoices_payment (payment_id);
