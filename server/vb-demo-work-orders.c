/* vb-demo-work-orders.c — work orders for `voltbay-ctl demo-data`.
 *
 * Each shop gets thirteen work orders, at least one in every status.  None
 * is written in its final state: each is checked in, triaged, moved through
 * the status machine, its tasks worked (checklist results, HV records, time
 * entries) and quality-checked, in the order the triggers of 0006 demand,
 * so the demo exercises the same rules as the API.  The acting person is
 * set per step (voltbay.actor_id), so status history and audit name the
 * receptionist, technician or manager who would have done it; the audit
 * label says it was voltbay-ctl.
 *
 * Times are backdated as "minutes ago": a story's cursor counts down to
 * now.  Stories of the same shop lie on different days, or on disjoint
 * hours of today, so no technician ever has two clocks at once.
 *
 * Once diagnosed, an order gets its quote (vb-demo-billing.c): labor for
 * the time the story will clock on each task, so the invoice fits what was
 * approved; the customer's decision moves the order to in_progress, as
 * the rules of 0009 do.
 *
 * Idempotent: nothing is added when a work order of a demo customer exists.
 */
#include "vb-demo-work-orders.h"
#include "vb-demo-billing.h"

#include <stdlib.h>

#define DEMO_NOTE "Demo data"
#define DAY       1440   /* minutes */

/* One placeholder image: the checklist's photo and signature steps need an
 * attachment row (the file itself is not part of the demo). */
#define DEMO_PNG_SHA256 "5f3a1e1e0b4d7c0c9a8d7f6e5d4c3b2a19081726354453627180f9e8d7c6b5a4"

typedef struct
{
  const char *code;
  gboolean    senior;   /* given to the level-3 technician even if not HV */
} DemoTask;

typedef struct
{
  const char *status;
  int         checkin_ago;     /* minutes before now */
  DemoTask    tasks[3];
  gboolean    approval;        /* goes through awaiting_approval */
  gboolean    qc_fails_first;
  const char *priority;
  int         soc_in, soc_promised;
  gboolean    cable_left;
  const char *items_left;
  const char *concern_en, *concern_vi;
  const char *reason;          /* on_hold, cancelled */
  const char *note;            /* an internal note */
  gboolean    declines_extra;  /* the quote recommends more, which the customer declines */
} OrderSpec;

static const OrderSpec demo_orders[] = {
  { "checked_in", 25, { { "CHARGE-PORT-INSPECTION" } }, FALSE, FALSE, "normal", 62, 90, TRUE,
    "Charge cable (Type 2) in the trunk",
    "The car stops charging at 80% on AC chargers",
    "Xe ngừng sạc ở 80% khi sạc AC",
    NULL, "Customer waits in the lounge; offered a coffee." },
  { "quarantined", 100, { { "HV-BATTERY-HEALTH" } }, FALSE, FALSE, "urgent", 45, 45, FALSE, "",
    "Burning smell after hitting a kerb; battery warning on the dash",
    "Có mùi khét sau khi va vào lề đường; đèn cảnh báo pin sáng",
    NULL, "Fire department number on the quarantine board; do not charge this car." },
  { "diagnosing", 150, { { "HV-BATTERY-HEALTH" }, { "12V-BATTERY-TEST" } }, FALSE, FALSE, "normal", 38, 80, FALSE,
    "Child seat in the back",
    "Range dropped by about 20% since the summer",
    "Quãng đường đi được giảm khoảng 20% từ mùa hè",
    NULL, "BMS shows two cells 40 mV below the rest; capacity test planned." },
  { "awaiting_approval", DAY + 540, { { "BATTERY-COOLANT" }, { "CABIN-FILTER" } }, TRUE, FALSE, "normal", 55, 80, FALSE,
    "",
    "Coolant warning light; the fan runs loudly while charging",
    "Đèn cảnh báo nước làm mát sáng; quạt kêu to khi sạc",
    NULL, "Quote sent by SMS: coolant service and cabin filter." },
  { "in_progress", 420, { { "SOFTWARE-UPDATE", TRUE }, { "TIRE-ROTATION" } }, FALSE, FALSE, "normal", 71, 80, TRUE,
    "Charge cable, sunglasses in the glovebox",
    "Routine 10,000 km service and the latest software",
    "Bảo dưỡng định kỳ 10.000 km và cập nhật phần mềm mới nhất",
    NULL, "Software updated; tires next." },
  { "on_hold", 4 * DAY + 500, { { "CALIPER-CLEAN-LUBE" }, { "AC-DESICCANT" } }, FALSE, FALSE, "low", 50, 80, FALSE, "",
    "The A/C smells musty and cools poorly",
    "Điều hòa có mùi ẩm mốc và làm lạnh kém",
    "Waiting for parts: A/C desiccant bag ordered from the distributor, due in 3 days",
    "Desiccant bag on back order; customer informed by phone." },
  { "quality_check", 2 * DAY + 540, { { "TIRE-ROTATION" }, { "BRAKE-FLUID-TEST" } }, FALSE, FALSE, "high", 66, 90, FALSE,
    "",
    "Vibration at 80 km/h; the brake pedal feels soft",
    "Xe rung ở tốc độ 80 km/h; bàn đạp phanh hơi mềm",
    NULL, "Front left tire had a flat spot; rotated and balanced." },
  { "ready", 3 * DAY + 540, { { "BATTERY-COOLANT" }, { "12V-BATTERY-TEST" } }, TRUE, FALSE, "normal", 40, 90, TRUE,
    "Charge cable in the frunk",
    "Scheduled battery coolant service",
    "Thay nước làm mát pin theo lịch",
    NULL, "Customer called: picks up after work, around 18:00." },
  { "collected", 12 * DAY + 540, { { "CABIN-FILTER" }, { "SOFTWARE-UPDATE" } }, FALSE, FALSE, "normal", 58, 80, FALSE, "",
    "Cabin filter and software update",
    "Thay lọc gió điều hòa và cập nhật phần mềm",
    NULL, "Paid by bank transfer at pickup (QR on the invoice)." },
  { "collected", 19 * DAY + 540, { { "BRAKE-FLUID-TEST" }, { "12V-BATTERY-TEST" }, { "SOFTWARE-UPDATE", TRUE } },
    FALSE, TRUE, "normal", 47, 80, FALSE, "Umbrella",
    "The car sometimes does not wake up in the morning",
    "Xe đôi khi không khởi động được vào buổi sáng",
    NULL, "12 V battery weak but within limits; advised replacement at the next visit.", TRUE },
  { "collected", 26 * DAY + 540, { { "HV-DEENERGIZE", TRUE }, { "TIRE-ROTATION" } }, TRUE, FALSE, "high", 35, 80, FALSE,
    "",
    "Orange HV cable rubbing on the subframe after an underbody hit",
    "Cáp cao áp màu cam cọ vào khung phụ sau khi va gầm",
    NULL, "HV cable re-routed and clipped after de-energizing; insulation test fine." },
  { "collected", 35 * DAY + 540, { { "TIRE-ROTATION" }, { "CABIN-FILTER" } }, FALSE, FALSE, "normal", 63, 80, FALSE, "",
    "Tire rotation and cabin filter",
    "Đảo lốp và thay lọc gió điều hòa",
    NULL, "Regular customer; prefers a call, not SMS." },
  { "cancelled", 6 * DAY + 540, { { "HV-BATTERY-HEALTH" } }, TRUE, FALSE, "normal", 80, 80, FALSE, "",
    "Battery health report for selling the car",
    "Báo cáo tình trạng pin để bán xe",
    "Customer declined the quote: sold the car as is",
    "Customer asked for a price for the report only." },
};

