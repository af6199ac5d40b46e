/* vb-test-floor.h — the service floor the workshop tests share: a server
 * with two locations, the staff of one shop, a customer with a vehicle and
 * the service types by code, plus the small helpers those tests repeat
 * (ids from replies, one SQL value, the change feed, audit_log, races).
 *
 * People, customers, bays and certifications are made through the API (and
 * voltbay-ctl for users), as a client would, so the state is realistic and
 * audited; work orders and attachment rows go straight into SQL, which the
 * triggers accept, to keep tests about tasks short.
 */
#pragma once

#include "vb-test.h"

G_BEGIN_DECLS

/* The "id" member of a reply object. */
const char   *vb_test_id_of       (JsonNode     *node);
/* A string member of a reply object. */
const char   *vb_test_str_of      (JsonNode     *node,
                                   const char   *member);
/* The user id behind token (GET /api/v1/me). */
char         *vb_test_me_id       (VbTestServer *server,
                                   const char   *token);
/* One SQL statement, text parameters up to a NULL: first value, or NULL if no row. */
char         *vb_test_sql         (VbTestServer *server,
                                   const char   *query,
                                   ...) G_GNUC_NULL_TERMINATED;
/* Does the change feed (as token, every page) hold entity/id with op (NULL: any)? */
gboolean      vb_test_feed_has    (VbTestServer *server,
                                   const char   *token,
                                   const char   *entity,
                                   const char   *id,
                                   const char   *op);
/* The same, and an upsert must carry its row (a delete carries none). */
gboolean      vb_test_feed_has_row (VbTestServer *server,
                                    const char   *token,
                                    const char   *entity,
                                    const char   *id,
                                    const char   *op);
/* audit_log rows of action on entity/id that name an actor and a request. */
gint64        vb_test_audit_count (VbTestServer *server,
                                   const char   *entity,
                                   const char   *id,
                                   const char   *action);
/* n simultaneous POSTs on pre-opened connections: counts 201s and 409s (naming conflict_field). */
void          vb_test_post_race   (VbTestServer *server,
                                   const char   *path,
                                   const char   *token,
                                   const char   *body,
                                   guint         n,
                                   const char   *conflict_field,
                                   guint        *created,
                                   guint        *conflicts);

typedef enum
{
  VB_TEST_FLOOR_DEFAULT  = 0,
  VB_TEST_FLOOR_TECH2    = 1 << 0,  /* tech2: a second technician at HCM-1 */
  VB_TEST_FLOOR_TECH_B   = 1 << 1,  /* tech_b: a technician at HN-1 */
  VB_TEST_FLOOR_CUSTOMER = 1 << 2,  /* customer + vehicle of HCM-1, by reception */
} VbTestFloorFlags;

typedef struct
{
  VbTestServer *server;
  char *admin;          /* admin token (TOTP enrolled) */
  char *admin_id;
  char *a;              /* location HCM-1 */
  char *b;              /* location HN-1 */
  char *manager;        /* manager at HCM-1 */
  char *desk;           /* reception at HCM-1 */
  char *tech;           /* technician at HCM-1, no certification */
  char *tech_id;
  char *tech2;          /* VB_TEST_FLOOR_TECH2 */
  char *tech2_id;
  char *tech_b;         /* VB_TEST_FLOOR_TECH_B */
  char *customer;       /* VB_TEST_FLOOR_CUSTOMER: Minh Nguyen */
  char *vehicle;        /* VB_TEST_FLOOR_CUSTOMER: 51H-123.45, VinFast VF 8 */
  char *tire;           /* service type TIRE-ROTATION: HV 0 */
  char *cabin;          /* service type CABIN-FILTER */
  char *battery;        /* service type HV-BATTERY-HEALTH: HV level 1 */
} VbTestFloor;

/* Starts a server and builds the floor; flags add the optional parts. */
void          vb_test_floor_setup        (VbTestFloor      *floor,
                                          VbTestFloorFlags  flags);
/* Stops the server and frees the floor. */
void          vb_test_floor_clear        (VbTestFloor      *floor);
/* The id of the service type with code (looked up in the database). */
char         *vb_test_floor_service      (VbTestFloor      *floor,
                                          const char       *code);
/* An HV certification at level, recorded by the manager; expires_on NULL: never. */
void          vb_test_floor_certify      (VbTestFloor      *floor,
                                          const char       *user_id,
                                          int               level,
                                          const char       *issued_on,
                                          const char       *expires_on);
/* A customer "given Nguyen" of location (and a vehicle of vehicle_members JSON, if any). */
void          vb_test_floor_add_customer (VbTestFloor      *floor,
                                          const char       *token,
                                          const char       *location,
                                          const char       *given,
                                          const char       *vehicle_members,
                                          char            **customer,
                                          char            **vehicle);
/* A bay at HCM-1 with capabilities (a JSON array), made by the admin; its id. */
char         *vb_test_floor_add_bay      (VbTestFloor      *floor,
                                          const char       *name,
                                          const char       *capabilities);

/* ------------------------------------------------ work orders and tasks --- */

/* A checked-in work order at location, inserted in SQL; returns its id. */
char         *vb_test_floor_order_at     (VbTestFloor      *floor,
                                          const char       *location,
                                          const char       *customer,
                                          const char       *vehicle);
/* The floor customer's work order at HCM-1; a status also marks it triaged. */
char         *vb_test_floor_order        (VbTestFloor      *floor,
                                          const char       *status);
/* POST /work-orders/{order}/tasks with body as token (201); the task id. */
char         *vb_test_floor_add_task     (VbTestFloor      *floor,
                                          const char       *order,
                                          const char       *token,
                                          const char       *body);
/* A task of service added by reception; technician may be NULL. */
char         *vb_test_floor_service_task (VbTestFloor      *floor,
                                          const char       *order,
                                          const char       *service,
                                          const char       *technician);
/* method /tasks/{task}{suffix} as token, expecting `expect`. */
JsonNode     *vb_test_floor_task_call    (VbTestFloor      *floor,
                                          const char       *method,
                                          const char       *token,
                                          const char       *task,
                                          const char       *suffix,
                                          const char       *body,
                                          guint             expect);
/* The id of the task's checklist step at position (1-based). */
char         *vb_test_floor_step_at      (VbTestFloor      *floor,
                                          const char       *task,
                                          int               position);
/* POST /tasks/{task}/checklist-results, expecting `expect`. */
JsonNode     *vb_test_floor_record       (VbTestFloor      *floor,
                                          const char       *token,
                                          const char       *task,
                                          const char       *body,
                                          guint             expect);
/* The same, refused with `expect`, the error code and field. */
void          vb_test_floor_record_error (VbTestFloor      *floor,
                                          const char       *token,
                                          const char       *task,
                                          const char       *body,
                                          guint             expect,
                                          const char       *code,
                                          const char       *field);
/* A photo attachment row of HCM-1 (SQL only, no file); returns its id. */
char         *vb_test_floor_attachment   (VbTestFloor      *floor);

G_END_DECLS
