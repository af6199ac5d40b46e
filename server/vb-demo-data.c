/* vb-demo-data.c — location setup, staff schedules, customers, vehicles,
 * readings and appointments for `voltbay-ctl demo-data`.
 *
 * Every insert is parameterized and runs in an audited transaction.  Each
 * part is idempotent on its own: setup rows use ON CONFLICT, shifts and
 * certifications are only added to staff without any, and the customer
 * batch (with vehicles, readings and appointments) only when no demo
 * customer exists.  A fixed GRand seed makes the data the same everywhere;
 * only dates move with the day it runs.  Parts and stock follow in
 * vb-demo-inventory.c, work orders with their quotes in
 * vb-demo-work-orders.c, invoices and payments in vb-demo-billing.c.
 */
#include "vb-demo-data.h"
#include "vb-demo-work-orders.h"
#include "vb-demo-inventory.h"
#include "vb-demo-billing.h"
#include "vb-vin.h"

#include <stdlib.h>

#define DEMO_SEED   20240915u
#define DEMO_NOTE   "Demo data"
#define DEMO_TODAY  "(now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"

#define demo_exec(n, conn, error, sql, ...) \
  demo_count ((n), vb_db_execv ((conn), (error), (sql), __VA_ARGS__))

#define N_LOCATIONS 3
#define N_CUSTOMERS 60
#define N_VEHICLES  90

static const struct
{
  const char *code, *suffix, *plate, *city, *labor;
  const char *streets[4];
} demo_sites[N_LOCATIONS] = {
  { "HCM-D1", "", "51K", "Ho Chi Minh City", "450000",
    { "Le Loi, District 1", "Nguyen Hue, District 1", "Dien Bien Phu, Binh Thanh", "Vo Van Tan, District 3" } },
  { "HN-CG", ".hn", "30K", "Hanoi", "420000",
    { "Xuan Thuy, Cau Giay", "Tran Duy Hung, Cau Giay", "Kim Ma, Ba Dinh", "Lang Ha, Dong Da" } },
  { "DN-HC", ".dn", "43A", "Da Nang", "380000",
    { "Bach Dang, Hai Chau", "Nguyen Van Linh, Hai Chau", "Vo Nguyen Giap, Son Tra", "Le Duan, Thanh Khe" } },
};

static const struct
{
  const char *name, *capabilities;
} demo_bays[] = {
  { "Bay 1 (HV)", "{lift,hv_certified}" },
  { "Bay 2", "{lift,tire_machine}" },
  { "Bay 3", "{alignment,dc_charger}" },
};

static const struct
{
  const char *make, *model, *wmi, *vds, *gross, *usable, *chemistry, *hv_class, *port, *obc;
  gboolean heat_pump;
  int year_from, year_to;
} demo_models[] = {
  { "VinFast", "VF e34", "RLL", "V3EA1", "42.00", "41.90", "NMC", "400", "CCS2", "7.4", FALSE, 2021, 2023 },
  { "VinFast", "VF 8", "RLL", "V8EB2", "87.70", "82.00", "NMC", "400", "CCS2", "11.0", TRUE, 2022, 2024 },
  { "VinFast", "VF 9", "RLL", "V9EC3", "123.00", "116.00", "NMC", "400", "CCS2", "11.0", TRUE, 2023, 2024 },
  { "Tesla", "Model 3", "LRW", "3E7EB", "60.00", "57.50", "LFP", "400", "CCS2", "11.0", TRUE, 2021, 2024 },
  { "Tesla", "Model Y", "LRW", "YGFEB", "62.00", "60.00", "LFP", "400", "CCS2", "11.0", TRUE, 2022, 2024 },
  { "Hyundai", "Ioniq 5", "KMH", "KM4A1", "77.40", "74.00", "NMC", "800", "CCS2", "10.9", TRUE, 2022, 2024 },
  { "Hyundai", "Kona Electric", "KMH", "K33A2", "67.50", "64.00", "NMC", "400", "CCS2", "7.2", TRUE, 2020, 2023 },
  { "Kia", "EV6", "KNA", "C81A1", "77.40", "74.00", "NMC", "800", "CCS2", "10.9", TRUE, 2022, 2024 },
  { "Nissan", "Leaf", "SJN", "FAAZE", "40.00", "39.00", "NMC", "400", "CHAdeMO", "6.6", FALSE, 2019, 2022 },
  { "BYD", "Atto 3", "LGX", "CC4A1", "60.48", "60.48", "LFP", "400", "CCS2", "7.0", TRUE, 2023, 2024 },
};