static const char qc_items_passed[] =
  "[{\"name\": \"Test drive, no warnings on the dash\", \"passed\": true},"
  " {\"name\": \"Torque wheel nuts\", \"value\": 175, \"unit\": \"N·m\", \"passed\": true},"
  " {\"name\": \"Charged to the promised SoC\", \"passed\": true},"
  " {\"name\": \"Interior and seat covers removed\", \"passed\": true}]";
static const char qc_items_failed[] =
  "[{\"name\": \"Test drive, no warnings on the dash\", \"passed\": true},"
  " {\"name\": \"Torque wheel nuts\", \"passed\": false},"
  " {\"name\": \"Charged to the promised SoC\", \"passed\": true}]";

/* The people of one shop and the story being told. */
typedef struct
{
  VbDbConn  *conn;
  guint     *n;
  guint      site;
  char      *reception, *manager, *tech3, *tech1;   /* user ids */
  char      *photo, *signature;                     /* attachment ids */
  GPtrArray *vehicles;
  char      *order;    /* the current work order */
  int        cursor;   /* minutes ago */
} Shop;

static const char *site_codes[] = { "HCM-D1", "HN-CG", "DN-HC" };
static const char *site_suffixes[] = { "", ".hn", ".dn" };

static gboolean
count (guint    *n,
       PGresult *res)
{
  if (res == NULL)
    return FALSE;
  *n += (guint) atoi (PQcmdTuples (res));
  PQclear (res);
  return TRUE;
}

#define shop_exec(shop, error, sql, ...) \
  count ((shop)->n, vb_db_execv ((shop)->conn, (error), (sql), __VA_ARGS__))

static char *
minutes (int m)
{
  return g_strdup_printf ("%d", MAX (m, 0));
}

/* The person doing the next step: status history, defaults and audit rows
 * take it from voltbay.actor_id. */
static gboolean
act_as (Shop        *shop,
        const char  *user_id,
        GError     **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (shop->conn, error,
                 "SELECT set_config ('voltbay.actor_id', $1, true),"
                 "       set_config ('voltbay.actor_label',"
                 "                   'voltbay-ctl demo-data as ' || (SELECT email FROM users WHERE id = $1::uuid),"
                 "                   true)",
                 user_id);

  return res != NULL;
}

