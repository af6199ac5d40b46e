-- 0010 — payments ledger, gateway intents, idempotency keys.
-- (being written)
SELECT 1;
