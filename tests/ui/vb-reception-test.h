/* vb-reception-test.h — what the reception GUI tests share: running the
 * voltbay-reception application with a test body inside its main loop,
 * its window's and desk's template children, the sign-in and SQL checks
 * through the test server. */
#pragma once

#include "vb-gui-test.h"

#include "vb-client.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-work-order-page.h"

G_BEGIN_DECLS

typedef void (*VbReceptionTestBody) (void);

/* One start of the app, as from the desktop (non-unique, so one after the
 * other in a process): g_application_run() with body called from an idle
 * once the window is up, with cursor blink and animations off, quick
 * reconnections and the window width × height; then every window is
 * closed, the app quits and its exit status must be 0. */
void                    vb_reception_test_run          (VbReceptionTestBody  body,
                                                        int                  width,
                                                        int                  height);
/* The application running (during vb_reception_test_run()). */
VbReceptionApplication *vb_reception_test_app          (void);
VbClient               *vb_reception_test_client       (void);
/* The app's first VbReceptionWindow; asserts there is one. */
VbReceptionWindow      *vb_reception_test_window       (void);
/* Template children of the window / of its VbDeskView. */
gpointer                vb_reception_test_win_child    (const char          *name);
gpointer                vb_reception_test_desk_child   (const char          *name);
/* Conditions: the connection indicator's label / the window's stack page /
 * the desk's content page is the string data; the sign-in view shows the
 * step data. */
gboolean                vb_reception_test_label_is     (gpointer             data);
gboolean                vb_reception_test_stack_is     (gpointer             data);
gboolean                vb_reception_test_content_is   (gpointer             data);
gboolean                vb_reception_test_step_is      (gpointer             data);
/* Signs in on the login page with server's URL, email and password,
 * trusts the server's certificate and waits for the main page. */
void                    vb_reception_test_sign_in      (VbTestServer        *server,
                                                        const char          *email,
                                                        const char          *password);
/* The single value of sql (with one parameter param, or none if NULL) in
 * server's database; asserts there is exactly one row. */
char                   *vb_reception_test_db_value     (VbTestServer        *server,
                                                        const char          *sql,
                                                        const char          *param);
gint64                  vb_reception_test_db_count     (VbTestServer        *server,
                                                        const char          *sql,
                                                        const char          *param);

/* The desk's work order page, its template children, and those of its
 * money section (quote, invoice, payments). */
VbWorkOrderPage        *vb_reception_test_wo_page      (void);
gpointer                vb_reception_test_wo_child     (const char          *name);
VbMoneySection         *vb_reception_test_money_section (void);
gpointer                vb_reception_test_money_child  (const char          *name);
/* Conditions: the work order page's status badge reads data; the page's
 * text (every label, row and button in it, as vb_gui_collect() gathers
 * it) contains data. */
gboolean                vb_reception_test_wo_status_is (gpointer             data);
gboolean                vb_reception_test_wo_shows     (gpointer             data);
/* The work order page's text (newly allocated). */
char                   *vb_reception_test_wo_text      (void);
/* Condition: the widget data is sensitive. */
gboolean                vb_reception_test_widget_sensitive (gpointer         data);

G_END_DECLS