/* Vietnamese names with an ASCII form for e-mail addresses. */
static const char *vi_family[][2] = {
  { "Nguyễn", "nguyen" }, { "Trần", "tran" }, { "Lê", "le" }, { "Phạm", "pham" },
  { "Hoàng", "hoang" }, { "Huỳnh", "huynh" }, { "Phan", "phan" }, { "Vũ", "vu" },
  { "Võ", "vo" }, { "Đặng", "dang" }, { "Bùi", "bui" }, { "Đỗ", "do" },
};
static const char *vi_given[][2] = {
  { "Văn An", "an" }, { "Thị Bích", "bich" }, { "Minh Khoa", "khoa" }, { "Thu Hà", "ha" },
  { "Quốc Bảo", "bao" }, { "Ngọc Lan", "lan" }, { "Đức Thắng", "thang" }, { "Thanh Tùng", "tung" },
  { "Hồng Nhung", "nhung" }, { "Gia Huy", "huy" }, { "Phương Linh", "linh" }, { "Tuấn Anh", "anh" },
};
static const char *en_family[] = { "Smith", "Walker", "Brown", "Taylor", "Wilson", "Clarke", "Evans", "Harris" };
static const char *en_given[] = { "James", "Emily", "Oliver", "Sophie", "Daniel", "Hannah", "Lucas", "Grace" };
static const char *mail_domains[] = { "gmail.com", "yahoo.com.vn", "outlook.com", "icloud.com" };
static const char *phone_prefixes[] = { "90", "91", "93", "97", "98", "70", "77", "86", "35", "39" };

/* Slot A: the level-3 technician in the HV bay; slot B: the other one. */
static const char *slot_a_services[] = {
  "{HV-BATTERY-HEALTH}", "{TIRE-ROTATION,CABIN-FILTER}", "{BATTERY-COOLANT}", "{CHARGE-PORT-INSPECTION}",
};
static const char *slot_b_services[] = {
  "{TIRE-ROTATION}", "{CABIN-FILTER}", "{BRAKE-FLUID-TEST,12V-BATTERY-TEST}", "{SOFTWARE-UPDATE}",
};
static const char *appointment_sources[] = { "phone", "desk", "online" };

typedef struct
{
  GRand     *rand;
  guint      n;
  char      *customer_ids[N_CUSTOMERS];
  GPtrArray *vehicles[N_LOCATIONS];   /* vehicle ids per location */
} Demo;

static gboolean
demo_count (guint    *n,
            PGresult *res)
{
  if (res == NULL)
    return FALSE;
  *n += (guint) atoi (PQcmdTuples (res));
  PQclear (res);
  return TRUE;
}

/* ----------------------------------------------------- location setup --- */

static gboolean
insert_site_setup (VbDbConn  *conn,
                   guint      i,
                   guint     *n,
                   GError   **error)
{
  const char *code = demo_sites[i].code;

  for (guint b = 0; b < G_N_ELEMENTS (demo_bays); b++)
    if (!demo_exec (n, conn, error,
                    "INSERT INTO bays (location_id, name, capabilities)"
                    " SELECT l.id, $2, $3::text[] FROM locations l WHERE l.code = $1"
                    " ON CONFLICT (location_id, name) DO NOTHING",
                    code, demo_bays[b].name, demo_bays[b].capabilities))
      return FALSE;
  return demo_exec (n, conn, error,
                    "INSERT INTO opening_hours (location_id, weekday, closed, opens_at, closes_at)"
                    " SELECT l.id, d, d = 0, CASE WHEN d <> 0 THEN $2::time END,"
                    "        CASE WHEN d <> 0 THEN $3::time END"
                    "   FROM locations l, generate_series (0, 6) d WHERE l.code = $1"
                    " ON CONFLICT (location_id, weekday) DO NOTHING",
                    code, "08:00", "18:00")
      && demo_exec (n, conn, error,
                    "INSERT INTO location_rates (location_id, kind, name, amount, currency)"
                    " SELECT l.id, 'labor', 'Standard labor', $2::bigint, l.currency"
                    "   FROM locations l WHERE l.code = $1"
                    " ON CONFLICT (location_id) WHERE kind = 'labor' DO NOTHING",
                    code, demo_sites[i].labor)
      && demo_exec (n, conn, error,
                    "INSERT INTO location_rates (location_id, kind, name, percent_bp)"
                    " SELECT l.id, 'tax', 'VAT', 1000 FROM locations l WHERE l.code = $1"
                    " ON CONFLICT (location_id, name) WHERE kind = 'tax' DO NOTHING",
                    code);
}

