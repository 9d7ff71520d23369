/*
 * storage_vaai_hold.h: volumes held open by domains, on the LUN: taking
 *                      and giving back a volume's in-use lease, and the
 *                      check that delete, wipe, resize and rename make
 *                      (docs/format.md "In-use records",
 *                      docs/design/in-use-leases.md)
 *
 * A hold is made for a process of a host (its heartbeat session: the hold
 * lives exactly as long as that session's heartbeat) and an owner in it
 * (a domain's UUID; all zero: the process itself).  The decisions are
 * storage_vaai_inuse.c's; here they are read from and written to the LUN.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_lease.h"
#include "storage_vaai_table.h"

typedef struct _virStorageVaaiHolderInfo virStorageVaaiHolderInfo;
struct _virStorageVaaiHolderInfo {
    virStorageVaaiInUseHolder holder;
    char hostName[VIR_STORAGE_VAAI_HOST_NAME_SIZE];   /* from its heartbeat */
};

/*
 * Hold volume @name (or, with @uuid, the volume of that key, whatever its
 * name now) for @owner (NULL: the process) in @mode, as this session's
 * process.  0 when held (also when it was held so already); -1 with
 * BUSY naming the live holder in the way, or the host deleting, wiping or
 * resizing the volume; NOT_FOUND; UNSUPPORTED on a pool of format 1.0,
 * which has no in-use area; FENCED when this host's heartbeat is too old
 * to take anything.
 */
int
virStorageVaaiVolHold(virStorageVaaiSession *session,
                      const char *name,
                      const uint8_t *uuid,
                      const uint8_t *owner,
                      virStorageVaaiInUseMode mode,
                      GError **error);

/* Give the hold back; 0 also when there was none (the volume is gone, or
 * was never held by @owner of this process). */
int
virStorageVaaiVolUnhold(virStorageVaaiSession *session,
                        const char *name,
                        const uint8_t *uuid,
                        const uint8_t *owner,
                        GError **error);

/*
 * Who holds the volume of record @idx (key @uuid) open: the holders whose
 * process is alive by @watcher (updated by the caller; NULL: read the
 * heartbeats now), in an array of virStorageVaaiHolderInfo.  An empty
 * array for a pool without an in-use area.
 */
GArray *
virStorageVaaiVolHolders(virStorageVaaiPool *pool,
                         virStorageVaaiWatcher *watcher,
                         uint32_t idx,
                         const uint8_t *uuid,
                         GError **error);

typedef struct _virStorageVaaiVolHolder virStorageVaaiVolHolder;
struct _virStorageVaaiVolHolder {
    uint32_t idx;                   /* the volume's record */
    virStorageVaaiHolderInfo info;
};

/* Every live holder of every volume of @table (as just read): the in-use
 * area read in one pass, the heartbeats once; an array of
 * virStorageVaaiVolHolder, empty for a pool without an in-use area.  An
 * in-use block that cannot be read as one is skipped (a warning for the
 * caller's log in *@warnings when given). */
GArray *
virStorageVaaiTableHolders(virStorageVaaiPool *pool,
                           const virStorageVaaiTable *table,
                           GPtrArray *warnings,
                           GError **error);

/*
 * The check of an operation @what that marked record @idx (volume @name,
 * key @uuid) busy under the lease: 0 when no live process holds the
 * volume, -1 with BUSY naming a holder.  With the hold's own check (it
 * writes its hold, then reads the record) one of the two always sees the
 * other: a Dekker pair over COMPARE AND WRITE.
 */
int
virStorageVaaiHoldCheck(virStorageVaaiPool *pool,
                        uint32_t idx,
                        const uint8_t *uuid,
                        const char *what,
                        const char *name,
                        GError **error);
