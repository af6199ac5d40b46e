/* vb-technician-application.h — voltbay-technician, the bay workstation app. */
#pragma once

#include "vb-application.h"

G_BEGIN_DECLS

#define VB_TYPE_TECHNICIAN_APPLICATION (vb_technician_application_get_type ())
G_DECLARE_FINAL_TYPE (VbTechnicianApplication, vb_technician_application, VB, TECHNICIAN_APPLICATION, VbApplication)

#define VB_TECHNICIAN_APPLICATION_ID "io.github.voltbay.Technician"

VbTechnicianApplication *vb_technician_application_new (void);

G_END_DECLS
