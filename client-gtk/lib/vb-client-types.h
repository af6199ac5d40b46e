/* vb-client-types.h — forward typedefs and the small enums of the client library.
 *
 * Kept in one header (as GNOME Text Editor's editor-types.h) so that headers
 * can name each other's types without including each other.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _VbApiClient      VbApiClient;
typedef struct _VbCache          VbCache;
typedef struct _VbClient         VbClient;
typedef struct _VbLiveConnection VbLiveConnection;
typedef struct _VbPinStore       VbPinStore;
typedef struct _VbSession        VbSession;
typedef struct _VbSyncEngine     VbSyncEngine;

/* What the live WebSocket is doing.  RECONNECTING is the quick retry right
 * after an established connection dropped; once that retry has failed too the
 * state is OFFLINE, and further attempts (with back-off) happen quietly until
 * one succeeds, so the indicator does not flicker on every attempt. */
typedef enum
{
  VB_CONNECTION_STATE_OFFLINE,
  VB_CONNECTION_STATE_CONNECTING,
  VB_CONNECTION_STATE_ONLINE,
  VB_CONNECTION_STATE_RECONNECTING,
} VbConnectionState;

GType vb_connection_state_get_type (void);
#define VB_TYPE_CONNECTION_STATE (vb_connection_state_get_type ())

/* A step the server wants done before the session is complete. */
typedef enum
{
  VB_SESSION_PENDING_NONE,
  VB_SESSION_PENDING_PASSWORD_CHANGE,
  VB_SESSION_PENDING_MFA_ENROLMENT,
} VbSessionPending;

GType vb_session_pending_get_type (void);
#define VB_TYPE_SESSION_PENDING (vb_session_pending_get_type ())

/* How a presented certificate compares with the pinned one. */
typedef enum
{
  VB_PIN_STATUS_UNKNOWN,
  VB_PIN_STATUS_MATCH,
  VB_PIN_STATUS_MISMATCH,
} VbPinStatus;

G_END_DECLS
