/*
 * storage_vaai_erase.h: retiring a pool (libvirt's pool-delete)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_lease.h"

/* Refuse (BUSY, naming the host) while another process's heartbeat moves:
 * watch every slot until each one either moved (alive) or stood still for
 * T (dead).  For changes to the whole pool that other hosts must not be
 * there for: erasing it, upgrading its format. */
int
virStorageVaaiPoolCheckAlone(virStorageVaaiSession *session,
                             GError **error);

/* Erase the pool's metadata, so that the LUN is no pool any more.  Done
 * as a member of the pool: this host joins it as @host and holds the
 * metadata lease throughout; it is refused (BUSY) while any volume
 * exists or any other host's heartbeat moves (watched until each other
 * slot either moves or stands still for the lease timeout).  The primary
 * header is first marked by COMPARE AND WRITE, so that no host opens the
 * pool once the erase began; then the headers, the heartbeat slots and
 * the table are zeroed, and the lease last, while it is still held. */
int
virStorageVaaiPoolErase(virStorageVaaiPool *pool,
                        const virStorageVaaiHost *host,
                        unsigned int leaseWaitMs,
                        GError **error);
