/* vb-message-worker.c — sends the outbound message queue (being written). */
#include <glib.h>