static gboolean
insert_setup (VbDbConn  *conn,
              gpointer   data,
              GError   **error)
{
  for (guint i = 0; i < N_LOCATIONS; i++)
    if (!insert_site_setup (conn, i, data, error))
      return FALSE;
  return TRUE;
}

/* -------------------------------------------------------------- staff --- */

static gboolean
insert_certification (VbDbConn   *conn,
                      const char *email,
                      const char *kind,
                      const char *level,
                      const char *issued,
                      const char *expires,
                      guint      *n,
                      GError    **error)
{
  return demo_exec (n, conn, error,
                    "INSERT INTO certifications (user_id, kind, hv_level, issued_on, expires_on)"
                    " SELECT u.id, $2, $3::int, (" DEMO_TODAY " + $4::interval)::date,"
                    "        (" DEMO_TODAY " + $5::interval)::date"
                    "   FROM users u WHERE lower(u.email) = lower($1)"
                    "    AND NOT EXISTS (SELECT 1 FROM certifications c"
                    "                     WHERE c.user_id = u.id AND c.kind = $2)",
                    email, kind, level, issued, expires);
}

/* Mon–Sat 08:00–17:00 local for the next 14 days, for demo staff with no
 * shift at all; one level-3 and one expired level-1 HV technician a shop. */
