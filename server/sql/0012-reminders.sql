-- 0012 — maintenance reminders.
-- (being written)
SELECT 1;