static char *
single (PGresult  *res,
        GError   **error)
{
  char *value;

  if (res == NULL)
    return NULL;
  if (PQntuples (res) != 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "demo data: expected one row, got %d",
                   PQntuples (res));
      PQclear (res);
      return NULL;
    }
  value = g_strdup (vb_db_get (res, 0, 0));
  PQclear (res);
  return value;
}

static char *
user_id (Shop        *shop,
         const char  *prefix,
         GError     **error)
{
  g_autofree char *email = g_strdup_printf ("%s%s@voltbay.local", prefix, site_suffixes[shop->site]);

  return single (vb_db_execv (shop->conn, error, "SELECT id FROM users WHERE lower(email) = lower($1)", email),
                 error);
}

static char *
attachment (Shop        *shop,
            const char  *purpose,
            const char  *file_name,
            GError     **error)
{
  char *id = single (vb_db_execv (shop->conn, error,
                                  "INSERT INTO attachments (location_id, purpose, sha256, content_type,"
                                  "                         size_bytes, file_name, uploaded_by)"
                                  " SELECT l.id, $2, $3, 'image/png', 4096, $4, $5::uuid"
                                  "   FROM locations l WHERE l.code = $1 RETURNING id",
                                  site_codes[shop->site], purpose, DEMO_PNG_SHA256, file_name, shop->tech3),
                     error);
  if (id != NULL)
    (*shop->n)++;
  return id;
}

static gboolean
shop_load (Shop     *shop,
           GError  **error)
{
  g_autoptr(PGresult) res = NULL;

  if ((shop->reception = user_id (shop, "reception", error)) == NULL
      || (shop->manager = user_id (shop, "manager", error)) == NULL
      || (shop->tech3 = user_id (shop, "technician", error)) == NULL
      || (shop->tech1 = user_id (shop, "technician2", error)) == NULL
      || !act_as (shop, shop->tech3, error)
      || (shop->photo = attachment (shop, "photo", "demo-photo.png", error)) == NULL
      || (shop->signature = attachment (shop, "signature", "demo-signature.png", error)) == NULL)
    return FALSE;
  res = vb_db_execv (shop->conn, error,
                     "SELECT v.id FROM vehicles v JOIN customers c ON c.id = v.customer_id"
                     "  JOIN locations l ON l.id = v.location_id"
                     " WHERE l.code = $1 AND c.notes = $2 ORDER BY v.vin",
                     site_codes[shop->site], DEMO_NOTE);
  if (res == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (shop->vehicles, g_strdup (vb_db_get (res, i, 0)));
  if (shop->vehicles->len < G_N_ELEMENTS (demo_orders))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "demo data: too few vehicles in %s",
                   site_codes[shop->site]);
      return FALSE;
    }
  return TRUE;
}

static void
shop_clear (Shop *shop)
{
  g_clear_pointer (&shop->reception, g_free);
  g_clear_pointer (&shop->manager, g_free);
  g_clear_pointer (&shop->tech3, g_free);
  g_clear_pointer (&shop->tech1, g_free);
  g_clear_pointer (&shop->photo, g_free);
  g_clear_pointer (&shop->signature, g_free);
  g_clear_pointer (&shop->order, g_free);
  g_clear_pointer (&shop->vehicles, g_ptr_array_unref);
}

/* ----------------------------------------------------------- check-in --- */

/* The reception form.  The odometer is interpolated between the vehicle's
 * readings around the check-in (35 km a day after the last one), the
 * concerns are in the customer's language. */
static gboolean
check_in (Shop            *shop,
          const OrderSpec *spec,
          const char      *vehicle,
          guint            k,
          GError         **error)
{
  g_autofree char *ago = minutes (spec->checkin_ago);
  g_autofree char *parking = g_strdup_printf ("Customer parking P%u", 1 + k);
  g_autofree char *soc_in = g_strdup_printf ("%d", spec->soc_in);
  g_autofree char *soc_promised = g_strdup_printf ("%d", spec->soc_promised);

  if (!act_as (shop, shop->reception, error))
    return FALSE;
  g_clear_pointer (&shop->order, g_free);
  shop->order =
    single (vb_db_execv (shop->conn, error,
                         "INSERT INTO work_orders (location_id, customer_id, vehicle_id, priority, promised_at,"
                         "                         odometer_km, soc_in_percent, soc_promised_percent,"
                         "                         charge_cable_left, concerns, items_left, contact_consent,"
                         "                         parking_place, checked_in_at)"
                         " SELECT v.location_id, v.customer_id, v.id, $2, t.at + interval '8 hours',"
                         "        coalesce (p.odometer_km + CASE"
                         "          WHEN nx.odometer_km IS NULL"
                         "            THEN (extract (epoch FROM t.at - p.read_at) / 86400 * 35)::int"
                         "          ELSE ((nx.odometer_km - p.odometer_km) * extract (epoch FROM t.at - p.read_at)"
                         "                / extract (epoch FROM nx.read_at - p.read_at))::int END,"
                         "          nx.odometer_km - 100),"
                         "        $3::int, $4::int, $5::boolean,"
                         "        CASE c.preferred_language WHEN 'en' THEN $6 ELSE $7 END, $8,"
                         "        coalesce ((c.consent -> 'sms' ->> 'given')::boolean, false),"
                         "        $10, t.at"
                         "   FROM vehicles v JOIN customers c ON c.id = v.customer_id"
                         "  CROSS JOIN LATERAL (SELECT now() - make_interval (mins => $9::int) AS at) t"
                         "   LEFT JOIN LATERAL (SELECT r.odometer_km, r.read_at FROM odometer_readings r"
                         "                       WHERE r.vehicle_id = v.id AND r.read_at <= t.at"
                         "                       ORDER BY r.read_at DESC LIMIT 1) p ON true"
                         "   LEFT JOIN LATERAL (SELECT r.odometer_km, r.read_at FROM odometer_readings r"
                         "                       WHERE r.vehicle_id = v.id AND r.read_at > t.at"
                         "                       ORDER BY r.read_at LIMIT 1) nx ON true"
                         "  WHERE v.id = $1::uuid RETURNING id",
                         vehicle, spec->priority, soc_in, soc_promised, spec->cable_left ? "true" : "false",
                         spec->concern_en, spec->concern_vi, spec->items_left, ago, parking),
            error);
  if (shop->order == NULL)
    return FALSE;
  (*shop->n)++;
  shop->cursor = spec->checkin_ago - 10;
  return TRUE;
}

