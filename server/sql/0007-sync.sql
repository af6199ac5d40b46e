-- 0007 — exactly-once writes from offline clients (docs/sync.md, "Exactly once").
--
-- A client numbers its mutations (1, 2, 3 …) and sends each as a normal API
-- request with the header `Voltbay-Mutation: CLIENT_ID:N`.  The mutation is
-- recorded in the same transaction as its effect (vb_request_transaction),
-- so after any crash either both happened or neither did; a retry of an
-- applied (or refused) mutation is answered from sync_mutations instead of
-- being applied again.  Bookkeeping only: not audited, not in the feed.

CREATE TABLE sync_clients (
  client_id      uuid PRIMARY KEY,
  user_id        uuid NOT NULL REFERENCES users ON DELETE CASCADE,
  last_mutation  bigint NOT NULL DEFAULT 0 CHECK (last_mutation >= 0),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sync_mutations (
  client_id    uuid NOT NULL REFERENCES sync_clients ON DELETE CASCADE,
  mutation     bigint NOT NULL CHECK (mutation >= 1),
  method       text NOT NULL,
  path         text NOT NULL,
  body_sha256  text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('applied', 'refused')),
  -- NULL while the reply is being written (or if the server died before
  -- storing it: the effect is committed and visible in the change feed).
  status       integer,
  response     text,
  request_id   text NOT NULL DEFAULT '',
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, mutation)
);
