-- 0008 — inventory (parts, stock, ledger, purchase orders, transfers, requests, alerts).
-- (being written)
SELECT 1;
