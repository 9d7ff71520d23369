/*
 * mempool.h: a vaai pool on an in-memory LUN (memlun.h), as the unit
 *            tests of the pool's races, fences and erase set one up
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "memlun.h"
#include "storage_vaai_check.h"
#include "storage_vaai_lease.h"

typedef struct _testMemPool testMemPool;
struct _testMemPool {
    testMemLun *mem;
    virSCSILun *lun;
    virStorageVaaiPool *pool;
    virStorageVaaiSession *session;     /* NULL unless joined */
};

/* A host identity: UUID bytes all @id, a random incarnation. */
void
testMemPoolHost(virStorageVaaiHost *host,
                uint8_t id);

/* Format a pool named @name on a new in-memory LUN of @profile, with
 * @records volume records, lease timeout @timeoutMs and heartbeat
 * @intervalMs, open it, and join it as host 1 if @join.  Asserts. */
void
testMemPoolOpen(testMemPool *tp,
                const testMemLunProfile *profile,
                const char *name,
                uint32_t records,
                uint64_t timeoutMs,
                uint64_t intervalMs,
                bool join);

void
testMemPoolClose(testMemPool *tp);

/* Read the table and check it: asserts no inconsistency (overlapping
 * extents, duplicate names; each printed with @what) and nothing busy.
 * With @check, its findings stay there for more asserts (the caller
 * clears it). */
void
testMemPoolAssertClean(testMemPool *tp,
                       const char *what,
                       virStorageVaaiCheck *check);
