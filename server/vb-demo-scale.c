/* vb-demo-scale.c — `voltbay-ctl demo-data --scale N`: benchmark volume.
 *
 * N customers (marked "Scale data"), a vehicle each (every fifth a second
 * one) with valid VINs and three odometer readings, and a history of work
 * orders per customer across the three demo shops: mostly collected, ~2 %
 * cancelled, and the newest order of some customers still open (about 3 %
 * of all orders), in every open status.  Everything is generated set-based
 * (INSERT … SELECT FROM generate_series) in one transaction; values come
 * from a multiplicative hash of the row number, so runs are identical.
 * Running again with the same N adds nothing; a larger N adds the
 * difference.
 *
 * Per-row audit and change-feed triggers are switched off for the load,
 * inside the transaction (ALTER TABLE … DISABLE TRIGGER holds a SHARE ROW
 * EXCLUSIVE lock until commit, so no other writer can slip past them), and
 * each table gets one summary audit row instead: row count, a SHA-256 of
 * the ids and the generator's parameters.  Millions of per-row audit and
 * change rows would make the load, the audit sealer and every client's
 * sync pay for synthetic history; docs/benchmarks.md explains the choice.
 * Work-order numbers and status history, which those triggers would have
 * written, are written set-based.  Constraints, foreign keys and the other
 * triggers (search text, plate and reading locations) stay on.
 */
#include "vb-demo-scale.h"

#include <stdlib.h>

#define SCALE_NOTE "Scale data"
#define SITES      "{HCM-D1,HN-CG,DN-HC}"

/* h: a 32-bit multiplicative hash of the row number (Knuth). */
#define HASH(i) "((" i ")::bigint * 2654435761 % 4294967296)"

static const char *const switch_triggers[][2] = {
  { "ALTER TABLE customers DISABLE TRIGGER customers_audit, DISABLE TRIGGER customers_change",
    "ALTER TABLE customers ENABLE TRIGGER customers_audit, ENABLE TRIGGER customers_change" },
  { "ALTER TABLE vehicles DISABLE TRIGGER vehicles_audit, DISABLE TRIGGER vehicles_change",
    "ALTER TABLE vehicles ENABLE TRIGGER vehicles_audit, ENABLE TRIGGER vehicles_change" },
  { "ALTER TABLE odometer_readings DISABLE TRIGGER odometer_readings_audit,"
    " DISABLE TRIGGER odometer_readings_change",
    "ALTER TABLE odometer_readings ENABLE TRIGGER odometer_readings_audit,"
    " ENABLE TRIGGER odometer_readings_change" },
  { "ALTER TABLE work_orders DISABLE TRIGGER work_orders_number, DISABLE TRIGGER work_orders_history,"
    " DISABLE TRIGGER work_orders_audit, DISABLE TRIGGER work_orders_change",
    "ALTER TABLE work_orders ENABLE TRIGGER work_orders_number, ENABLE TRIGGER work_orders_history,"
    " ENABLE TRIGGER work_orders_audit, ENABLE TRIGGER work_orders_change" },
  { "ALTER TABLE work_order_status_history DISABLE TRIGGER work_order_status_history_audit,"
    " DISABLE TRIGGER work_order_status_history_change",
    "ALTER TABLE work_order_status_history ENABLE TRIGGER work_order_status_history_audit,"
    " ENABLE TRIGGER work_order_status_history_change" },
};

typedef struct
{
  const VbDemoScale *scale;
  guint64            n;
  gint64             first;   /* first customer number of this run */
} Load;

/* Counts the rows a statement made into *n (when given). */
static gboolean
counted (PGresult *res,
         guint64  *n)
{
  if (res == NULL)
    return FALSE;
  if (n != NULL)
    *n += g_ascii_strtoull (PQcmdTuples (res), NULL, 10);
  PQclear (res);
  return TRUE;
}

static gboolean
run (VbDbConn    *conn,
     const char  *sql,
     guint64     *n,
     GError     **error)
{
  return counted (vb_db_exec (conn, sql, 0, NULL, error), n);
}

/* --------------------------------------------------------- customers --- */

