-- 0009 — quotes, approvals, deferred work, invoices, credit notes.
-- (being written)
SELECT 1;
