-- 0003 — customers and vehicles (work in progress).
SELECT 1;
