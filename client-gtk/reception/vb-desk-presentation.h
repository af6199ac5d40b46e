/* vb-desk-presentation.h — what the front desk's pages say, as pure
 * functions of cached rows (no widgets), so the text is the same in every
 * list and testable without a display. */
#pragma once

#include <json-glib/json-glib.h>

#include "vb-cache.h"

G_BEGIN_DECLS

/* Translated work-order status ("awaiting_approval" → "Waiting for approval"). */
const char *vb_work_order_status_get_label   (const char  *status);
/* Which part of the Today page a work-order status belongs to. */
typedef enum
{
  VB_DESK_BUCKET_NONE,          /* collected, cancelled */
  VB_DESK_BUCKET_IN_SERVICE,
  VB_DESK_BUCKET_APPROVAL,
  VB_DESK_BUCKET_READY,
} VbDeskBucket;
VbDeskBucket vb_work_order_status_get_bucket (const char  *status);

/* Whether an RFC 3339 time falls on the local date of now_local. */
gboolean    vb_desk_is_same_local_day        (const char  *iso_time,
                                              GDateTime   *now_local);
/* "08:30" in local time, or NULL. */
char       *vb_desk_dup_local_time           (const char  *iso_time);

/* An appointment's start as RFC 3339 (owned), or NULL: "starts_at" in a
 * row made here (the API's form), else the lower bound of "during" in a
 * row from the change feed (the table's tstzrange as PostgreSQL prints
 * it: ["2026-11-25 11:00:00+00","2026-11-25 11:45:00+00")). */
char       *vb_desk_dup_appointment_start    (JsonObject  *appointment);

/* "51K-246.80 · Tesla Model 3" or the VIN, from a vehicle row (may be NULL). */
char       *vb_desk_dup_vehicle_summary      (JsonObject  *vehicle);
/* "2019 · 75 kWh NCA · CCS2": the EV data that is known (the summary has
 * the make and model); "" if none. */
char       *vb_desk_dup_vehicle_details      (JsonObject  *vehicle);
/* The customer's name from a customer row, as the record title does. */
char       *vb_desk_dup_customer_name        (JsonObject  *customer);
/* A record made here that the server has not confirmed yet: no version. */
gboolean    vb_desk_row_is_waiting           (JsonObject  *row);

/* Form checks, as the server does them (docs/api-customers.md): a phone
 * number has 8–15 digits once blanks, dashes, dots, brackets and "/" are
 * left out (with "+"/"00" or a national number); an e-mail has one "@"
 * with text on both sides and a dot in the domain.  Empty is fine. */
gboolean    vb_desk_phone_is_valid           (const char  *text);
gboolean    vb_desk_email_is_valid           (const char  *text);
/* What is wrong with a VIN, as the server would refuse it (shared/vb-vin.c:
 * 17 characters, no I, O or Q, and the check digit of North-American
 * VINs), in words for the desk; NULL if it would be accepted.  *normal
 * gets the normalized VIN when it is accepted (may be NULL). */
char       *vb_desk_dup_vin_problem          (const char  *vin,
                                              char       **normal);

/* From a refused change's reply ({"error": {"message", "field"}}): the
 * field it names (NULL if none) and the message (owned, never NULL). */
char       *vb_desk_dup_refusal              (const char  *reply,
                                              char       **field);

G_END_DECLS
