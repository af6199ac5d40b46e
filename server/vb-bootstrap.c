/* vb-bootstrap.c — users and demo data created from the command line.
 *
 * The same validation as the API applies (e-mail, password policy), and the
 * work runs in an audited transaction with the actor "voltbay-ctl", so what
 * an operator does by hand is in the audit trail like everything else.
 */
#include "vb-bootstrap.h"
#include "vb-demo-data.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-password.h"
#include "vb-random.h"

typedef struct
{
  const char *email;
  const char *display_name;
  const char *hash;
  const char *role;
  const char *location_code;
  gboolean    must_change;
  char       *id;
} NewUser;

static gboolean
assign_role (VbDbConn  *conn,
             NewUser   *u,
             GError   **error)
{
  gboolean all = u->location_code == NULL || g_str_equal (u->location_code, "all");
  g_autoptr(PGresult) res = NULL;

  res = vb_db_execv (conn, error,
    "INSERT INTO role_assignments (user_id, role_id, location_id)"
    " SELECT $1::uuid, r.id, l.id FROM roles r"
    "   LEFT JOIN locations l ON l.code = $3 WHERE r.name = $2 AND ($4::boolean OR l.id IS NOT NULL)",
    u->id, u->role, all ? NULL : u->location_code, all ? "true" : "false");
  if (res == NULL)
    return FALSE;
  if (g_strcmp0 (PQcmdTuples (res), "1") != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_VALIDATION, "No role %s or no location %s",
                   u->role, all ? "(all)" : u->location_code);
      return FALSE;
    }
  return TRUE;
}

static gboolean
insert_user (VbDbConn  *conn,
             gpointer   data,
             GError   **error)
{
  NewUser *u = data;
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "INSERT INTO users (email, display_name, password_hash, must_change_password)"
                 " VALUES ($1, $2, $3, $4::boolean) RETURNING id",
                 u->email, u->display_name, u->hash, u->must_change ? "true" : "false");

  if (res == NULL)
    return FALSE;
  g_free (u->id);
  u->id = g_strdup (vb_db_get (res, 0, 0));
  return u->role == NULL || assign_role (conn, u, error);
}

gboolean
vb_bootstrap_create_user (VbDbConn        *conn,
                          const VbDbAudit *audit,
                          const char      *email,
                          const char      *display_name,
                          const char      *password,
                          const char      *role,
                          const char      *location_code,
                          gboolean         must_change_password,
                          char           **out_id,
                          GError         **error)
{
  g_autofree char *hash = NULL;
  NewUser u = { email, display_name, NULL, role, location_code, must_change_password, NULL };

  if (!vb_validate_email (email, "email", error)
      || !vb_validate_length (display_name, "name", 1, 200, error)
      || !vb_password_check_policy (password, email, "password", error))
    return FALSE;
  if ((hash = vb_password_hash (password, error)) == NULL)
    return FALSE;
  u.hash = hash;
  if (!vb_db_transaction (conn, audit, insert_user, &u, error))
    {
      g_free (u.id);
      return FALSE;
    }
  if (out_id != NULL)
    *out_id = g_steal_pointer (&u.id);
  g_free (u.id);
  return TRUE;
}

gboolean
vb_bootstrap_admin_exists (VbDbConn  *conn,
                           gboolean  *exists,
                           GError   **error)
{
  g_autoptr(PGresult) res =
    vb_db_execv (conn, error,
                 "SELECT EXISTS (SELECT 1 FROM role_assignments ra"
                 "  JOIN roles r ON r.id = ra.role_id JOIN users u ON u.id = ra.user_id"
                 " WHERE r.name = $1 AND u.active)", "admin");
  if (res == NULL)
    return FALSE;
  *exists = vb_db_get_bool (res, 0, 0);
  return TRUE;
}

