/* vb-demo-inventory.c — parts and stock for `voltbay-ctl demo-data`.
 *
 * Twelve parts an EV workshop keeps (VND, placeholder prices), a stock row
 * with reorder settings for each at every demo shop, and a receipt through
 * the ledger (so stock equals the ledger, as for the API).  Quantities are
 * fixed per part and shop; the A/C desiccant bag is out of stock (the demo
 * story has it on back order) and the 12 V battery is low in Hanoi, so
 * reorder alerts are open.  Idempotent: a stock row that exists is left
 * alone, and only new rows get their receipt.
 */
#include "vb-demo-inventory.h"

/* Parts by SKU; ON CONFLICT keeps a shop's own edits. */
#define PARTS_SQL \
  "INSERT INTO parts (sku, name, compatible_models, unit_cost_amount, sale_price_amount, currency, supplier)" \
  " VALUES ('VF-CABIN-PM25', 'Cabin air filter PM2.5', '{VF 8,VF 9}', 320000, 550000, 'VND', 'VinFast Parts')," \
  "        ('VF-WIPER-650', 'Wiper blade 650 mm', '{VF 8,VF 9,VF e34}', 140000, 260000, 'VND', 'Bosch Vietnam')," \
  "        ('12V-AGM-60', '12 V AGM battery 60 Ah', '{VF 8,VF 9,Model 3,Ioniq 5}', 2100000, 2900000, 'VND', 'Varta')," \
  "        ('COOL-G48-1L', 'Battery coolant G48, 1 L', '{VF 8,VF 9,VF e34}', 180000, 310000, 'VND', 'BASF')," \
  "        ('BRK-DOT4-1L', 'Brake fluid DOT 4, 1 L', '{}', 120000, 220000, 'VND', 'Bosch Vietnam')," \
  "        ('TPMS-433', 'TPMS sensor 433 MHz', '{VF 8,VF 9}', 650000, 1100000, 'VND', 'Schrader')," \
  "        ('AC-DESICCANT', 'A/C desiccant bag', '{VF 8,VF e34}', 410000, 720000, 'VND', 'VinFast Parts')," \
  "        ('BRK-PAD-F-VF8', 'Front brake pads VF 8', '{VF 8}', 1450000, 2300000, 'VND', 'Brembo')," \
  "        ('CHG-PORT-SEAL', 'Charge port seal (Type 2 / CCS2)', '{VF 8,VF 9,VF e34}', 95000, 180000, 'VND', 'VinFast Parts')," \
  "        ('HV-FUSE-350A', 'HV main fuse 350 A', '{VF 8,VF 9}', 1900000, 2800000, 'VND', 'Mersen')," \
  "        ('GREASE-CALIPER', 'Caliper slide-pin grease, 50 g', '{}', 60000, 110000, 'VND', 'Bosch Vietnam')," \
  "        ('TIRE-VALVE-TPMS', 'TPMS valve service kit', '{}', 45000, 90000, 'VND', 'Schrader')" \
  " ON CONFLICT (sku) DO NOTHING RETURNING id"

#define DEMO_SKUS \
  "'{VF-CABIN-PM25,VF-WIPER-650,12V-AGM-60,COOL-G48-1L,BRK-DOT4-1L,TPMS-433,AC-DESICCANT,BRK-PAD-F-VF8," \
  "CHG-PORT-SEAL,HV-FUSE-350A,GREASE-CALIPER,TIRE-VALVE-TPMS}'::text[]"

/* Stock rows at each demo shop; the new ones only.  The reorder point is
 * set after the opening receipt, so only parts that are really low alert. */
#define LEVELS_SQL \
  "INSERT INTO stock_levels (location_id, part_id, reorder_quantity, bin)" \
  " SELECT l.id, p.id, 6, 'A-' || lpad((array_position(" DEMO_SKUS ", p.sku))::text, 2, '0')" \
  "   FROM locations l, parts p" \
  "  WHERE l.code IN ('HCM-D1', 'HN-CG', 'DN-HC') AND p.sku = ANY (" DEMO_SKUS ")" \
  " ORDER BY l.code, p.sku" \
  " ON CONFLICT (location_id, part_id) DO NOTHING RETURNING id"

/* A receipt for each new row: fixed quantities, a few at or below the point. */
#define RECEIPTS_SQL \
  "INSERT INTO stock_movements (location_id, part_id, kind, quantity, unit_cost_amount, currency, reason)" \
  " SELECT s.location_id, s.part_id, 'receipt', q.n, p.unit_cost_amount, p.currency, 'Demo data: opening stock'" \
  "   FROM stock_levels s JOIN parts p ON p.id = s.part_id JOIN locations l ON l.id = s.location_id" \
  "  CROSS JOIN LATERAL (SELECT CASE" \
  "      WHEN p.sku = 'AC-DESICCANT' THEN 0" \
  "      WHEN p.sku = '12V-AGM-60' AND l.code = 'HN-CG' THEN 1" \
  "      ELSE 3 + (array_position(" DEMO_SKUS ", p.sku) * 7 + length(l.code) * 3) % 10 END AS n) q" \
  "  WHERE s.id = ANY ($1::uuid[]) AND q.n > 0" \
  "  ORDER BY l.code, p.sku" \
  " RETURNING id"

#define REORDER_SQL "UPDATE stock_levels SET reorder_point = 2 WHERE id = ANY ($1::uuid[])"

static gboolean
insert_inventory (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  guint *n = user_data;
  g_autoptr(PGresult) parts = NULL;
  g_autoptr(PGresult) levels = NULL;
  g_autoptr(PGresult) receipts = NULL;
  g_autoptr(PGresult) reorder = NULL;
  g_autoptr(GString) ids = g_string_new ("{");

  *n = 0;   /* a retried transaction starts over */
  if ((parts = vb_db_exec (conn, PARTS_SQL, 0, NULL, error)) == NULL
      || (levels = vb_db_exec (conn, LEVELS_SQL, 0, NULL, error)) == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (levels); i++)
    g_string_append_printf (ids, "%s%s", i > 0 ? "," : "", vb_db_get (levels, i, 0));
  g_string_append_c (ids, '}');
  if ((receipts = vb_db_execv (conn, error, RECEIPTS_SQL, ids->str)) == NULL
      || (reorder = vb_db_execv (conn, error, REORDER_SQL, ids->str)) == NULL)
    return FALSE;
  *n = PQntuples (parts) + PQntuples (levels) + PQntuples (receipts);
  return TRUE;
}

gboolean
vb_demo_inventory_fill (VbDbConn        *conn,
                        const VbDbAudit *audit,
                        guint           *n_created,
                        GError         **error)
{
  guint n = 0;

  if (!vb_db_transaction (conn, audit, insert_inventory, &n, error))
    return FALSE;
  *n_created += n;
  return TRUE;
}
