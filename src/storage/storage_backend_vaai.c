/*
 * storage_backend_vaai.c: storage backend for a shared SAN LUN carved into
 *                         volumes with SCSI VAAI primitives
 *
 * A vaai pool is one LUN, formatted by libvirt-vaai (docs/format.md): a
 * local SCSI device (<device path='/dev/...'/>) or an iSCSI LUN (<host/>,
 * <device path='IQN/LUN'/>, <initiator/>, CHAP <auth/>).  Its volumes are
 * extents of the LUN listed in the pool's volume table.
 *
 * This file is built into libvirt by libvirt-vaai's libvirt/build-libvirt,
 * together with the SCSI layer (virscsi*.c) and the pool library
 * (storage_vaai_*.c), which report GError and know nothing of libvirt:
 * errors are converted here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "datatypes.h"
#include "storage_backend.h"
#include "storage_backend_vaai.h"
#include "storage_conf.h"
#include "virerror.h"
#include "viridentity.h"
#include "virlog.h"
#include "virsecret.h"
#include "virsecureerase.h"
#include "virstring.h"
#include "virthread.h"
#include "viruuid.h"

#include "storage_vaai_pool.h"
#include "storage_vaai_table.h"
#include "virscsilun.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai");

#define VIR_STORAGE_VAAI_ISCSI_PORT 3260

/* What a started pool holds open: its LUN and the pool header read from
 * it.  Created by startPool (or by the first refresh after the daemon
 * restarted with the pool active) and freed by stopPool.  The storage
 * driver calls those with the pool object locked, and refuses to stop a
 * pool while an asynchronous job (buildVol, wipeVol, ...) runs, so a
 * state outlives every callback that uses it; @lock serialises the use of
 * the LUN, which is not thread-safe, among callbacks that run unlocked. */
typedef struct _virStorageBackendVaaiState virStorageBackendVaaiState;
struct _virStorageBackendVaaiState {
    virMutex lock;
    virScsiLun *lun;
    virStorageVaaiPool *pool;
    bool local;                     /* a device path, not iSCSI */
};

static virMutex vaaiStatesLock = VIR_MUTEX_INITIALIZER;
static GHashTable *vaaiStates;      /* libvirt pool UUID string -> state */


static void
virStorageBackendVaaiStateFree(void *opaque)
{
    virStorageBackendVaaiState *state = opaque;

    if (!state)
        return;
    virStorageVaaiPoolFree(state->pool);
    virScsiLunFree(state->lun);
    virMutexDestroy(&state->lock);
    g_free(state);
}


/* @what: context the GError's message lacks, or NULL (the SCSI layer's
 * messages name the LUN already). */
static void
virStorageBackendVaaiReportGError(const char *what,
                                  const GError *err)
{
    const char *msg = err ? err->message : _("unknown error");

    if (what)
        virReportError(VIR_ERR_OPERATION_FAILED, "%s: %s", what, msg);
    else
        virReportError(VIR_ERR_OPERATION_FAILED, "%s", msg);
}


static bool
virStorageBackendVaaiSourceIsLocal(virStoragePoolSource *src)
{
    return src->ndevice == 1 && src->devices[0].path[0] == '/';
}


/* The CHAP user and secret of the pool's <auth/>, from the secret driver;
 * @user and @secret stay NULL without <auth/>. */
static int
virStorageBackendVaaiGetAuth(virStoragePoolSource *src,
                             char **user,
                             char **secret)
{
    virStorageAuthDef *authdef = src->auth;
    g_autofree unsigned char *value = NULL;
    size_t size = 0;
    g_autoptr(virConnect) conn = NULL;
    VIR_IDENTITY_AUTORESTORE virIdentity *oldident = NULL;
    g_autofree char *str = NULL;

    *user = NULL;
    *secret = NULL;
    if (!authdef || authdef->authType == VIR_STORAGE_AUTH_TYPE_NONE)
        return 0;

    if (authdef->authType != VIR_STORAGE_AUTH_TYPE_CHAP) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool supports only chap authentication"));
        return -1;
    }

    if (!(oldident = virIdentityElevateCurrent()))
        return -1;

    if (!(conn = virGetConnectSecret()))
        return -1;

    if (virSecretGetSecretString(conn, &authdef->seclookupdef,
                                 VIR_SECRET_USAGE_TYPE_ISCSI,
                                 &value, &size) < 0)
        return -1;

    str = g_new0(char, size + 1);
    memcpy(str, value, size);
    virSecureErase(value, size);

    /* libiscsi takes them in the URL as user%secret@host: those
     * characters cannot be told apart from its syntax. */
    if (strpbrk(authdef->username, "%@/") || strpbrk(str, "%@/")) {
        virSecureErase(str, size);
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool CHAP user name and secret must not contain '%', '@' or '/'"));
        return -1;
    }

    *user = g_strdup(authdef->username);
    *secret = g_steal_pointer(&str);
    return 0;
}


