/*
 * storage_vaai_inuse.h: who may hold a volume open, decided purely on its
 *                       in-use record (docs/design/in-use-leases.md)
 *
 * The caller reads the record, asks here what the next one is, and
 * writes it by COMPARE AND WRITE from the bytes read; liveness of the
 * holders (heartbeats) is the caller's, handed in as a callback.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_format.h"

/* The record as it stands for volume @volume: one that another volume of
 * the same slot left behind (or none) holds nobody for this one. */
void
virStorageVaaiInUseFor(virStorageVaaiInUse *rec,
                       const uint8_t *volume);

/*
 * @who takes the volume in its mode (in @who->mode):
 *   exclusive  nobody else may hold it; the incoming holder alone takes
 *              it so at a migration's switch-over (once the source let go)
 *   shared     beside other shared holders only
 *   incoming   beside the one exclusive holder, or alone
 * An incoming holder is @who's owner (a domain) migrating here from the
 * host that holds it exclusively.
 * Returns 0 when @rec changed (generation moved on), 1 when @who held it
 * so already, -1 with VIR_STORAGE_VAAI_ERROR_BUSY naming a holder in the
 * way by its host UUID, and its index in *@blocker (the caller may know
 * the host's name).
 */
int
virStorageVaaiInUseTake(virStorageVaaiInUse *rec,
                        const virStorageVaaiInUseHolder *who,
                        size_t *blocker,
                        GError **error);

/* @who (host, incarnation, owner) lets go; true when it held the volume
 * (then @rec changed). */
bool
virStorageVaaiInUseDrop(virStorageVaaiInUse *rec,
                        const virStorageVaaiInUseHolder *who);

/* Drop every holder @gone says is dead; how many went. */
size_t
virStorageVaaiInUsePrune(virStorageVaaiInUse *rec,
                         bool (*gone)(const virStorageVaaiInUseHolder *holder, void *opaque),
                         void *opaque);

/* For people: "exclusive", "shared", "incoming migration". */
const char *
virStorageVaaiInUseModeName(uint8_t mode);

/* The mode's keyword, as XML, JSON and the lease daemon's protocol spell
 * it ("exclusive", "shared", "incoming"; "none"), and back (-1 for
 * anything else, "none" included). */
const char *
virStorageVaaiInUseModeToString(uint8_t mode);

int
virStorageVaaiInUseModeFromString(const char *str);

/* "host NAME (mode, for OWNER)" of @holder, for messages; the host's UUID
 * when @hostName is NULL or empty. */
char *
virStorageVaaiInUseHolderDescribe(const virStorageVaaiInUseHolder *holder,
                                  const char *hostName);
