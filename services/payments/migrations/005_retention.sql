-- Processed-message ids expire after their retention (src/retention.ts): the deletes find them by age.
ALTER TABLE processed_messages ADD KEY processed_messages_age (processed_at);