/* What the SCSI layer opens: the device path of a local LUN, or
 * iscsi://[user%secret@]host[:port]/IQN/LUN.  With @withAuth false the
 * URL carries no credentials (for messages). */
static char *
virStorageBackendVaaiSourceSpec(virStoragePoolSource *src,
                                bool withAuth)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_autofree char *user = NULL;
    g_autofree char *secret = NULL;
    const char *path;
    const char *host;
    int port;

    if (src->ndevice != 1) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool needs exactly one source device"));
        return NULL;
    }
    path = src->devices[0].path;

    if (virStorageBackendVaaiSourceIsLocal(src))
        return g_strdup(path);

    if (src->nhost != 1) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool on an iSCSI LUN needs exactly one source host"));
        return NULL;
    }
    host = src->hosts[0].name;
    port = src->hosts[0].port ? src->hosts[0].port : VIR_STORAGE_VAAI_ISCSI_PORT;

    if (withAuth && virStorageBackendVaaiGetAuth(src, &user, &secret) < 0)
        return NULL;

    virBufferAddLit(&buf, "iscsi://");
    if (user) {
        virBufferAsprintf(&buf, "%s%%%s@", user, secret);
        virSecureEraseString(secret);
    }
    if (strchr(host, ':'))
        virBufferAsprintf(&buf, "[%s]:%d/", host, port);
    else
        virBufferAsprintf(&buf, "%s:%d/", host, port);
    /* <device path='IQN'/> means LUN 0, as in a <disk> of protocol iscsi */
    virBufferAdd(&buf, path, -1);
    if (!strchr(path, '/'))
        virBufferAddLit(&buf, "/0");

    return virBufferContentAndReset(&buf);
}


static virStorageBackendVaaiState *
virStorageBackendVaaiStateOpen(virStoragePoolDef *def)
{
    g_autofree char *spec = NULL;
    g_autofree char *shown = NULL;
    g_autoptr(GError) err = NULL;
    virScsiTransportOptions opts = { 0 };
    virStorageBackendVaaiState *state;

    if (!(shown = virStorageBackendVaaiSourceSpec(&def->source, false)) ||
        !(spec = virStorageBackendVaaiSourceSpec(&def->source, true)))
        return NULL;

    opts.initiatorName = def->source.initiator.iqn;

    state = g_new0(virStorageBackendVaaiState, 1);
    if (virMutexInit(&state->lock) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("cannot initialize mutex"));
        g_free(state);
        return NULL;
    }
    state->local = virStorageBackendVaaiSourceIsLocal(&def->source);

    VIR_DEBUG("pool '%s': opening LUN %s", def->name, shown);
    state->lun = virScsiLunOpen(spec, &opts, &err);
    virSecureEraseString(spec);
    if (!state->lun) {
        virStorageBackendVaaiReportGError(NULL, err);
        goto error;
    }

    if (!(state->pool = virStorageVaaiPoolOpen(state->lun, false, &err))) {
        virStorageBackendVaaiReportGError(NULL, err);
        goto error;
    }

    VIR_DEBUG("pool '%s': LUN %s holds vaai pool '%s'%s",
              def->name, shown, state->pool->header.name,
              state->pool->singleHost ? " (single host: no COMPARE AND WRITE)" : "");
    return state;

 error:
    virStorageBackendVaaiStateFree(state);
    return NULL;
}


/* The state of the pool, opened if it is not yet. */
static virStorageBackendVaaiState *
virStorageBackendVaaiStateGet(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    virStorageBackendVaaiState *state;
    VIR_LOCK_GUARD lock = virLockGuardLock(&vaaiStatesLock);

    virUUIDFormat(def->uuid, uuidstr);
    if (!vaaiStates)
        vaaiStates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           virStorageBackendVaaiStateFree);
    if ((state = g_hash_table_lookup(vaaiStates, uuidstr)))
        return state;

    if (!(state = virStorageBackendVaaiStateOpen(def)))
        return NULL;
    g_hash_table_insert(vaaiStates, g_strdup(uuidstr), state);
    return state;
}


static void
virStorageBackendVaaiStateClose(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    VIR_LOCK_GUARD lock = virLockGuardLock(&vaaiStatesLock);

    virUUIDFormat(def->uuid, uuidstr);
    if (vaaiStates)
        g_hash_table_remove(vaaiStates, uuidstr);
}


static char *
virStorageBackendVaaiUUIDFormat(const uint8_t *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(uuid, str);
    return g_strdup(str);
}


