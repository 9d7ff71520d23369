/*
 * storage_vaai_upgrade.h: bringing a pool of an earlier format up to the
 *                         current one (vaaictl pool upgrade)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_lease.h"

/*
 * Upgrade @pool (opened for writing) from format 1.1 to 1.2: hosts then
 * journal their changes of the volume table in the lease record
 * (INCOMPAT_JOURNAL).  Code that does not know the journal would change
 * records that journal readers never read again, so the upgrade holds the
 * metadata lease, is refused while another process works on the pool,
 * and sets the incompat flag that keeps older code out.  1.0 pools (no
 * in-use area) cannot be upgraded in place.  0 when upgraded, 1 when the
 * pool was current already, -1 on error.
 */
int
virStorageVaaiPoolUpgrade(virStorageVaaiPool *pool,
                          const virStorageVaaiHost *host,
                          unsigned int leaseWaitMs,
                          GError **error);
