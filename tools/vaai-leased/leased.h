/*
 * leased.h: vaai-leased's state: the pools of this host it was told
 *           about, and the volumes it holds open for its domains
 *           (docs/lease-daemon.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_hold.h"

typedef struct _leasedState leasedState;

/* @host: this host (a new incarnation for this daemon). */
leasedState *
leasedStateNew(const virStorageVaaiHost *host);

void
leasedStateFree(leasedState *st);

/*
 * Requests (vaai-leased.c decodes them; each runs alone, so that the
 * decisions made on the LUN are never interleaved):
 *
 * Register pool @name, reached by @spec (a LUN spec as virSCSILunOpen
 * takes it, CHAP secret included) from @initiator (NULL: default).  The
 * same pool again with the same spec changes nothing; another spec
 * replaces it when nothing of it is held.
 */
int
leasedPoolRegister(leasedState *st,
                   const char *name,
                   const char *spec,
                   const char *initiator,
                   GError **error);

/* Hold volume @volume of pool @pool for @owner (its process @pid, 0:
 * none to watch) in @mode.  Waits at most @waitMs while only the owner
 * itself holds it from another host (a migration's other side letting
 * go). */
int
leasedAcquire(leasedState *st,
              const char *pool,
              const char *volume,
              const uint8_t *owner,
              const char *ownerName,
              int pid,
              virStorageVaaiInUseMode mode,
              unsigned int waitMs,
              GError **error);

/* Give back @owner's holds in @pool (NULL: every pool), of @volume only
 * if given. */
int
leasedRelease(leasedState *st,
              const char *pool,
              const char *volume,
              const uint8_t *owner,
              GError **error);

/* The holds, for "list": an aa{sv}. */
GVariant *
leasedList(leasedState *st);

/* Every 100 ms, in a thread of its own (never behind a request stuck on
 * the array): a pool whose heartbeat this daemon can no longer renew in
 * time gets the processes that hold its volumes killed, before another
 * host may presume this one dead.  Returns how many were killed. */
unsigned int
leasedFenceCheck(leasedState *st);

/* The process @pid exited: give its holds back. */
void
leasedProcessGone(leasedState *st,
                  int pid);

/* Every heartbeat interval: free the heartbeat slots of processes on
 * other hosts that stood still for the lease timeout (they died without
 * leaving), and with them their holds: a dead host's domains can start
 * elsewhere after the metadata lease's bound (lease-protocol.md), and not
 * before. */
void
leasedReap(leasedState *st);
