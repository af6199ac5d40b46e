/* vb-config.h — voltbay-server settings: built-in defaults, then the config
 * file (GKeyFile, group [server]), then the command line. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char     *config_file;
  char     *data_dir;
  char     *listen;
  char     *database;
  char     *tls_cert;
  char     *tls_key;
  char     *port_file;
  char     *pg_bindir;
  gboolean  no_tls;
  gboolean  verbose;
  gint      workers;
  gint      db_pool_size;
  gint      max_body_kib;
  gint      session_hours;
  /* The whole config file (empty without one): groups other than [server]
   * belong to the parts they configure ([email], [sms], [payments], ...). */
  GKeyFile *settings;
} VbConfig;

void      vb_config_free        (VbConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbConfig, vb_config_free)

/* Parses argv (removing what it understood) and the config file. */
VbConfig *vb_config_parse       (int       *argc,
                                 char    ***argv,
                                 GError   **error);
/* $XDG_DATA_HOME/voltbay, or /var/lib/voltbay for root. */
char     *vb_config_default_data_dir (void);

G_END_DECLS
