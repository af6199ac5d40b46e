/* vb-application.h — what the three Voltbay apps have in common. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_APPLICATION (vb_application_get_type ())
G_DECLARE_DERIVABLE_TYPE (VbApplication, vb_application, VB, APPLICATION, AdwApplication)

struct _VbApplicationClass
{
  AdwApplicationClass parent_class;

  /* A new main window for this application. */
  GtkWindow *(*create_window) (VbApplication *self);
  /* Themed icon of the app's windows and About window. */
  const char *icon_name;

  gpointer padding[4];
};

/* The context object windows take their services from (after startup). */
VbClient *vb_application_get_client (VbApplication *self);

G_END_DECLS
