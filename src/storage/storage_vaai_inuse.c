/*
 * storage_vaai_inuse.c: who may hold a volume open (pure)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_inuse.h"


const char *
virStorageVaaiInUseModeName(uint8_t mode)
{
    switch ((virStorageVaaiInUseMode)mode) {
    case VIR_STORAGE_VAAI_INUSE_EXCLUSIVE:
        return "exclusive";
    case VIR_STORAGE_VAAI_INUSE_SHARED:
        return "shared";
    case VIR_STORAGE_VAAI_INUSE_INCOMING:
        return "incoming migration";
    case VIR_STORAGE_VAAI_INUSE_NONE:
        break;
    }
    return "none";
}


static const char *const virStorageVaaiInUseModeKeywords[] = {
    [VIR_STORAGE_VAAI_INUSE_NONE] = "none",
    [VIR_STORAGE_VAAI_INUSE_EXCLUSIVE] = "exclusive",
    [VIR_STORAGE_VAAI_INUSE_SHARED] = "shared",
    [VIR_STORAGE_VAAI_INUSE_INCOMING] = "incoming",
};


const char *
virStorageVaaiInUseModeToString(uint8_t mode)
{
    if (mode >= G_N_ELEMENTS(virStorageVaaiInUseModeKeywords))
        return "none";
    return virStorageVaaiInUseModeKeywords[mode];
}


int
virStorageVaaiInUseModeFromString(const char *str)
{
    size_t i;

    for (i = VIR_STORAGE_VAAI_INUSE_EXCLUSIVE; str && i < G_N_ELEMENTS(virStorageVaaiInUseModeKeywords); i++) {
        if (strcmp(str, virStorageVaaiInUseModeKeywords[i]) == 0)
            return i;
    }
    return -1;
}


char *
virStorageVaaiInUseHolderDescribe(const virStorageVaaiInUseHolder *h,
                                  const char *hostName)
{
    g_autofree char *host = virStorageVaaiUuidFormat(h->host);
    static const uint8_t nobody[VIR_STORAGE_VAAI_UUID_LEN] = { 0 };
    g_autofree char *owner = NULL;

    if (memcmp(h->owner, nobody, sizeof(nobody)) != 0)
        owner = virStorageVaaiUuidFormat(h->owner);
    return g_strdup_printf("host %s (%s%s%s)",
                           hostName && *hostName ? hostName : host,
                           virStorageVaaiInUseModeName(h->mode),
                           owner ? ", for " : "", owner ? owner : "");
}


void
virStorageVaaiInUseFor(virStorageVaaiInUse *rec,
                       const uint8_t *volume)
{
    uint64_t generation = rec->generation;

    if (memcmp(rec->volume, volume, VIR_STORAGE_VAAI_UUID_LEN) == 0)
        return;
    memset(rec, 0, sizeof(*rec));
    rec->generation = generation;
    memcpy(rec->volume, volume, VIR_STORAGE_VAAI_UUID_LEN);
}


/* Whether @other, holding in its mode, keeps @who from holding in its;
 * @holders: how many besides @who hold the volume. */
static bool
virStorageVaaiInUseConflicts(const virStorageVaaiInUseHolder *other,
                             const virStorageVaaiInUseHolder *who,
                             size_t holders)
{
    switch ((virStorageVaaiInUseMode)who->mode) {
    case VIR_STORAGE_VAAI_INUSE_EXCLUSIVE:
        return true;
    case VIR_STORAGE_VAAI_INUSE_SHARED:
        return other->mode != VIR_STORAGE_VAAI_INUSE_SHARED;
    case VIR_STORAGE_VAAI_INUSE_INCOMING:
        /* only the same owner (domain) migrating to another host */
        return other->mode != VIR_STORAGE_VAAI_INUSE_EXCLUSIVE || holders != 1 ||
               memcmp(other->owner, who->owner, VIR_STORAGE_VAAI_UUID_LEN) != 0;
    case VIR_STORAGE_VAAI_INUSE_NONE:
        break;
    }
    return true;
}


int
virStorageVaaiInUseTake(virStorageVaaiInUse *rec,
                        const virStorageVaaiInUseHolder *who,
                        size_t *blocker,
                        GError **error)
{
    ssize_t mine = -1;
    size_t others = 0;
    size_t i;

    if (who->mode == VIR_STORAGE_VAAI_INUSE_NONE || who->mode > VIR_STORAGE_VAAI_INUSE_INCOMING) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "in-use: no such mode %u", who->mode);
        return -1;
    }
    for (i = 0; i < rec->count; i++) {
        if (virStorageVaaiInUseHolderIs(&rec->holders[i], who))
            mine = i;
        else
            others++;
    }
    if (mine >= 0 && rec->holders[mine].mode == who->mode)
        return 1;
    for (i = 0; i < rec->count; i++) {
        g_autofree char *what = NULL;

        if ((ssize_t)i == mine ||
            !virStorageVaaiInUseConflicts(&rec->holders[i], who, others))
            continue;
        if (blocker)
            *blocker = i;
        what = virStorageVaaiInUseHolderDescribe(&rec->holders[i], NULL);
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                    "the volume is in use by %s", what);
        return -1;
    }
    if (mine < 0) {
        if (rec->count == VIR_STORAGE_VAAI_INUSE_HOLDERS) {
            if (blocker)
                *blocker = 0;
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_BUSY,
                        "the volume is in use by %d holders, the most it can have",
                        VIR_STORAGE_VAAI_INUSE_HOLDERS);
            return -1;
        }
        mine = rec->count++;
    }
    rec->holders[mine] = *who;
    rec->generation++;
    return 0;
}


/* Remove holder @i, keeping the others in order. */
static void
virStorageVaaiInUseRemove(virStorageVaaiInUse *rec,
                          size_t i)
{
    memmove(&rec->holders[i], &rec->holders[i + 1],
            (rec->count - i - 1) * sizeof(rec->holders[0]));
    rec->count--;
    memset(&rec->holders[rec->count], 0, sizeof(rec->holders[0]));
}


bool
virStorageVaaiInUseDrop(virStorageVaaiInUse *rec,
                        const virStorageVaaiInUseHolder *who)
{
    size_t i;

    for (i = 0; i < rec->count; i++) {
        if (virStorageVaaiInUseHolderIs(&rec->holders[i], who)) {
            virStorageVaaiInUseRemove(rec, i);
            rec->generation++;
            return true;
        }
    }
    return false;
}


size_t
virStorageVaaiInUsePrune(virStorageVaaiInUse *rec,
                         bool (*gone)(const virStorageVaaiInUseHolder *holder, void *opaque),
                         void *opaque)
{
    size_t dropped = 0;
    size_t i = 0;

    while (i < rec->count) {
        if (gone(&rec->holders[i], opaque)) {
            virStorageVaaiInUseRemove(rec, i);
            dropped++;
        } else {
            i++;
        }
    }
    if (dropped)
        rec->generation++;
    return dropped;
}