static gboolean
insert_staff_plans (VbDbConn  *conn,
                    gpointer   data,
                    GError   **error)
{
  guint *n = data;

  if (!demo_exec (n, conn, error,
                  "INSERT INTO shifts (user_id, location_id, starts_at, ends_at)"
                  " SELECT ra.user_id, l.id, (d.day + $2::time) AT TIME ZONE l.time_zone,"
                  "        (d.day + $3::time) AT TIME ZONE l.time_zone"
                  "   FROM role_assignments ra JOIN locations l ON l.id = ra.location_id"
                  "   JOIN users u ON u.id = ra.user_id"
                  "  CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE l.time_zone)::date + i AS day"
                  "                        FROM generate_series (0, 13) i) d"
                  "  WHERE l.code = ANY ($1::text[]) AND u.email LIKE '%@voltbay.local'"
                  "    AND extract (dow FROM d.day) <> 0"
                  "    AND NOT EXISTS (SELECT 1 FROM shifts s WHERE s.user_id = ra.user_id)",
                  "{HCM-D1,HN-CG,DN-HC}", "08:00", "17:00"))
    return FALSE;
  for (guint i = 0; i < N_LOCATIONS; i++)
    {
      g_autofree char *tech1 = g_strdup_printf ("technician%s@voltbay.local", demo_sites[i].suffix);
      g_autofree char *tech2 = g_strdup_printf ("technician2%s@voltbay.local", demo_sites[i].suffix);

      if (!insert_certification (conn, tech1, "IMI TechSafe", "3", "-1 year", "2 years", n, error)
          || !insert_certification (conn, tech2, "EV awareness (HV level 1)", "1",
                                    "-3 years -1 month", "-1 month", n, error))
        return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------- customers --- */

static gboolean
insert_customer (VbDbConn  *conn,
                 Demo      *demo,
                 guint      i,
                 GError   **error)
{
  gboolean english = i % 4 == 3;
  guint f = g_rand_int_range (demo->rand, 0, english ? G_N_ELEMENTS (en_family) : G_N_ELEMENTS (vi_family));
  guint g = g_rand_int_range (demo->rand, 0, english ? G_N_ELEMENTS (en_given) : G_N_ELEMENTS (vi_given));
  const char *family = english ? en_family[f] : vi_family[f][0];
  const char *given = english ? en_given[g] : vi_given[g][0];
  g_autofree char *mail_name = english ? g_ascii_strdown (given, -1) : g_strdup (vi_given[g][1]);
  g_autofree char *mail_family = english ? g_ascii_strdown (family, -1) : g_strdup (vi_family[f][1]);
  g_autofree char *phones = g_strdup_printf ("{+84%s%07d}",
                                             phone_prefixes[g_rand_int_range (demo->rand, 0, G_N_ELEMENTS (phone_prefixes))],
                                             g_rand_int_range (demo->rand, 0, 10000000));
  g_autofree char *emails = g_strdup_printf ("{%s.%s%u@%s}", mail_name, mail_family, 70 + i,
                                             mail_domains[g_rand_int_range (demo->rand, 0, G_N_ELEMENTS (mail_domains))]);
  g_autofree char *address = g_strdup_printf ("%d %s, %s", g_rand_int_range (demo->rand, 2, 300),
                                              demo_sites[i % N_LOCATIONS].streets[g_rand_int_range (demo->rand, 0, 4)],
                                              demo_sites[i % N_LOCATIONS].city);
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "INSERT INTO customers (preferred_location_id, given_name, family_name, phones, emails,"
                 "                       address, preferred_language, consent, notes)"
                 " SELECT l.id, $2, $3, $4::text[], $5::text[], $6, $7,"
                 "        jsonb_build_object ("
                 "          'email', jsonb_build_object ('given', $8::boolean, 'at', now(), 'channel', 'desk'),"
                 "          'sms', jsonb_build_object ('given', $9::boolean, 'at', now(), 'channel', 'desk'),"
                 "          'marketing', jsonb_build_object ('given', $10::boolean, 'at', now(), 'channel', 'desk')),"
                 "        $11"
                 "   FROM locations l WHERE l.code = $1 RETURNING id",
                 demo_sites[i % N_LOCATIONS].code, given, family, phones, emails, address,
                 english ? "en" : "vi", i % 3 != 0 ? "true" : "false", i % 2 == 0 ? "true" : "false",
                 i % 5 == 0 ? "true" : "false", DEMO_NOTE);

  if (res == NULL)
    return FALSE;
  demo->customer_ids[i] = g_strdup (vb_db_get (res, 0, 0));
  demo->n++;
  return TRUE;
}

/* ----------------------------------------------------------- vehicles --- */

static char *
make_vin (Demo  *demo,
          guint  model,
          int    year,
          guint  j)
{
  static const char year_codes[] = "KLMNPR";   /* 2019 … 2024 */
  char *vin = g_strdup_printf ("%s%s0%cA%06u", demo_models[model].wmi, demo_models[model].vds,
                               year_codes[CLAMP (year - 2019, 0, 5)],
                               100000 + j * 1000 + (guint) g_rand_int_range (demo->rand, 0, 1000));

  vin[8] = vb_vin_compute_check_digit (vin);
  return vin;
}

static gboolean
insert_readings (VbDbConn   *conn,
                 Demo       *demo,
                 const char *vehicle_id,
                 guint       model,
                 GError    **error)
{
  int n_odo = g_rand_int_range (demo->rand, 3, 7);
  int n_soh = g_rand_int_range (demo->rand, 1, 4);
  int days = g_rand_int_range (demo->rand, 640, 720);
  int km = g_rand_int_range (demo->rand, 300, 15000);
  double soh = 100.0 - g_rand_double_range (demo->rand, 0.0, 2.0);

  for (int r = 0; r < n_odo; r++)
    {
      g_autofree char *km_text = g_strdup_printf ("%d", km);
      g_autofree char *days_text = g_strdup_printf ("%d", days);
      char soh_text[16], usable_text[16];

      if (!demo_exec (&demo->n, conn, error,
                      "INSERT INTO odometer_readings (vehicle_id, odometer_km, read_at, source, recorded_by)"
                      " VALUES ($1::uuid, $2::int, now() - make_interval (days => $3::int), 'reception', NULL)",
                      vehicle_id, km_text, days_text))
        return FALSE;
      if (r >= n_odo - n_soh)
        {
          g_ascii_formatd (soh_text, sizeof soh_text, "%.1f", soh);
          g_ascii_formatd (usable_text, sizeof usable_text, "%.2f",
                           g_ascii_strtod (demo_models[model].usable, NULL) * soh / 100.0);
          if (!demo_exec (&demo->n, conn, error,
                          "INSERT INTO soh_readings (vehicle_id, soh_percent, usable_kwh, measured_at, method)"
                          " VALUES ($1::uuid, $2::numeric, $3::numeric,"
                          "         now() - make_interval (days => $4::int), 'bms_readout')",
                          vehicle_id, soh_text, usable_text, days_text))
            return FALSE;
        }
      days -= days / (n_odo - r) + g_rand_int_range (demo->rand, 0, 10);
      days = MAX (days, 3);
      km += g_rand_int_range (demo->rand, 2500, 9000);
      soh -= g_rand_double_range (demo->rand, 0.3, 1.5);
    }
  return TRUE;
}

static gboolean
insert_vehicle (VbDbConn  *conn,
                Demo      *demo,
                guint      j,
                GError   **error)
{
  guint c = j % N_CUSTOMERS;
  guint m = g_rand_int_range (demo->rand, 0, G_N_ELEMENTS (demo_models));
  int year = g_rand_int_range (demo->rand, demo_models[m].year_from, demo_models[m].year_to + 1);
  g_autofree char *vin = make_vin (demo, m, year, j);
  g_autofree char *year_text = g_strdup_printf ("%d", year);
  g_autofree char *warranty = g_strdup_printf ("%d-06-30", year + 8);
  g_autofree char *plate = g_strdup_printf ("%s-%03d.%02d", demo_sites[c % N_LOCATIONS].plate,
                                            g_rand_int_range (demo->rand, 100, 1000),
                                            g_rand_int_range (demo->rand, 0, 100));
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "INSERT INTO vehicles (customer_id, location_id, plate, vin, make, model, year,"
                 "                      battery_gross_kwh, battery_usable_kwh, chemistry, hv_class,"
                 "                      charge_port, obc_kw, heat_pump, battery_warranty_until,"
                 "                      battery_warranty_km)"
                 " SELECT c.id, c.preferred_location_id, $2, $3, $4, $5, $6::int, $7::numeric,"
                 "        $8::numeric, $9, $10::int, $11, $12::numeric, $13::boolean, $14::date, 160000"
                 "   FROM customers c WHERE c.id = $1::uuid RETURNING id",
                 demo->customer_ids[c], plate, vin, demo_models[m].make, demo_models[m].model, year_text,
                 demo_models[m].gross, demo_models[m].usable, demo_models[m].chemistry,
                 demo_models[m].hv_class, demo_models[m].port, demo_models[m].obc,
                 demo_models[m].heat_pump ? "true" : "false", warranty);

  if (res == NULL)
    return FALSE;
  demo->n++;
  g_ptr_array_add (demo->vehicles[c % N_LOCATIONS], g_strdup (vb_db_get (res, 0, 0)));
  return insert_readings (conn, demo, vb_db_get (res, 0, 0), m, error);
}

