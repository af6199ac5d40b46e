/* vb-certificate-dialogs.h — trust on first use, and refusal on change. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VB_TRUST_RESPONSE_TRUST  "trust"
#define VB_TRUST_RESPONSE_CANCEL "cancel"

/* For a VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED: shows the fingerprint and asks
 * whether to trust it.  Responses VB_TRUST_RESPONSE_*; Cancel is the default
 * and the close response. */
AdwMessageDialog *vb_trust_dialog_new               (GtkWindow    *parent,
                                                     const GError *untrusted);

/* For a VB_CLIENT_ERROR_CERTIFICATE_CHANGED: names both fingerprints and
 * says nothing was sent.  Its only response is "close": re-trusting a server
 * whose certificate changed is a deliberate act (removing its entry from
 * pin_file), never a button next to "Close". */
AdwMessageDialog *vb_certificate_changed_dialog_new (GtkWindow    *parent,
                                                     const GError *changed,
                                                     const char   *pin_file);

G_END_DECLS
