/* test-sync.c — placeholder, being written. */
#include <glib.h>

static void
test_placeholder (void)
{
  g_test_skip ("being written");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sync/placeholder", test_placeholder);
  return g_test_run ();
}
