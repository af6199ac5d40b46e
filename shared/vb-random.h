/* vb-random.h — kernel randomness, opaque tokens, hashes and recovery codes.
 *
 * Everything secret comes from getrandom(2); GLib's g_random_* is a
 * predictable Mersenne Twister and must never be used for these.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_RECOVERY_CODE_LENGTH 10

/* Fills buf from getrandom(2), retrying on EINTR and short reads.
 * Failure → VB_ERROR_INTERNAL. */
gboolean  vb_random_bytes             (guint8      *buf,
                                       gsize        len,
                                       GError     **error);

/* n_bytes random bytes as unpadded base64url ([A-Za-z0-9_-], ceil(4n/3)
 * characters).  Aborts via g_error() only if the kernel RNG fails. */
char     *vb_random_token             (gsize        n_bytes);

/* Lowercase hex SHA-256 of data (len -1 → NUL-terminated). */
char     *vb_sha256_hex               (const char  *data,
                                       gssize       len);

/* XXXXX-XXXXX from 23456789ABCDEFGHJKMNPQRSTUVWXYZ (no 0/O/1/I/L). */
char     *vb_recovery_code_new        (void);

/* Uppercases and drops whitespace and dashes, giving the 10 bare characters
 * (the form to hash and store); NULL on a wrong length or character. */
char     *vb_recovery_code_normalize  (const char  *input);

G_END_DECLS