static gboolean
triage (Shop     *shop,
        gboolean  pass,
        GError  **error)
{
  g_autofree char *ago = minutes (shop->cursor);

  shop->cursor -= 10;
  return act_as (shop, shop->tech3, error)
    && shop_exec (shop, error,
                  "INSERT INTO work_order_triages (work_order_id, smoke_or_smell, burn_marks, underbody_damage,"
                  "                                critical_fault, fault_codes, parking_place, notes,"
                  "                                performed_by, performed_at)"
                  " VALUES ($1::uuid, false, NOT $2::boolean, NOT $2::boolean, false,"
                  "         CASE WHEN $2::boolean THEN '{}' ELSE '{P0AA6,P1A10}' END::text[],"
                  "         CASE WHEN $2::boolean THEN '' ELSE 'Quarantine area Q1, outdoors, 15 m from the building' END,"
                  "         CASE WHEN $2::boolean THEN 'No smell, no marks, underbody shields intact, no HV fault codes'"
                  "              ELSE 'Burn marks on the battery skid plate; isolation fault stored' END,"
                  "         vb_actor (), now () - make_interval (mins => $3::int))",
                  shop->order, pass ? "true" : "false", ago);
}

static gboolean
move (Shop        *shop,
      const char  *who,
      const char  *status,
      const char  *reason,
      GError     **error)
{
  return act_as (shop, who, error)
    && shop_exec (shop, error,
                  "UPDATE work_orders SET status = $2, status_reason = $3 WHERE id = $1::uuid",
                  shop->order, status, reason ? reason : "");
}

/* Into a bay: the HV bay when any task is HV work. */
static gboolean
start_diagnosis (Shop     *shop,
                 GError  **error)
{
  shop->cursor -= 5;
  return act_as (shop, shop->tech3, error)
    && shop_exec (shop, error,
                  "UPDATE work_orders w SET status = 'diagnosing', status_reason = '', lead_technician_id = $2::uuid,"
                  "       bay_id = (SELECT b.id FROM bays b WHERE b.location_id = w.location_id AND b.name = 'Bay 2')"
                  " WHERE w.id = $1::uuid",
                  shop->order, shop->tech3);
}

static gboolean
note (Shop        *shop,
      const char  *body,
      GError     **error)
{
  g_autofree char *ago = minutes (shop->cursor);

  return shop_exec (shop, error,
                    "INSERT INTO work_order_notes (work_order_id, author_id, body, created_at)"
                    " VALUES ($1::uuid, vb_actor (), $2, now () - make_interval (mins => $3::int))",
                    shop->order, body, ago);
}

/* -------------------------------------------------------------- tasks --- */

static char *
add_task (Shop           *shop,
          const DemoTask *task,
          int             position,
          GError        **error)
{
  g_autofree char *pos = g_strdup_printf ("%d", position);
  char *id = single (vb_db_execv (shop->conn, error,
                                  "INSERT INTO work_order_tasks (work_order_id, service_type_id, title, position,"
                                  "                              estimated_tenths, technician_id)"
                                  " SELECT $1::uuid, st.id, st.name, $3::int, st.standard_labor_tenths,"
                                  "        CASE WHEN st.required_hv_level > 0 OR $4::boolean"
                                  "             THEN $5::uuid ELSE $6::uuid END"
                                  "   FROM service_types st WHERE st.code = $2 RETURNING id",
                                  shop->order, task->code, pos, task->senior ? "true" : "false",
                                  shop->tech3, shop->tech1),
                     error);
  if (id != NULL)
    (*shop->n)++;
  return id;
}

/* Steps 1–5 of the HV record (de-energize … insulation test passed), with
 * the capacitor wait really elapsed; 5 kΩ per volt of system voltage. */