/* One volume of the table as libvirt sees it.  The key is the volume's
 * UUID (the same on every host sharing the LUN); the target path names
 * the pool by its on-LUN UUID, vaai://POOL-UUID/NAME, as the volume is no
 * file or device node of its own. */
static virStorageVolDef *
virStorageBackendVaaiVolDef(virStorageBackendVaaiState *state,
                            const virStorageVaaiVolRecord *rec)
{
    g_autoptr(virStorageVolDef) vol = g_new0(virStorageVolDef, 1);
    g_autofree char *poolUuid = NULL;
    uint32_t bs = state->pool->header.blockSize;

    vol->name = g_strdup(rec->name);
    vol->key = virStorageBackendVaaiUUIDFormat(rec->uuid);
    vol->type = state->local ? VIR_STORAGE_VOL_BLOCK : VIR_STORAGE_VOL_NETWORK;
    poolUuid = virStorageBackendVaaiUUIDFormat(state->pool->header.poolUuid);
    vol->target.path = g_strdup_printf("vaai://%s/%s", poolUuid, rec->name);
    vol->target.format = VIR_STORAGE_FILE_RAW;
    vol->target.capacity = rec->capacity;
    /* The extent is reserved for the volume whatever the array maps. */
    vol->target.allocation = rec->extentLength * bs;
    vol->target.physical = rec->extentLength * bs;

    return g_steal_pointer(&vol);
}


static int
virStorageBackendVaaiCheckPool(virStoragePoolObj *obj,
                               bool *isActive)
{
    *isActive = false;

    /* Only a pool that was active before the daemon restarted is checked:
     * it stays active if its LUN still opens as a vaai pool. */
    if (!virStoragePoolObjIsActive(obj))
        return 0;

    if (!virStorageBackendVaaiStateGet(obj))
        return -1;

    *isActive = true;
    return 0;
}


static int
virStorageBackendVaaiStartPool(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);

    /* A pool is started afresh: forget what an earlier run held. */
    virStorageBackendVaaiStateClose(obj);
    if (!virStorageBackendVaaiStateGet(obj))
        return -1;

    VIR_DEBUG("pool '%s' started", def->name);
    return 0;
}


static int
virStorageBackendVaaiRefreshPool(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree virStorageVaaiExtent *used = NULL;
    size_t nused = 0;
    const virStorageVaaiHeader *hdr;
    unsigned long long usedBlocks = 0;
    size_t i;
    uint32_t idx;

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;

    hdr = &state->pool->header;
    VIR_WITH_MUTEX_LOCK_GUARD(&state->lock) {
        table = virStorageVaaiTableNew(hdr);
        if (virStorageVaaiTableRead(state->pool, table, &err) < 0) {
            virStorageBackendVaaiReportGError(_("cannot read the volume table"), err);
            return -1;
        }
    }

    for (idx = 0; idx < table->count; idx++) {
        g_autoptr(virStorageVolDef) vol = NULL;

        if (table->status[idx] != VIR_STORAGE_VAAI_RECORD_VALID) {
            if (virStorageVaaiTableOpaque(table, idx))
                VIR_WARN("pool '%s': volume record %u is %s: %s", def->name, idx,
                         virStorageVaaiRecordStatusName(table->status[idx]),
                         NULLSTR(table->errors[idx]));
            continue;
        }
        if (table->recs[idx].state == VIR_STORAGE_VAAI_VOL_FREE)
            continue;

        vol = virStorageBackendVaaiVolDef(state, &table->recs[idx]);
        if (virStoragePoolObjAddVol(obj, vol) < 0)
            return -1;
        vol = NULL;
    }

    used = virStorageVaaiTableUsedExtents(table, &nused);
    for (i = 0; i < nused; i++)
        usedBlocks += used[i].length;

    def->capacity = (hdr->dataEndLba - hdr->dataLba) * hdr->blockSize;
    def->allocation = MIN(usedBlocks * hdr->blockSize, def->capacity);
    def->available = def->capacity - def->allocation;

    return 0;
}


static int
virStorageBackendVaaiStopPool(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);

    virStorageBackendVaaiStateClose(obj);
    VIR_DEBUG("pool '%s' stopped", def->name);
    return 0;
}


virStorageBackend virStorageBackendVaai = {
    .type = VIR_STORAGE_POOL_VAAI,

    .checkPool = virStorageBackendVaaiCheckPool,
    .startPool = virStorageBackendVaaiStartPool,
    .refreshPool = virStorageBackendVaaiRefreshPool,
    .stopPool = virStorageBackendVaaiStopPool,
};


int
virStorageBackendVaaiRegister(void)
{
    return virStorageBackendRegister(&virStorageBackendVaai);
}
