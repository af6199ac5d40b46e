/* vb-message-worker.h — sends the outbound message queue (being written). */
#pragma once

#include <glib.h>
