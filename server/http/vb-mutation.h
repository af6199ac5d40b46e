/* vb-mutation.h — exactly-once writes: the Voltbay-Mutation request header.
 *
 * An offline client numbers the changes in its outbox and sends each one as
 * the normal API request with `Voltbay-Mutation: CLIENT_ID:N`.  The server
 * records (client, N) in the same transaction as the change, so a retry
 * after any crash or lost reply is answered with the stored reply instead
 * of being applied twice (docs/sync.md, "Exactly once").
 */
#pragma once

#include "vb-db.h"
#include "vb-request.h"

G_BEGIN_DECLS


/* The request's mutation (also attached to req), NULL in *out when the
 * request carries none or cannot (reads, public and inline routes). */
gboolean  vb_mutation_from_request (VbRequest   *req,
                                    VbMutation **out,
                                    GError     **error);
void      vb_mutation_free         (VbMutation  *mutation);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbMutation, vb_mutation_free)

/* Serializes the client's requests and answers a retry from the record:
 * *replayed is TRUE when req already holds the reply. */
gboolean  vb_mutation_begin        (VbMutation  *mutation,
                                    VbRequest   *req,
                                    gboolean    *replayed,
                                    GError     **error);
/* Inside the request's transaction, after the handler's writes: claims N
 * for the client (409 if it was claimed meanwhile). */
gboolean  vb_mutation_record       (VbMutation  *mutation,
                                    VbDbConn    *conn,
                                    GError     **error);
void      vb_mutation_set_recorded (VbMutation  *mutation);
gboolean  vb_mutation_is_recorded  (VbMutation  *mutation);
/* After the reply: stores it, or records a refusal; releases the lock. */
void      vb_mutation_finish       (VbMutation  *mutation,
                                    VbRequest   *req);

G_END_DECLS