static gboolean
hv_de_energize (Shop        *shop,
                const char  *task,
                const char  *tech,
                int          start,
                GError     **error)
{
  g_autofree char *ago = minutes (start);

  return shop_exec (shop, error,
                    "INSERT INTO hv_records (task_id, technician_id) VALUES ($1::uuid, $2::uuid)", task, tech)
    && shop_exec (shop, error,
                  "INSERT INTO hv_record_steps (hv_record_id, step, performed_by, performed_at, ignition_off,"
                  "                             low_voltage_disconnected, service_disconnect_removed, lock_id,"
                  "                             lock_holder, oem_wait_minutes, readings, known_source_before,"
                  "                             known_source_after, resistance_ohms, test_voltage, notes)"
                  " SELECT h.id, s.step, h.technician_id, now () - make_interval (mins => $2::int - s.after),"
                  "        s.step = 'de_energize', s.step = 'de_energize', s.step = 'de_energize',"
                  "        CASE WHEN s.step = 'lockout' THEN 'LOTO-' || upper (left (h.id::text, 4)) END,"
                  "        CASE WHEN s.step = 'lockout' THEN u.display_name END,"
                  "        CASE WHEN s.step = 'capacitor_wait' THEN 10 END,"
                  "        CASE WHEN s.step = 'verify_absence' THEN jsonb_build_array ("
                  "          jsonb_build_object ('point', 'HV+ to HV-', 'volts', 0.4),"
                  "          jsonb_build_object ('point', 'HV+ to chassis', 'volts', 0.2),"
                  "          jsonb_build_object ('point', 'HV- to chassis', 'volts', 0.1)) END,"
                  "        CASE WHEN s.step = 'verify_absence' THEN true END,"
                  "        CASE WHEN s.step = 'verify_absence' THEN true END,"
                  "        CASE WHEN s.step = 'insulation_test' THEN h.system_voltage * 5000 END,"
                  "        CASE WHEN s.step = 'insulation_test' THEN"
                  "          CASE WHEN h.system_voltage > 500 THEN 1000 ELSE 500 END END,"
                  "        ''"
                  "   FROM hv_records h JOIN users u ON u.id = h.technician_id,"
                  "        (VALUES (1, 'de_energize', 0), (2, 'lockout', 2), (3, 'capacitor_wait', 14),"
                  "                (4, 'verify_absence', 16), (5, 'insulation_test', 20)) s (n, step, after)"
                  "  WHERE h.task_id = $1::uuid ORDER BY s.n",
                  task, ago);
}

/* Re-energized (isolation checked again), then signed off by the manager:
 * a second person. */
static gboolean
hv_re_energize (Shop        *shop,
                const char  *task,
                int          at,
                GError     **error)
{
  g_autofree char *ago = minutes (at);

  return shop_exec (shop, error,
                    "INSERT INTO hv_record_steps (hv_record_id, step, performed_by, performed_at,"
                    "                             resistance_ohms, test_voltage, notes)"
                    " SELECT h.id, s.step, CASE s.step WHEN 'sign_off' THEN $3::uuid ELSE h.technician_id END,"
                    "        now () - make_interval (mins => $2::int - s.after),"
                    "        CASE WHEN s.step = 're_energize' THEN h.system_voltage * 4800 END,"
                    "        CASE WHEN s.step = 're_energize' THEN"
                    "          CASE WHEN h.system_voltage > 500 THEN 1000 ELSE 500 END END,"
                    "        CASE s.step WHEN 'sign_off' THEN 'Checked the record and the vehicle; no warnings'"
                    "                    ELSE 'Service disconnect refitted, lock removed, READY mode OK' END"
                    "   FROM hv_records h, (VALUES (1, 're_energize', 0), (2, 'sign_off', 3)) s (n, step, after)"
                    "  WHERE h.task_id = $1::uuid ORDER BY s.n",
                    task, ago, shop->manager);
}

/* Results for the task's first n_steps steps (all when n_steps < 0), one
 * every 3 minutes from start, plausible values per unit. */
