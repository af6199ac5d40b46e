-- 0004 — catalog, location setup and staff (work in progress).
SELECT 1;
