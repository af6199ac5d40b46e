/* test-invoices.c (being written). */
#include "vb-test.h"

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  return g_test_run ();
}