static const char customers_sql[] =
  "CREATE TEMP TABLE scale_customers ON COMMIT DROP AS"
  " SELECT i, gen_random_uuid () AS id, " HASH ("i") " AS h,"
  "        (SELECT array_agg (l.id ORDER BY array_position ($3::text[], l.code))"
  "           FROM locations l WHERE l.code = ANY ($3::text[]))[1 + i % 3] AS loc,"
  "        1 + i % 3 AS site"
  "   FROM generate_series ($1::int, $2::int) i";

static const char customers_insert_sql[] =
  "INSERT INTO customers (id, preferred_location_id, given_name, family_name, phones, emails, address,"
  "                       preferred_language, consent, notes, created_at)"
  " SELECT s.id, s.loc, n.given, n.family,"
  "        ARRAY['+84' || (ARRAY['90','91','93','97','98','70','77','86','35','39'])[1 + (s.h >> 8) % 10]"
  "              || lpad ((s.i % 10000000)::text, 7, '0')],"
  "        ARRAY[n.mail || '.' || s.i || '@' || (ARRAY['gmail.com','yahoo.com.vn','outlook.com','icloud.com'])"
  "              [1 + (s.h >> 12) % 4]],"
  "        (2 + (s.h >> 14) % 300) || ' ' || (ARRAY['Le Loi','Nguyen Hue','Xuan Thuy','Kim Ma','Bach Dang',"
  "              'Le Duan'])[1 + (s.h >> 16) % 6] || ', ' || (ARRAY['Ho Chi Minh City','Hanoi','Da Nang'])[s.site],"
  "        CASE WHEN s.i % 4 = 3 THEN 'en' ELSE 'vi' END,"
  "        jsonb_build_object ('sms', jsonb_build_object ('given', s.i % 3 <> 0, 'at', now (), 'channel', 'desk')),"
  "        $1, now () - make_interval (days => 730 + (s.h % 365)::int)"
  "   FROM scale_customers s"
  "  CROSS JOIN LATERAL (SELECT"
  "    CASE WHEN s.i % 4 = 3"
  "      THEN (ARRAY['James','Emily','Oliver','Sophie','Daniel','Hannah','Lucas','Grace'])[1 + s.h % 8]"
  "      ELSE (ARRAY['Văn An','Thị Bích','Minh Khoa','Thu Hà','Quốc Bảo','Ngọc Lan','Đức Thắng','Thanh Tùng',"
  "                  'Hồng Nhung','Gia Huy','Phương Linh','Tuấn Anh'])[1 + s.h % 12] END AS given,"
  "    CASE WHEN s.i % 4 = 3"
  "      THEN (ARRAY['Smith','Walker','Brown','Taylor','Wilson','Clarke','Evans','Harris'])[1 + (s.h >> 4) % 8]"
  "      ELSE (ARRAY['Nguyễn','Trần','Lê','Phạm','Hoàng','Huỳnh','Phan','Vũ','Võ','Đặng','Bùi','Đỗ'])"
  "           [1 + (s.h >> 4) % 12] END AS family,"
  "    CASE WHEN s.i % 4 = 3"
  "      THEN lower ((ARRAY['James','Emily','Oliver','Sophie','Daniel','Hannah','Lucas','Grace'])[1 + s.h % 8])"
  "      ELSE (ARRAY['an','bich','khoa','ha','bao','lan','thang','tung','nhung','huy','linh','anh'])"
  "           [1 + s.h % 12] END AS mail) n";

/* ---------------------------------------------------------- vehicles --- */

/* Models as in vb-demo-data.c.  VINs carry plant code S (the 90 demo
 * vehicles have A) and the vehicle's serial number, so they are unique up
 * to a million vehicles, and the ISO 3779 check digit computed here. */
