/* vb-client-types.c — GTypes for the enums of vb-client-types.h, so they can
 * be properties and be bound in .ui files. */
#include "vb-client-types.h"

G_DEFINE_ENUM_TYPE (VbConnectionState, vb_connection_state,
                    G_DEFINE_ENUM_VALUE (VB_CONNECTION_STATE_OFFLINE, "offline"),
                    G_DEFINE_ENUM_VALUE (VB_CONNECTION_STATE_CONNECTING, "connecting"),
                    G_DEFINE_ENUM_VALUE (VB_CONNECTION_STATE_ONLINE, "online"),
                    G_DEFINE_ENUM_VALUE (VB_CONNECTION_STATE_RECONNECTING, "reconnecting"))

G_DEFINE_ENUM_TYPE (VbSessionPending, vb_session_pending,
                    G_DEFINE_ENUM_VALUE (VB_SESSION_PENDING_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (VB_SESSION_PENDING_PASSWORD_CHANGE, "password_change"),
                    G_DEFINE_ENUM_VALUE (VB_SESSION_PENDING_MFA_ENROLMENT, "mfa_enrolment"))
