/* vb-record-describe.h — a cached record's list texts. */
#pragma once

#include "vb-cache.h"
#include "vb-record.h"

G_BEGIN_DECLS

/* The title, subtitle (owned) and badge with its style class (static, or
 * NULL) of a record: customers by name with their phone; vehicles by
 * plate with owner, VIN and EV data; work orders by number and customer
 * with the car, concerns and status; appointments by local time and
 * customer with the car and services; "Waiting to sync" for a record the
 * server has not confirmed. */
typedef enum
{
  VB_DESCRIBE_DEFAULT = 0,
  VB_DESCRIBE_WITHIN_CUSTOMER = 1 << 0,  /* on the customer's page: leave the customer out */
} VbDescribeFlags;

void vb_desk_describe_record (VbCache     *cache,
                              VbRecord    *record,
                              VbDescribeFlags flags,
                              char       **out_title,
                              char       **out_subtitle,
                              const char **out_badge,
                              const char **out_style);

G_END_DECLS
