/*
 * storage_vaai_lease.h: a host's session on a shared pool: its heartbeat
 *                       slot and the metadata lease (docs/format.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_pool.h"

typedef struct _virStorageVaaiHost virStorageVaaiHost;
struct _virStorageVaaiHost {
    uint8_t uuid[VIR_STORAGE_VAAI_UUID_LEN];   /* survives reboots */
    uint64_t incarnation;                       /* new for every process */
    char name[VIR_STORAGE_VAAI_HOST_NAME_SIZE];
};

typedef struct _virStorageVaaiSession virStorageVaaiSession;

/* Take a heartbeat slot (a free one, else one whose heartbeat stopped for
 * the lease timeout) and start heartbeating in the background. */
virStorageVaaiSession *
virStorageVaaiSessionJoin(virStorageVaaiPool *pool,
                          const virStorageVaaiHost *host,
                          GError **error);

/* Stop heartbeating, release the lease if held, free the slot. */
void
virStorageVaaiSessionLeave(virStorageVaaiSession *session);

/* Acquire the metadata lease, waiting at most @timeoutMs: a lease whose
 * holder's heartbeat does not move for the lease timeout, on this host's
 * own clock, is taken over. */
int
virStorageVaaiSessionAcquire(virStorageVaaiSession *session,
                             unsigned int timeoutMs,
                             GError **error);

/* Whether metadata may be written now: the lease is held and this host's
 * last heartbeat renewal is younger than half the lease timeout (a host
 * that cannot renew fences itself before anyone may take over). */
bool
virStorageVaaiSessionMayWrite(virStorageVaaiSession *session);

int
virStorageVaaiSessionRelease(virStorageVaaiSession *session,
                             GError **error);

uint32_t
virStorageVaaiSessionSlot(const virStorageVaaiSession *session);

uint64_t
virStorageVaaiSessionGeneration(const virStorageVaaiSession *session);
