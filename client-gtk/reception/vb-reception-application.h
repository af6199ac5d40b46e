/* vb-reception-application.h — voltbay-reception, the front desk app. */
#pragma once

#include "vb-application.h"

G_BEGIN_DECLS

#define VB_TYPE_RECEPTION_APPLICATION (vb_reception_application_get_type ())
G_DECLARE_FINAL_TYPE (VbReceptionApplication, vb_reception_application, VB, RECEPTION_APPLICATION, VbApplication)

#define VB_RECEPTION_APPLICATION_ID "io.github.voltbay.Reception"

VbReceptionApplication *vb_reception_application_new (void);

G_END_DECLS
