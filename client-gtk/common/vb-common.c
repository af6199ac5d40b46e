/* vb-common.c — registers the shared templates and stylesheet.
 *
 * The resources are compiled with --manual-register: a static library's
 * resource constructor is dropped by the linker unless something references
 * its object file, and linking it whole into both an app library and a test
 * gives duplicate symbols.  An explicit call from each class_init is both
 * reliable and visible.
 */
#include "vb-common.h"
#include "vb-common-resources.h"

void
vb_common_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      vb_common_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
}