static const char vehicles_sql[] =
  "CREATE TEMP TABLE scale_vehicles ON COMMIT DROP AS"
  " WITH v AS ("
  "   SELECT c.i, c.id AS customer_id, c.loc, c.site, k, gen_random_uuid () AS id, " HASH ("c.i * 2 + k") " AS h,"
  "          ($1::bigint - 1) + ($1::bigint - 1) / 5 + row_number () OVER (ORDER BY c.i, k) AS n"
  "     FROM scale_customers c, generate_series (1, CASE WHEN c.i % 5 = 0 THEN 2 ELSE 1 END) k),"
  " m (mi, make, model, wmi, vds, year_from, year_to, gross, usable, hv_class, chemistry, port, obc) AS (VALUES"
  "   (0, 'VinFast', 'VF e34', 'RLL', 'V3EA1', 2021, 2023, 42.00, 41.90, 400, 'NMC', 'CCS2', 7.4),"
  "   (1, 'VinFast', 'VF 8', 'RLL', 'V8EB2', 2022, 2024, 87.70, 82.00, 400, 'NMC', 'CCS2', 11.0),"
  "   (2, 'VinFast', 'VF 9', 'RLL', 'V9EC3', 2023, 2024, 123.00, 116.00, 400, 'NMC', 'CCS2', 11.0),"
  "   (3, 'Tesla', 'Model 3', 'LRW', '3E7EB', 2021, 2024, 60.00, 57.50, 400, 'LFP', 'CCS2', 11.0),"
  "   (4, 'Tesla', 'Model Y', 'LRW', 'YGFEB', 2022, 2024, 62.00, 60.00, 400, 'LFP', 'CCS2', 11.0),"
  "   (5, 'Hyundai', 'Ioniq 5', 'KMH', 'KM4A1', 2022, 2024, 77.40, 74.00, 800, 'NMC', 'CCS2', 10.9),"
  "   (6, 'Hyundai', 'Kona Electric', 'KMH', 'K33A2', 2020, 2023, 67.50, 64.00, 400, 'NMC', 'CCS2', 7.2),"
  "   (7, 'Kia', 'EV6', 'KNA', 'C81A1', 2022, 2024, 77.40, 74.00, 800, 'NMC', 'CCS2', 10.9),"
  "   (8, 'Nissan', 'Leaf', 'SJN', 'FAAZE', 2019, 2022, 40.00, 39.00, 400, 'NMC', 'CHAdeMO', 6.6),"
  "   (9, 'BYD', 'Atto 3', 'LGX', 'CC4A1', 2023, 2024, 60.48, 60.48, 400, 'LFP', 'CCS2', 7.0)),"
  " p AS ("
  "   SELECT v.*, m.*, m.year_from + (v.h >> 4) % (m.year_to - m.year_from + 1) AS year"
  "     FROM v JOIN m ON m.mi = v.h % 10),"
  " q AS ("
  "   SELECT p.*, p.wmi || p.vds || '0' || substr ('KLMNPR', p.year::int - 2018, 1) || 'S'"
  "               || lpad ((p.n % 1000000)::text, 6, '0') AS pre"
  "     FROM p)"
  " SELECT q.*, overlay (q.pre PLACING CASE WHEN cd.s = 10 THEN 'X' ELSE cd.s::text END FROM 9 FOR 1) AS vin,"
  "        500 + q.h % 20000 AS km0, 15 + (q.h >> 6) % 60 AS km_day"
  "   FROM q CROSS JOIN LATERAL ("
  "     SELECT sum (w.w * CASE WHEN ch ~ '[0-9]' THEN ch::int"
  "                       ELSE ('{1,2,3,4,5,6,7,8,0,1,2,3,4,5,0,7,0,9,2,3,4,5,6,7,8,9}'::int[])[ascii (ch) - 64]"
  "                       END) % 11 AS s"
  "       FROM unnest ('{8,7,6,5,4,3,2,10,0,9,8,7,6,5,4,3,2}'::int[]) WITH ORDINALITY w (w, p),"
  "            substr (q.pre, w.p::int, 1) ch) cd";

static const char vehicles_insert_sql[] =
  "INSERT INTO vehicles (id, customer_id, location_id, plate, vin, make, model, year, battery_gross_kwh,"
  "                      battery_usable_kwh, chemistry, hv_class, charge_port, obc_kw, heat_pump,"
  "                      battery_warranty_until, battery_warranty_km, created_at)"
  " SELECT v.id, v.customer_id, v.loc,"
  "        (ARRAY['51K','30K','43A'])[v.site] || '-' || lpad (((v.h >> 8) % 1000)::text, 3, '0') || '.'"
  "          || lpad (((v.h >> 18) % 100)::text, 2, '0'),"
  "        v.vin, v.make, v.model, v.year, v.gross, v.usable, v.chemistry, v.hv_class, v.port, v.obc,"
  "        v.make <> 'Nissan', make_date (v.year::int + 8, 6, 30), 160000,"
  "        now () - make_interval (days => 720)"
  "   FROM scale_vehicles v";