static gboolean
checklist (Shop        *shop,
           const char  *task,
           int          start,
           int          n_steps,
           GError     **error)
{
  g_autofree char *ago = minutes (start);
  g_autofree char *limit = g_strdup_printf ("%d", n_steps < 0 ? 1000 : n_steps);

  return shop_exec (shop, error,
                    "INSERT INTO checklist_results (task_id, work_order_id, location_id, step_id, passed, value,"
                    "                               attachment_id, recorded_by, recorded_at)"
                    " SELECT t.id, t.work_order_id, t.location_id, s.id,"
                    "        CASE WHEN s.kind = 'check' THEN true END,"
                    "        CASE WHEN s.kind = 'measurement' THEN CASE s.unit"
                    "          WHEN 'mm' THEN CASE st.code WHEN 'TIRE-ROTATION' THEN 5.8 ELSE 8.5 END"
                    "          WHEN '%' THEN CASE st.code WHEN 'BRAKE-FLUID-TEST' THEN 1.5"
                    "                                     WHEN '12V-BATTERY-TEST' THEN 86 ELSE 94.2 END"
                    "          WHEN 'kWh' THEN 58.3 WHEN 'mV' THEN 14"
                    "          WHEN 'V' THEN CASE st.code WHEN '12V-BATTERY-TEST' THEN 12.64"
                    "                                     WHEN 'HV-ISOLATION-TEST' THEN 500 ELSE 0.4 END"
                    "          WHEN 'min' THEN 12 WHEN 'Ω/V' THEN 5000"
                    "          WHEN 'kW' THEN CASE s.position WHEN 2 THEN 7.2 ELSE 96 END"
                    "          WHEN 'g' THEN 540 ELSE 1 END END,"
                    "        CASE s.kind WHEN 'photo' THEN $3::uuid WHEN 'signature' THEN $4::uuid END,"
                    "        t.technician_id, now () - make_interval (mins => $2::int - 3 * s.position)"
                    "   FROM work_order_tasks t JOIN service_types st ON st.id = t.service_type_id"
                    "   JOIN service_type_steps s ON s.service_type_id = st.id"
                    "  WHERE t.id = $1::uuid AND s.position <= $5::int ORDER BY s.position",
                    task, ago, shop->photo, shop->signature, limit);
}

static gboolean
clock_time (Shop        *shop,
            const char  *task,
            int          from,
            int          to,        /* < 0: still running */
            GError     **error)
{
  g_autofree char *from_text = minutes (from);
  g_autofree char *to_text = to < 0 ? NULL : minutes (to);

  return shop_exec (shop, error,
                    "INSERT INTO time_entries (location_id, technician_id, task_id, kind, started_at, ended_at)"
                    " SELECT t.location_id, t.technician_id, t.id, 'productive',"
                    "        now () - make_interval (mins => $2::int),"
                    "        now () - make_interval (mins => $3::int)"
                    "   FROM work_order_tasks t WHERE t.id = $1::uuid",
                    task, from_text, to_text);
}

static gboolean
set_task_status (Shop        *shop,
                 const char  *task,
                 const char  *status,
                 GError     **error)
{
  return shop_exec (shop, error,
                    "UPDATE work_order_tasks SET status = $2 WHERE id = $1::uuid", task, status);
}

/* How a task is worked: its checklist length, the least time it takes
 * (estimate, at least 15 minutes), HV work or not; the result holds the
 * technician in column 0. */
typedef struct
{
  int      n_steps, minimum;
  gboolean hv;
} TaskPlan;

static PGresult *
task_plan (Shop        *shop,
           const char  *task,
           TaskPlan    *plan,
           GError     **error)
{
  PGresult *res =
    vb_db_execv (shop->conn, error,
                 "SELECT t.technician_id, (SELECT count(*) FROM service_type_steps s"
                 "                          WHERE s.service_type_id = t.service_type_id),"
                 "       greatest (t.estimated_tenths * 6, 15), t.required_hv_level > 0"
                 "  FROM work_order_tasks t WHERE t.id = $1::uuid", task);

  if (res == NULL)
    return NULL;
  plan->n_steps = (int) vb_db_get_int (res, 0, 1);
  plan->minimum = (int) vb_db_get_int (res, 0, 2);
  plan->hv = vb_db_get_bool (res, 0, 3);
  return res;
}

/* Minutes from the start of a task to the end of its checklist work (the
 * HV record's first steps, a result every 3 minutes, 5 to tidy up), at
 * least its minimum; re-energizing adds 2 more. */
static int
task_minutes (const TaskPlan *plan)
{
  return MAX ((plan->hv ? 22 : 0) + 3 * plan->n_steps + 5, plan->minimum);
}

/* The labor a finished task clocks, in 0.1 h (a started tenth counts). */
static int
task_tenths (const TaskPlan *plan)
{
  return (task_minutes (plan) + (plan->hv ? 2 : 0) + 5) / 6;
}

/* Works a task from the cursor on: for HV work (the task's level > 0) an
 * HV record around the checklist, and a time entry for all of it.
 * partial: half the checklist; running: the clock still runs. */
static gboolean
work_task (Shop        *shop,
           const char  *task,
           gboolean     partial,
           gboolean     running,
           GError     **error)
{
  TaskPlan plan;
  g_autoptr(PGresult) res = task_plan (shop, task, &plan, error);
  int start = shop->cursor, at, end;
  gboolean hv;

  if (res == NULL)
    return FALSE;
  hv = plan.hv;
  at = start;
  if (!act_as (shop, vb_db_get (res, 0, 0), error)
      || !set_task_status (shop, task, "in_progress", error))
    return FALSE;
  if (hv)
    {
      if (!hv_de_energize (shop, task, vb_db_get (res, 0, 0), start, error))
        return FALSE;
      at -= 22;
    }
  if (!checklist (shop, task, at, partial ? MAX (plan.n_steps / 2, 1) : -1, error))
    return FALSE;
  end = start - task_minutes (&plan);
  if (hv && !partial)
    {
      if (!hv_re_energize (shop, task, end + 4, error))
        return FALSE;
      end -= 2;
    }
  if (!clock_time (shop, task, start, running ? -1 : end, error)
      || (!partial && !set_task_status (shop, task, "done", error)))
    return FALSE;
  shop->cursor = end - 5;
  return TRUE;
}

