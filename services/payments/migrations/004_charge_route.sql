-- Which provider a payment's reference may be charged at. The two providers keep separate ledgers,
-- so a reference charged at the primary would be charged again at the backup: every call to the
-- primary under the reference is counted here first (primary_calls), and a failover moves the
-- route to the backup only when no other call, in this process or one that died, ever went to the
-- primary. Once at the backup, every later call goes there.
ALTER TABLE payments
  ADD COLUMN charge_route ENUM('primary', 'backup') NULL,
  ADD COLUMN primary_calls INT NOT NULL DEFAULT 0,
  ADD UNIQUE KEY payments_reference (provider_reference);