/* Three shops of a small chain; staff follow once a location exists. */
static const struct
{
  const char *code, *name, *time_zone, *currency, *address, *phone;
} demo_locations[] = {
  { "HCM-D1", "Voltbay Saigon District 1", "Asia/Ho_Chi_Minh", "VND",
    "12 Ton Duc Thang, Ben Nghe, District 1, Ho Chi Minh City", "+842838221234" },
  { "HN-CG", "Voltbay Hanoi Cau Giay", "Asia/Ho_Chi_Minh", "VND",
    "88 Tran Thai Tong, Cau Giay, Hanoi", "+842437651234" },
  { "DN-HC", "Voltbay Da Nang Hai Chau", "Asia/Ho_Chi_Minh", "VND",
    "45 Bach Dang, Hai Chau, Da Nang", "+842363821234" },
};

static const struct
{
  const char *email, *name, *role, *location;
} demo_staff[] = {
  { "manager@voltbay.local", "Minh Tran (manager)", "manager", "HCM-D1" },
  { "reception@voltbay.local", "Lan Nguyen (reception)", "reception", "HCM-D1" },
  { "technician@voltbay.local", "Huy Pham (technician)", "technician", "HCM-D1" },
  { "technician2@voltbay.local", "Quang Vo (technician)", "technician", "HCM-D1" },
  { "manager.hn@voltbay.local", "Hai Do (manager)", "manager", "HN-CG" },
  { "reception.hn@voltbay.local", "Thu Le (reception)", "reception", "HN-CG" },
  { "technician.hn@voltbay.local", "Long Bui (technician)", "technician", "HN-CG" },
  { "technician2.hn@voltbay.local", "Nam Dang (technician)", "technician", "HN-CG" },
  { "manager.dn@voltbay.local", "Mai Hoang (manager)", "manager", "DN-HC" },
  { "reception.dn@voltbay.local", "Vy Huynh (reception)", "reception", "DN-HC" },
  { "technician.dn@voltbay.local", "Phuc Phan (technician)", "technician", "DN-HC" },
  { "technician2.dn@voltbay.local", "Khanh Vu (technician)", "technician", "DN-HC" },
};

static gboolean
insert_locations (VbDbConn  *conn,
                  gpointer   data,
                  GError   **error)
{
  guint *n_created = data;

  for (guint i = 0; i < G_N_ELEMENTS (demo_locations); i++)
    {
      g_autoptr(PGresult) res =
        vb_db_execv (conn, error,
                     "INSERT INTO locations (code, name, time_zone, currency, address, phone)"
                     " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
                     demo_locations[i].code, demo_locations[i].name, demo_locations[i].time_zone,
                     demo_locations[i].currency, demo_locations[i].address, demo_locations[i].phone);
      if (res == NULL)
        return FALSE;
      *n_created += g_str_equal (PQcmdTuples (res), "1");
    }
  return TRUE;
}

static gboolean
user_exists (VbDbConn   *conn,
             const char *email,
             gboolean   *exists,
             GError    **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
                                         "SELECT 1 FROM users WHERE lower(email) = lower($1)", email);
  if (res == NULL)
    return FALSE;
  *exists = PQntuples (res) > 0;
  return TRUE;
}

gboolean
vb_bootstrap_demo_data (VbDbConn        *conn,
                        const VbDbAudit *audit,
                        guint           *n_created,
                        char           **password,
                        GError         **error)
{
  g_autofree char *demo_password = NULL;

  *n_created = 0;
  if (!vb_db_transaction (conn, audit, insert_locations, n_created, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (demo_staff); i++)
    {
      gboolean exists = FALSE;

      if (!user_exists (conn, demo_staff[i].email, &exists, error))
        return FALSE;
      if (exists)
        continue;
      if (demo_password == NULL)
        demo_password = vb_random_token (12);
      if (!vb_bootstrap_create_user (conn, audit, demo_staff[i].email, demo_staff[i].name,
                                     demo_password, demo_staff[i].role, demo_staff[i].location,
                                     FALSE, NULL, error))
        return FALSE;
      (*n_created)++;
    }
  if (!vb_demo_data_fill (conn, audit, n_created, error))
    return FALSE;
  *password = g_steal_pointer (&demo_password);
  return TRUE;
}
