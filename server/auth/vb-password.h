/* vb-password.h — argon2id password hashing (libsodium) and password policy.
 *
 * Hashes are self-describing PHC strings ($argon2id$v=19$m=…,t=…,p=…$…), so
 * parameters can be raised later: verify old hashes, then rehash when
 * vb_password_needs_rehash() says so.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_PASSWORD_MIN_CHARS 12
#define VB_PASSWORD_MAX_CHARS 256

/* NULL + VB_ERROR_INTERNAL if argon2id cannot get its memory. */
char     *vb_password_hash          (const char  *password,
                                     GError     **error);
/* FALSE for a wrong password and for a NULL, truncated or garbage hash. */
gboolean  vb_password_verify        (const char  *hash,
                                     const char  *password);
/* TRUE unless hash is argon2id with exactly the current parameters. */
gboolean  vb_password_needs_rehash  (const char  *hash);

/* 12..256 UTF-8 characters, not the e-mail (case-insensitively), not one
 * character repeated.  Failure → VB_ERROR_VALIDATION naming field. */
gboolean  vb_password_check_policy  (const char  *password,
                                     const char  *email,
                                     const char  *field,
                                     GError     **error);

/* Spends the time of one verify against a fixed hash and discards the
 * result: call it when the account does not exist, so that unknown e-mails
 * cannot be told from wrong passwords by timing. */
void      vb_password_verify_dummy  (const char  *password);

G_END_DECLS
