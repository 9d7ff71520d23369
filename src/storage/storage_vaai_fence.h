/*
 * storage_vaai_fence.h: fencing a host presumed dead at the array, by
 *                       persistent reservation (docs/lease-protocol.md
 *                       "Fencing at the array")
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_pool.h"

/* The reservation type a pool fenced by reservations holds: every
 * registered session may write, an unregistered one may only read. */
#define VIR_STORAGE_VAAI_FENCE_TYPE VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR

/* Pure: the reservation key of one process on the pool (a host's UUID and
 * its incarnation, as its heartbeat slot, the lease and its volume records
 * name it), never 0.  A new incarnation has a new key, so removing a dead
 * incarnation's key never fences the process that replaced it. */
uint64_t
virStorageVaaiFenceKey(const uint8_t *uuid,
                       uint64_t incarnation);

/* Whether @lun can fence hosts: it reports the Write Exclusive - All
 * Registrants reservation type.  -1 (UNSUPPORTED) with the reason. */
int
virStorageVaaiFenceCheckLun(virSCSILun *lun,
                            GError **error);

/* Register @key, this process's, on the pool's session and on every
 * session opened to its LUN from now on, and make sure the reservation
 * exists.  Called again with a new key after a re-join.  Does nothing on
 * a pool not fenced by reservations. */
int
virStorageVaaiFenceJoin(virStorageVaaiPool *pool,
                        uint64_t key,
                        GError **error);

/* Unregister the pool's session (other sessions unregister as they
 * close). */
void
virStorageVaaiFenceLeave(virStorageVaaiPool *pool);

/* Before taking over the work, slot or lease of a process presumed dead:
 * remove its key (PREEMPT AND ABORT), so the array aborts its commands
 * still queued and refuses every write it sends later.  0 also when the
 * key is gone already; FENCED when this process's own key is gone (it
 * was presumed dead itself).  Does nothing on a pool not fenced by
 * reservations. */
int
virStorageVaaiFenceOut(virStorageVaaiPool *pool,
                       const uint8_t *uuid,
                       uint64_t incarnation,
                       GError **error);
