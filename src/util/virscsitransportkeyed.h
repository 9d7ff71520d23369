/*
 * virscsitransportkeyed.h: a session registered under a persistent
 *                          reservation key for as long as it is open
 *
 * On a LUN whose writers are fenced by a persistent reservation (Write
 * Exclusive - All Registrants), a session that has not registered the
 * host's key may read but not write.  Every session a host opens to such a
 * LUN registers the key when it opens (REGISTER AND IGNORE EXISTING KEY)
 * and unregisters it when it closes, so that registrations of sessions
 * long gone do not pile up at the target.  A session whose key another
 * host removed (PREEMPT) gets RESERVATION CONFLICT for every write: that
 * is the fence doing its job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsitransport.h"

/* Register @key on @inner (owned from now on, freed on failure too) and
 * wrap it.  NULL with @error set when the target refused. */
virSCSITransport *
virSCSITransportKeyedNew(virSCSITransport *inner,
                         uint64_t key,
                         GError **error);

/* Register @key on a session that is not wrapped (the LUN's first
 * session, owned by whoever opened it); 0 @key unregisters.  @oldKey is
 * what the session registered before (0: nothing or unknown). */
int
virSCSITransportRegisterKey(virSCSITransport *transport,
                            uint64_t oldKey,
                            uint64_t key,
                            GError **error);
