/* test-attachments.c — placeholder, being written. */
#include "vb-test.h"

static void
test_placeholder (void)
{
  g_test_skip ("being written");
}

int
main (int argc, char **argv)
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/attachments/placeholder", test_placeholder);
  return g_test_run ();
}