/* Three readings, 700, 380 and 30-odd days ago, on a straight line of
 * km_day per day that the work orders' odometers follow too. */
static const char readings_insert_sql[] =
  "INSERT INTO odometer_readings (vehicle_id, location_id, odometer_km, read_at, source, created_at)"
  " SELECT v.id, v.loc, v.km0 + v.km_day * (730 - r.d), now () - make_interval (days => r.d), 'reception',"
  "        now () - make_interval (days => r.d)"
  "   FROM scale_vehicles v"
  "  CROSS JOIN LATERAL (VALUES (700 - (v.h % 30)::int), (380 - (v.h % 40)::int), (30 + (v.h % 20)::int)) r (d)";

/* ------------------------------------------------------- work orders --- */

/* Per customer $1 orders on its first vehicle, spread over two years; the
 * newest is open for min($2, 100) % of customers (checked in within three
 * days, in a status weighted like a real floor), otherwise collected a few
 * hours after check-in; 1 in 50 of the others was cancelled. */
static const char orders_sql[] =
  "CREATE TEMP TABLE scale_orders ON COMMIT DROP AS"
  " SELECT gen_random_uuid () AS id, v.customer_id, v.id AS vehicle_id, v.loc, v.site, v.i, j, v.h,"
  "        o.open, o.at, v.km0 + v.km_day * (730 - extract (epoch FROM now () - o.at) / 86400) AS km,"
  "        CASE WHEN o.open"
  "             THEN (ARRAY['checked_in','checked_in','quarantined','diagnosing','diagnosing',"
  "                         'awaiting_approval','awaiting_approval','in_progress','in_progress','in_progress',"
  "                         'in_progress','on_hold','on_hold','quality_check','ready','ready'])[1 + (v.h >> 9) % 16]"
  "             WHEN (v.h + j * 7919) % 50 = 0 THEN 'cancelled' ELSE 'collected' END AS status"
  "   FROM scale_vehicles v, generate_series (1, $1::int) j"
  "  CROSS JOIN LATERAL (SELECT j = $1::int AND (v.h >> 10) % 100 < $2::int AS open) f"
  "  CROSS JOIN LATERAL (SELECT f.open,"
  "    CASE WHEN f.open THEN now () - make_interval (mins => 30 + ((v.h >> 3) % 4300)::int)"
  "         ELSE now () - make_interval (days => (700 * ($1::int - j + 1) / ($1::int + 1))::int,"
  "                                      hours => ((v.h >> 5) % 48)::int) END AS at) o"
  "  WHERE v.k = 1";

