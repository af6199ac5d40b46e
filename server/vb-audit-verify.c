/* vb-audit-verify.c — check the audit log's hash chain.
 *
 * Each row's hash is SHA-256 over its canonical text (fields joined by the
 * unit separator 0x1F, see vb_audit_canonical() in 0001-foundation.sql),
 * which includes the previous row's hash; sequence numbers have no gaps.
 * So editing a row breaks its hash, deleting one breaks the sequence, and
 * re-hashing a forged row breaks every later link.  Rows are chained by
 * vb_audit_seal() once their transaction has ended; verification seals
 * first, and reports rows still waiting (transactions still open).  Not
 * detected: removing
 * rows from the tail only; anchoring the latest hash outside the database
 * (voltbay-ctl prints it) closes that gap.
 */
#include "vb-audit-verify.h"
#include "vb-error.h"

#define BATCH "1000"

static char *
canonical_hash (PGresult *res,
                int       row)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  for (int col = 0; col <= 10; col++)
    {
      const char *v = vb_db_get (res, row, col);

      if (col > 0)
        g_checksum_update (sum, (const guchar *) "\x1f", 1);
      if (v != NULL)
        g_checksum_update (sum, (const guchar *) v, -1);
    }
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
check_row (PGresult   *res,
           int         row,
           guint64     expected_seq,
           const char *prev_hash,
           GError    **error)
{
  guint64 seq = vb_db_get_int (res, row, 0);
  g_autofree char *hash = NULL;

  if (seq != expected_seq)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_CONFLICT,
                   "Audit row %" G_GUINT64_FORMAT " is missing (found %" G_GUINT64_FORMAT " next)",
                   expected_seq, seq);
      return FALSE;
    }
  if (g_strcmp0 (vb_db_get (res, row, 10), prev_hash) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_CONFLICT,
                   "Audit row %" G_GUINT64_FORMAT " does not link to the row before it", seq);
      return FALSE;
    }
  hash = canonical_hash (res, row);
  if (g_strcmp0 (hash, vb_db_get (res, row, 11)) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_CONFLICT,
                   "Audit row %" G_GUINT64_FORMAT " was altered (its hash does not match)", seq);
      return FALSE;
    }
  return TRUE;
}

static gboolean
seal (VbDbConn  *conn,
      guint64   *n_pending,
      GError   **error)
{
  g_autoptr(PGresult) sealed = vb_db_execv (conn, error, "SELECT vb_audit_seal($1::int)", "1000000");
  g_autoptr(PGresult) pending = NULL;

  if (sealed == NULL)
    return FALSE;
  pending = vb_db_exec (conn, "SELECT count(*) FROM audit_log WHERE seq IS NULL", 0, NULL, error);
  if (pending == NULL)
    return FALSE;
  if (n_pending != NULL)
    *n_pending = vb_db_get_int (pending, 0, 0);
  return TRUE;
}

gboolean
vb_audit_verify (VbDbConn  *conn,
                 guint64   *n_rows,
                 guint64   *n_pending,
                 GError   **error)
{
  g_autofree char *prev_hash = g_strnfill (64, '0');
  guint64 expected = 1;

  if (!seal (conn, n_pending, error))
    return FALSE;

  for (;;)
    {
      g_autofree char *after = g_strdup_printf ("%" G_GUINT64_FORMAT, expected - 1);
      g_autoptr(PGresult) res =
        vb_db_execv (conn, error,
          "SELECT seq::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
          "       coalesce(actor_id::text, ''), actor_label, action, entity, coalesce(entity_id, ''),"
          "       coalesce(before::text, ''), coalesce(after::text, ''), request_id, prev_hash, hash"
          "  FROM audit_log WHERE seq > $1::bigint ORDER BY audit_log.seq LIMIT " BATCH,
          after);

      if (res == NULL)
        return FALSE;
      if (PQntuples (res) == 0)
        break;
      for (int row = 0; row < PQntuples (res); row++, expected++)
        {
          if (!check_row (res, row, expected, prev_hash, error))
            return FALSE;
          g_free (prev_hash);
          prev_hash = g_strdup (vb_db_get (res, row, 11));
        }
    }
  if (n_rows != NULL)
    *n_rows = expected - 1;
  return TRUE;
}
