/*
 * storage_vaai_lease.h: a host's session on a shared pool: its heartbeat
 *                       slot and the metadata lease (docs/lease-protocol.md;
 *                       the records are docs/format.md's)
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

/* How long an operation waits for the metadata lease unless told. */
#define VIR_STORAGE_VAAI_LEASE_WAIT_MS 60000

/* Take a heartbeat slot (a free one, else one whose heartbeat stopped for
 * the lease timeout) and start heartbeating in the background. */
virStorageVaaiSession *
virStorageVaaiSessionJoin(virStorageVaaiPool *pool,
                          const virStorageVaaiHost *host,
                          GError **error);

/* Stop heartbeating, release the lease if held, free the slot. */
void
virStorageVaaiSessionLeave(virStorageVaaiSession *session);

/* Stop heartbeating and free the session without writing anything: its
 * slot and the lease are gone already (the pool was erased). */
void
virStorageVaaiSessionAbandon(virStorageVaaiSession *session);

/* Acquire the metadata lease for one operation, waiting at most
 * @timeoutMs: first for the other operations of this process that hold it
 * (the lease names the process, so only the session can keep two threads
 * apart), then for other hosts; a lease whose holder's heartbeat does not
 * move for the lease timeout, on this host's own clock, is taken over.
 * Every successful Acquire is paired with one virStorageVaaiSessionRelease
 * by the same operation. */
int
virStorageVaaiSessionAcquire(virStorageVaaiSession *session,
                             unsigned int timeoutMs,
                             GError **error);

/* Whether metadata may be written now: the lease is held, this host's
 * last heartbeat renewal (timed before it was issued) is younger than half
 * the lease timeout (a host that cannot renew fences itself before anyone
 * may take over), and the fence has not run out since the lease was
 * written (else virStorageVaaiSessionVerify must prove it again). */
bool
virStorageVaaiSessionMayWrite(virStorageVaaiSession *session);

/* Make sure metadata may be written now, re-verifying the lease by
 * COMPARE AND WRITE if the fence ran out while it was held (docs/
 * lease-protocol.md "Re-verify").  -1 if the lease is not ours (any more). */
int
virStorageVaaiSessionVerify(virStorageVaaiSession *session,
                            GError **error);

int
virStorageVaaiSessionRelease(virStorageVaaiSession *session,
                             GError **error);

uint32_t
virStorageVaaiSessionSlot(const virStorageVaaiSession *session);

uint64_t
virStorageVaaiSessionGeneration(const virStorageVaaiSession *session);

const virStorageVaaiHost *
virStorageVaaiSessionHost(const virStorageVaaiSession *session);

virStorageVaaiPool *
virStorageVaaiSessionPool(const virStorageVaaiSession *session);

/* How often the self-fence has run out so far: an operation notes it when
 * it starts. */
uint64_t
virStorageVaaiSessionEpoch(virStorageVaaiSession *session);

/* The fence epoch at which the last successful Acquire or Verify of the
 * operation that owns the lease found the fence standing: an operation
 * whose first lease that was records its work under it. */
uint64_t
virStorageVaaiSessionVerifiedEpoch(virStorageVaaiSession *session);

/* Whether this host may keep moving data for an operation it recorded at
 * @epoch: its slot is still its own, its last renewal is younger than T/2
 * and the fence has never run out since, so no other host can have
 * presumed it dead and recovered the operation. */
bool
virStorageVaaiSessionFresh(virStorageVaaiSession *session,
                           uint64_t epoch);

/* Which volume records an operation of this process is working on: one
 * marked busy by this process and worked on by none of its operations
 * (an operation that stopped when its fence ran out, and could not roll
 * back) is this process's to recover.  Begin before the record is marked,
 * end after its last write. */
void
virStorageVaaiSessionWorkBegin(virStorageVaaiSession *session,
                               uint32_t idx);

void
virStorageVaaiSessionWorkEnd(virStorageVaaiSession *session,
                             uint32_t idx);

bool
virStorageVaaiSessionWorking(virStorageVaaiSession *session,
                             uint32_t idx);

/* Whether another host took this host's heartbeat slot over: the session
 * can never write again under its identity. */
bool
virStorageVaaiSessionFenced(virStorageVaaiSession *session);

/* After a takeover of its slot (the session is fenced), join the pool
 * again with a new incarnation and a new slot; the old incarnation's busy
 * records are a dead worker's, which recovery (by any host, this one
 * included) finishes or rolls back.  Operations begun before never write
 * again.  1 when joined again, 0 when the session was not fenced. */
int
virStorageVaaiSessionRejoin(virStorageVaaiSession *session,
                            GError **error);


/* Which processes working on the pool are alive, judged as the lease is:
 * dead when no heartbeat slot holds them (they left, or another host saw
 * them dead for T and took the slot), or when their slot's counter has
 * not moved for T on this host's own clock since this watcher first saw
 * it.  Until then they are alive, or "unsure" once watched standing still. */
typedef enum {
    VIR_STORAGE_VAAI_PROCESS_ALIVE,
    VIR_STORAGE_VAAI_PROCESS_UNSURE,
    VIR_STORAGE_VAAI_PROCESS_DEAD,
} virStorageVaaiProcessState;

typedef struct _virStorageVaaiWatcher virStorageVaaiWatcher;

virStorageVaaiWatcher *
virStorageVaaiWatcherNew(virStorageVaaiPool *pool);

void
virStorageVaaiWatcherFree(virStorageVaaiWatcher *watcher);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVaaiWatcher, virStorageVaaiWatcherFree);

/* Read every heartbeat slot once more. */
int
virStorageVaaiWatcherUpdate(virStorageVaaiWatcher *watcher,
                            GError **error);

/* Heartbeat slot @slot as the last update read it, or NULL when it is
 * free or unreadable (or @slot is out of range). */
const virStorageVaaiHeartbeat *
virStorageVaaiWatcherSlot(const virStorageVaaiWatcher *watcher,
                          uint32_t slot);

/* @uuid all zero (nobody) is dead. */
virStorageVaaiProcessState
virStorageVaaiWatcherState(virStorageVaaiWatcher *watcher,
                           const uint8_t *uuid,
                           uint64_t incarnation);

/* Free the heartbeat slots that have stood still for T (their processes
 * died without leaving), each by COMPARE AND WRITE from the bytes watched,
 * so a slot that moved meanwhile is kept.  Appends one line per slot freed
 * to @log; returns how many, or -1. */
int
virStorageVaaiWatcherReap(virStorageVaaiWatcher *watcher,
                          GPtrArray *log,
                          GError **error);

/* Whether some slot has stood still for a while (more than two heartbeat
 * intervals) but not yet for T: watching longer will tell. */
bool
virStorageVaaiWatcherAnyStopping(virStorageVaaiWatcher *watcher);