static const char orders_insert_sql[] =
  "INSERT INTO work_orders (id, location_id, number, customer_id, vehicle_id, status, resume_status,"
  "                         status_reason, priority, promised_at, lead_technician_id, odometer_km,"
  "                         soc_in_percent, soc_promised_percent, soc_out_percent, charge_cable_left,"
  "                         concerns, contact_consent, parking_place, triage_passed, checked_in_by,"
  "                         checked_in_at, collected_at, created_at, updated_at)"
  " SELECT o.id, o.loc,"
  "        coalesce (c.last_number, 0) + row_number () OVER (PARTITION BY o.loc ORDER BY o.at, o.id),"
  "        o.customer_id, o.vehicle_id, o.status,"
  "        CASE WHEN o.status = 'on_hold' THEN 'in_progress' END,"
  "        CASE o.status WHEN 'on_hold' THEN 'Waiting for parts'"
  "                      WHEN 'cancelled' THEN 'Customer declined the quote'"
  "                      WHEN 'quarantined' THEN 'EV triage failed' ELSE '' END,"
  "        (ARRAY['normal','normal','normal','normal','normal','high','low','urgent'])[1 + (o.h >> 11) % 8],"
  "        o.at + interval '8 hours', t.tech, o.km::int, 20 + (o.h + o.j) % 60, 80, "
  "        CASE WHEN o.status IN ('ready', 'collected') THEN 80 END, (o.h + o.j) % 3 = 0,"
  "        CASE WHEN o.i % 4 = 3"
  "             THEN (ARRAY['Routine service','Tire rotation and cabin filter','Charging stops at 80%',"
  "                         'Noise from the front axle','Range dropped','Brake fluid test'])[1 + (o.h + o.j) % 6]"
  "             ELSE (ARRAY['Bảo dưỡng định kỳ','Đảo lốp và thay lọc gió','Sạc dừng ở 80%',"
  "                         'Tiếng kêu ở cầu trước','Quãng đường giảm','Kiểm tra dầu phanh'])[1 + (o.h + o.j) % 6]"
  "        END,"
  "        o.i % 3 <> 0,"
  "        CASE WHEN o.status = 'quarantined' THEN 'Quarantine area Q1' ELSE '' END,"
  "        CASE WHEN o.status = 'checked_in' THEN NULL ELSE o.status <> 'quarantined' END,"
  "        t.reception, o.at,"
  "        CASE WHEN o.status = 'collected' THEN o.at + make_interval (hours => 4 + ((o.h >> 7) % 30)::int) END,"
  "        o.at, o.at"
  "   FROM scale_orders o"
  "   LEFT JOIN work_order_counters c ON c.location_id = o.loc"
  "   JOIN (SELECT s.site,"
  "                (SELECT u.id FROM users u WHERE lower (u.email) = 'technician' || s.sfx || '@voltbay.local') AS tech,"
  "                (SELECT u.id FROM users u WHERE lower (u.email) = 'reception' || s.sfx || '@voltbay.local')"
  "                  AS reception"
  "           FROM unnest (ARRAY['', '.hn', '.dn']) WITH ORDINALITY s (sfx, site)) t ON t.site = o.site";

static const char counters_sql[] =
  "INSERT INTO work_order_counters AS c (location_id, last_number)"
  " SELECT location_id, max (number) FROM work_orders GROUP BY location_id"
  " ON CONFLICT (location_id) DO UPDATE SET last_number = greatest (c.last_number, excluded.last_number)";

/* What the history trigger would have written: check-in, and the move to
 * the status the order is in. */
static const char history_insert_sql[] =
  "INSERT INTO work_order_status_history (work_order_id, location_id, from_status, to_status, reason,"
  "                                       changed_by, changed_at)"
  " SELECT w.id, w.location_id, NULL, 'checked_in', '', w.checked_in_by, w.checked_in_at"
  "   FROM scale_orders o JOIN work_orders w ON w.id = o.id"
  " UNION ALL"
  " SELECT w.id, w.location_id, CASE w.status WHEN 'ready' THEN 'quality_check' WHEN 'collected' THEN 'ready'"
  "                                           WHEN 'on_hold' THEN 'in_progress' WHEN 'in_progress' THEN 'diagnosing'"
  "                                           ELSE 'checked_in' END,"
  "        w.status, w.status_reason, w.lead_technician_id,"
  "        coalesce (w.collected_at, w.checked_in_at + interval '20 minutes')"
  "   FROM scale_orders o JOIN work_orders w ON w.id = o.id WHERE w.status <> 'checked_in'";

/* One audit row per table and run, chained like any other: how many rows,
 * a digest of their ids, and how they were made. */