/* ------------------------------------------------------- appointments --- */

static gboolean
insert_appointment (VbDbConn   *conn,
                    Demo       *demo,
                    guint       site,
                    int         day,
                    gboolean    slot_a,
                    GError    **error)
{
  GPtrArray *vehicles = demo->vehicles[site];
  const char *vehicle = g_ptr_array_index (vehicles, g_rand_int_range (demo->rand, 0, vehicles->len));
  const char *services = slot_a ? slot_a_services[day % G_N_ELEMENTS (slot_a_services)]
                                : slot_b_services[(day + site) % G_N_ELEMENTS (slot_b_services)];
  g_autofree char *tech = g_strdup_printf ("technician%s%s@voltbay.local", slot_a ? "" : "2",
                                           demo_sites[site].suffix);
  g_autofree char *day_text = g_strdup_printf ("%d", day);

  return demo_exec (&demo->n, conn, error,
                    "INSERT INTO appointments (location_id, customer_id, vehicle_id, service_type_ids,"
                    "                          bay_id, technician_id, during, source, notes)"
                    " SELECT l.id, v.customer_id, v.id,"
                    "        ARRAY (SELECT st.id FROM service_types st WHERE st.code = ANY ($3::text[])"
                    "                ORDER BY st.code),"
                    "        b.id, u.id,"
                    "        tstzrange ((d.day + $5::time) AT TIME ZONE l.time_zone,"
                    "                   (d.day + $5::time + make_interval (mins => $6::int)) AT TIME ZONE l.time_zone),"
                    "        $8, $9"
                    "   FROM locations l"
                    "  CROSS JOIN LATERAL (SELECT (now() AT TIME ZONE l.time_zone)::date + $4::int AS day) d"
                    "   JOIN bays b ON b.location_id = l.id AND b.name = $2"
                    "   JOIN vehicles v ON v.id = $7::uuid"
                    "   JOIN users u ON lower(u.email) = lower($10)"
                    "  WHERE l.code = $1 AND extract (dow FROM d.day) <> 0",
                    demo_sites[site].code, demo_bays[slot_a ? 0 : 1].name, services, day_text,
                    slot_a ? "09:00" : "13:30", slot_a ? "90" : "60", vehicle,
                    appointment_sources[(day + site) % G_N_ELEMENTS (appointment_sources)],
                    DEMO_NOTE, tech);
}