/* ---------------------------------------------------------- the story --- */

static gboolean
quality_check (Shop      *shop,
               gboolean   passed,
               GError   **error)
{
  g_autofree char *ago = minutes (shop->cursor);

  shop->cursor -= 15;
  return act_as (shop, shop->manager, error)
    && shop_exec (shop, error,
                  "INSERT INTO quality_checks (work_order_id, items, passed, notes, checked_by, checked_at)"
                  " VALUES ($1::uuid, $2::jsonb, $3::boolean, $4, vb_actor (),"
                  "         now () - make_interval (mins => $5::int))",
                  shop->order, passed ? qc_items_passed : qc_items_failed, passed ? "true" : "false",
                  passed ? "" : "Wheel nut torque not recorded; redo with the torque wrench", ago);
}

/* Finishing: quality check by the manager (who did not work on the car),
 * ready with the promised SoC, and collected a couple of hours later. */
static gboolean
finish (Shop            *shop,
        const OrderSpec *spec,
        GError         **error)
{
  g_autofree char *ago = NULL;

  if (g_str_equal (spec->status, "quality_check"))
    return TRUE;
  if (spec->qc_fails_first
      && (!quality_check (shop, FALSE, error)
          || !move (shop, shop->manager, "in_progress", "Quality check failed", error)
          || !move (shop, shop->tech3, "quality_check", NULL, error)))
    return FALSE;
  if (!quality_check (shop, TRUE, error)
      || !move (shop, shop->manager, "ready", NULL, error)
      || !shop_exec (shop, error,
                     "UPDATE work_orders SET soc_out_percent = soc_promised_percent, bay_id = NULL"
                     " WHERE id = $1::uuid", shop->order))
    return FALSE;
  if (g_str_equal (spec->status, "ready"))
    return TRUE;
  shop->cursor -= 120;
  ago = minutes (shop->cursor);
  /* The trigger stamps collected_at with the load time; the story's time
   * is set afterwards (a change the status check allows). */
  return move (shop, shop->reception, "collected", NULL, error)
    && shop_exec (shop, error,
                  "UPDATE work_orders SET collected_at = now () - make_interval (mins => $2::int)"
                  " WHERE id = $1::uuid", shop->order, ago);
}

static gboolean
work_all (Shop            *shop,
          const OrderSpec *spec,
          char           **tasks,
          guint            n_tasks,
          GError         **error)
{
  gboolean open = g_str_equal (spec->status, "in_progress") || g_str_equal (spec->status, "on_hold");

  for (guint i = 0; i < n_tasks; i++)
    {
      gboolean last = i + 1 == n_tasks;

      if (!work_task (shop, tasks[i], open && last,
                      last && g_str_equal (spec->status, "in_progress"), error))
        return FALSE;
    }
  if (open)
    return g_str_equal (spec->status, "in_progress")
      || move (shop, shop->tech3, "on_hold", spec->reason, error);
  return move (shop, shop->tech3, "quality_check", NULL, error) && finish (shop, spec, error);
}

/* The quote, once diagnosed: sent by the desk and decided by the customer
 * decided_after minutes later (an approval moves the order to
 * in_progress), or left waiting.  Orders that are not invoiced in the demo
 * also quote the parts their tasks need. */
static gboolean
quote (Shop            *shop,
       const OrderSpec *spec,
       char           **tasks,
       guint            n_tasks,
       guint            k,
       int              decided_after,
       GError         **error)
{
  static const char *channels[] = { "phone", "email", "in_person" };
  int tenths[G_N_ELEMENTS (spec->tasks)] = { 0 };
  gboolean cancelled = g_str_equal (spec->status, "cancelled");
  gboolean waiting = g_str_equal (spec->status, "awaiting_approval");
  const char *channel = spec->declines_extra || cancelled ? "phone" : channels[(k + shop->site) % 3];
  g_autofree char *signature = NULL;
  VbDemoQuote q = { 0 };

  for (guint i = 0; i < n_tasks; i++)
    {
      TaskPlan plan;
      g_autoptr(PGresult) res = task_plan (shop, tasks[i], &plan, error);

      if (res == NULL)
        return FALSE;
      tenths[i] = task_tenths (&plan);
    }
  if (!waiting && g_str_equal (channel, "in_person")
      && (signature = attachment (shop, "signature", "quote-signature.png", error)) == NULL)
    return FALSE;
  q.work_order_id = shop->order;
  q.recorded_by = shop->reception;
  q.task_ids = tasks;
  q.task_tenths = tenths;
  q.n_tasks = n_tasks;
  q.with_parts = waiting || cancelled || g_str_equal (spec->status, "in_progress")
                 || g_str_equal (spec->status, "on_hold");
  q.with_extra = spec->declines_extra;
  q.outcome = waiting ? VB_DEMO_QUOTE_SENT : cancelled ? VB_DEMO_QUOTE_DECLINED : VB_DEMO_QUOTE_APPROVED;
  q.channel = channel;
  q.signature_id = signature;
  q.sent_ago = shop->cursor;
  q.decided_ago = shop->cursor - decided_after;
  return act_as (shop, shop->reception, error) && vb_demo_billing_quote (shop->conn, &q, shop->n, error);
}