static const char audit_summary_sql[] =
  "INSERT INTO audit_log (at, actor_id, actor_label, action, entity, entity_id, before, after, request_id)"
  " SELECT date_trunc ('microseconds', clock_timestamp ()), NULL,"
  "        coalesce (current_setting ('voltbay.actor_label', true), ''), 'bulk_insert', t.entity, NULL, NULL,"
  "        jsonb_build_object ('rows', t.n, 'sha256', t.digest, 'sha256_of', t.of,"
  "                            'generator', 'voltbay-ctl demo-data --scale',"
  "                            'customers_from', $1::int, 'customers_to', $2::int,"
  "                            'work_orders_per_customer', $3::int,"
  "                            'per_row_audit_skipped', true),"
  "        coalesce (current_setting ('voltbay.request_id', true), '')"
  "   FROM (SELECT 'customers' AS entity, count(*) AS n, 'ids' AS of,"
  "                encode (sha256 (convert_to (string_agg (id::text, ',' ORDER BY id), 'UTF8')), 'hex') AS digest"
  "           FROM scale_customers"
  "         UNION ALL"
  "         SELECT 'vehicles', count(*), 'ids',"
  "                encode (sha256 (convert_to (string_agg (id::text, ',' ORDER BY id), 'UTF8')), 'hex')"
  "           FROM scale_vehicles"
  "         UNION ALL"
  "         SELECT 'odometer_readings', count(*) * 3, 'vehicle ids (three readings each)',"
  "                encode (sha256 (convert_to (string_agg (id::text, ',' ORDER BY id), 'UTF8')), 'hex')"
  "           FROM scale_vehicles"
  "         UNION ALL"
  "         SELECT 'work_orders', count(*), 'ids',"
  "                encode (sha256 (convert_to (string_agg (id::text, ',' ORDER BY id), 'UTF8')), 'hex')"
  "           FROM scale_orders"
  "         UNION ALL"
  "         SELECT 'work_order_status_history', count(*) FILTER (WHERE status <> 'checked_in') + count(*),"
  "                'work order ids (check-in and current status each)',"
  "                encode (sha256 (convert_to (string_agg (id::text, ',' ORDER BY id), 'UTF8')), 'hex')"
  "           FROM scale_orders) t";

static gboolean
switch_all (VbDbConn  *conn,
            guint      which,
            GError   **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (switch_triggers); i++)
    if (!run (conn, switch_triggers[i][which], NULL, error))
      return FALSE;
  return TRUE;
}

static gboolean
load_rows (VbDbConn  *conn,
           Load      *load,
           GError   **error)
{
  g_autofree char *from = g_strdup_printf ("%" G_GINT64_FORMAT, load->first);
  g_autofree char *to = g_strdup_printf ("%u", load->scale->customers);
  g_autofree char *per = g_strdup_printf ("%u", load->scale->work_orders_per_customer);
  /* ~3 % of all orders open: that share of the customers' newest. */
  g_autofree char *open = g_strdup_printf ("%u", MIN (3 * load->scale->work_orders_per_customer, 100u));

  return counted (vb_db_execv (conn, error, customers_sql, from, to, SITES), NULL)
    && counted (vb_db_execv (conn, error, customers_insert_sql, SCALE_NOTE), &load->n)
    && counted (vb_db_execv (conn, error, vehicles_sql, from), NULL)
    && run (conn, vehicles_insert_sql, &load->n, error)
    && run (conn, readings_insert_sql, &load->n, error)
    && counted (vb_db_execv (conn, error, orders_sql, per, open), NULL)
    && run (conn, orders_insert_sql, &load->n, error)
    && run (conn, counters_sql, NULL, error)
    && run (conn, history_insert_sql, &load->n, error)
    && counted (vb_db_execv (conn, error, audit_summary_sql, from, to, per), NULL);
}

static gboolean
insert_scale (VbDbConn  *conn,
              gpointer   data,
              GError   **error)
{
  Load *load = data;
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error, "SELECT count(*) FROM customers WHERE notes = $1", SCALE_NOTE);

  load->n = 0;   /* a retried transaction starts over */
  if (res == NULL)
    return FALSE;
  load->first = vb_db_get_int (res, 0, 0) + 1;
  if (load->first > (gint64) load->scale->customers)
    return TRUE;
  return switch_all (conn, 0, error) && load_rows (conn, load, error) && switch_all (conn, 1, error);
}

gboolean
vb_demo_scale_fill (VbDbConn          *conn,
                    const VbDbAudit   *audit,
                    const VbDemoScale *scale,
                    guint64           *n_created,
                    GError           **error)
{
  Load load = { scale, 0, 0 };

  g_return_val_if_fail (scale->customers > 0 && scale->customers <= VB_DEMO_SCALE_MAX_CUSTOMERS, FALSE);
  if (!vb_db_transaction (conn, audit, insert_scale, &load, error))
    return FALSE;
  *n_created += load.n;
  /* Fresh statistics, or the first queries plan for empty tables. */
  return load.n == 0
    || run (conn, "ANALYZE customers, vehicles, odometer_readings, work_orders, work_order_status_history",
            NULL, error);
}
