-- 0011 — outbound message queue, conversations, work-order chat, status updates.
-- (being written)
SELECT 1;