/* Tasks, diagnosis time on the first, the quote; then work or cancel. */
static gboolean
diagnose_and_work (Shop            *shop,
                   const OrderSpec *spec,
                   guint            k,
                   GError         **error)
{
  char *tasks[G_N_ELEMENTS (spec->tasks)] = { NULL };
  guint n_tasks = 0;
  gboolean ok = start_diagnosis (shop, error);

  for (guint i = 0; ok && i < G_N_ELEMENTS (spec->tasks) && spec->tasks[i].code != NULL; i++, n_tasks++)
    ok = (tasks[i] = add_task (shop, &spec->tasks[i], (int) i + 1, error)) != NULL;
  if (ok)
    {
      g_autofree char *from = minutes (shop->cursor);
      g_autofree char *to = minutes (shop->cursor - 20);

      ok = shop_exec (shop, error,
                      "INSERT INTO time_entries (location_id, technician_id, task_id, kind, started_at,"
                      "                          ended_at, notes)"
                      " SELECT t.location_id, $2::uuid, t.id, 'productive',"
                      "        now () - make_interval (mins => $3::int), now () - make_interval (mins => $4::int),"
                      "        'Diagnosis'"
                      "   FROM work_order_tasks t WHERE t.id = $1::uuid",
                      tasks[0], shop->tech3, from, to);
      shop->cursor -= 25;
    }
  if (ok && !g_str_equal (spec->status, "diagnosing"))
    {
      int wait = spec->approval ? 60 : 5;

      if (spec->approval)
        ok = move (shop, shop->reception, "awaiting_approval", NULL, error);
      ok = ok && quote (shop, spec, tasks, n_tasks, k, wait, error);
      if (!g_str_equal (spec->status, "awaiting_approval"))
        shop->cursor -= wait;
      if (ok && g_str_equal (spec->status, "cancelled"))
        ok = move (shop, shop->reception, "cancelled", spec->reason, error)
          && shop_exec (shop, error,
                        "UPDATE work_order_tasks SET status = 'cancelled' WHERE work_order_id = $1::uuid",
                        shop->order);
      else if (ok && !g_str_equal (spec->status, "awaiting_approval"))
        {
          /* The approval moved the order to in_progress. */
          ok = work_all (shop, spec, tasks, n_tasks, error);
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (tasks); i++)
    g_free (tasks[i]);
  return ok;
}

static gboolean
tell_story (Shop            *shop,
            const OrderSpec *spec,
            const char      *vehicle,
            guint            k,
            GError         **error)
{
  if (!check_in (shop, spec, vehicle, k, error))
    return FALSE;
  if (!g_str_equal (spec->status, "checked_in"))
    {
      gboolean quarantine = g_str_equal (spec->status, "quarantined");

      if (!triage (shop, !quarantine, error)
          || (!quarantine && !diagnose_and_work (shop, spec, k, error)))
        return FALSE;
    }
  return note (shop, spec->note, error);
}

static gboolean
fill_shop (VbDbConn  *conn,
           guint      site,
           guint     *n,
           GError   **error)
{
  Shop shop = { conn, n, site, .vehicles = g_ptr_array_new_with_free_func (g_free) };
  gboolean ok = shop_load (&shop, error);

  for (guint k = 0; ok && k < G_N_ELEMENTS (demo_orders); k++)
    {
      /* 7 is prime to the shop's ~30 vehicles: all different. */
      const char *vehicle = g_ptr_array_index (shop.vehicles, (k * 7 + site) % shop.vehicles->len);

      ok = tell_story (&shop, &demo_orders[k], vehicle, k, error);
    }
  shop_clear (&shop);
  return ok;
}

static gboolean
insert_work_orders (VbDbConn  *conn,
                    gpointer   data,
                    GError   **error)
{
  guint *n = data;
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "SELECT 1 FROM work_orders w JOIN customers c ON c.id = w.customer_id"
                 " WHERE c.notes = $1 LIMIT 1", DEMO_NOTE);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    return TRUE;
  *n = 0;   /* a retried transaction starts over */
  for (guint site = 0; site < G_N_ELEMENTS (site_codes); site++)
    if (!fill_shop (conn, site, n, error))
      return FALSE;
  return TRUE;
}

gboolean
vb_demo_work_orders_fill (VbDbConn        *conn,
                          const VbDbAudit *audit,
                          guint           *n_created,
                          GError         **error)
{
  guint n = 0;

  if (!vb_db_transaction (conn, audit, insert_work_orders, &n, error))
    return FALSE;
  *n_created += n;
  return TRUE;
}