static gboolean
insert_appointments (VbDbConn  *conn,
                     Demo      *demo,
                     GError   **error)
{
  for (int day = 1; day <= 13; day++)
    for (guint site = 0; site < N_LOCATIONS; site++)
      if (!insert_appointment (conn, demo, site, day, TRUE, error)
          || ((day + site) % 3 == 0 && !insert_appointment (conn, demo, site, day, FALSE, error)))
        return FALSE;
  return TRUE;
}

static void
demo_reset (Demo *demo)
{
  g_rand_set_seed (demo->rand, DEMO_SEED);
  demo->n = 0;
  for (guint i = 0; i < N_CUSTOMERS; i++)
    g_clear_pointer (&demo->customer_ids[i], g_free);
  for (guint i = 0; i < N_LOCATIONS; i++)
    g_ptr_array_set_size (demo->vehicles[i], 0);
}

static gboolean
insert_customer_batch (VbDbConn  *conn,
                       gpointer   data,
                       GError   **error)
{
  Demo *demo = data;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
                                         "SELECT 1 FROM customers WHERE notes = $1 LIMIT 1", DEMO_NOTE);

  demo_reset (demo);   /* a retried transaction starts over */
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    return TRUE;
  for (guint i = 0; i < N_CUSTOMERS; i++)
    if (!insert_customer (conn, demo, i, error))
      return FALSE;
  for (guint j = 0; j < N_VEHICLES; j++)
    if (!insert_vehicle (conn, demo, j, error))
      return FALSE;
  return insert_appointments (conn, demo, error);
}

static void
demo_clear (Demo *demo)
{
  for (guint i = 0; i < N_CUSTOMERS; i++)
    g_clear_pointer (&demo->customer_ids[i], g_free);
  for (guint i = 0; i < N_LOCATIONS; i++)
    g_clear_pointer (&demo->vehicles[i], g_ptr_array_unref);
  g_clear_pointer (&demo->rand, g_rand_free);
}

gboolean
vb_demo_data_fill (VbDbConn        *conn,
                   const VbDbAudit *audit,
                   guint           *n_created,
                   GError         **error)
{
  Demo demo = { 0 };
  gboolean ok;

  if (!vb_db_transaction (conn, audit, insert_setup, n_created, error)
      || !vb_db_transaction (conn, audit, insert_staff_plans, n_created, error))
    return FALSE;
  demo.rand = g_rand_new_with_seed (DEMO_SEED);
  for (guint i = 0; i < N_LOCATIONS; i++)
    demo.vehicles[i] = g_ptr_array_new_with_free_func (g_free);
  ok = vb_db_transaction (conn, audit, insert_customer_batch, &demo, error);
  if (ok)
    *n_created += demo.n;
  demo_clear (&demo);
  /* Parts first: the work orders' quotes name some. */
  return ok && vb_demo_inventory_fill (conn, audit, n_created, error)
    && vb_demo_work_orders_fill (conn, audit, n_created, error)
    && vb_demo_billing_fill (conn, audit, n_created, error);
}
