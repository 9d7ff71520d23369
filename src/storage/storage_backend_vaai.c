/*
 * storage_backend_vaai.c: storage backend for a shared SAN LUN carved into
 *                         volumes with SCSI VAAI primitives
 *
 * A vaai pool is one LUN, formatted by libvirt-vaai (docs/format.md): a
 * local SCSI device (<device path='/dev/...'/>) or an iSCSI LUN (<host/>,
 * <device path='IQN/LUN'/>, <initiator/>, CHAP <auth/>).  Its volumes are
 * extents of the LUN listed in the pool's volume table.
 *
 * This file holds the libvirt callbacks and the state of a started pool;
 * the rest of the backend is one file per concern
 * (storage_backend_vaai_priv.h lists them).  They are built into libvirt
 * by libvirt-vaai's libvirt/build-libvirt, together with the SCSI layer
 * (virscsi*.c) and the pool library (storage_vaai_*.c), which report
 * GError and know nothing of libvirt: errors are converted here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "datatypes.h"
#include "storage_backend.h"
#include "storage_backend_vaai.h"
#define LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
#include "storage_backend_vaai_priv.h"
#include "storage_driver.h"
#include "storage_util.h"
#include "configmake.h"
#include "virerror.h"
#include "virfile.h"
#include "viridentity.h"
#include "virlog.h"
#include "virsecret.h"
#include "virsecureerase.h"
#include "virstring.h"
#include "viruuid.h"

#include "storage_vaai_dm.h"
#include "storage_vaai_erase.h"
#include "storage_vaai_host.h"
#include "storage_vaai_leased.h"
#include "storage_vaai_volume.h"
#include "virscsierror.h"
#include "virscsioffload.h"
#include "virscsipattern.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai");

static virMutex vaaiStatesLock = VIR_MUTEX_INITIALIZER;
static GHashTable *vaaiStates;      /* libvirt pool UUID string -> state */


static void
virStorageBackendVaaiStateFree(void *opaque)
{
    virStorageBackendVaaiState *state = opaque;

    if (!state)
        return;
    virStorageBackendVaaiWatchStop(state);
    virStorageVaaiSessionLeave(state->session);
    virStorageVaaiPoolFree(state->pool);
    virSCSILunFree(state->lun);
    if (state->volStats)
        g_hash_table_unref(state->volStats);
    if (state->held)
        g_array_unref(state->held);
    if (state->building)
        g_hash_table_unref(state->building);
    if (state->buildFailed)
        g_hash_table_unref(state->buildFailed);
    if (state->ownOps)
        g_hash_table_unref(state->ownOps);
    if (state->slots)
        g_hash_table_unref(state->slots);
    if (state->built)
        g_hash_table_unref(state->built);
    virCondDestroy(&state->watchCond);
    virMutexDestroy(&state->watchLock);
    if (state->dmTables)
        g_hash_table_unref(state->dmTables);
    g_free(state->dmDevice);
    g_free(state->dmPoolPrefix);
    virMutexDestroy(&state->dmLock);
    virMutexDestroy(&state->statsLock);
    virMutexDestroy(&state->lock);
    g_free(state);
}


/* The one place where the pool library's and the SCSI layer's error
 * codes become libvirt's: callers of the API decide on these (a missing
 * volume, a volume in use, a fenced host), never on message text. */
static const struct {
    bool scsi;                  /* VIR_SCSI_ERROR, else VIR_STORAGE_VAAI_ERROR */
    int code;
    virErrorNumber number;
} virStorageBackendVaaiErrors[] = {
    { false, VIR_STORAGE_VAAI_ERROR_INVALID_ARG, VIR_ERR_INVALID_ARG },
    { false, VIR_STORAGE_VAAI_ERROR_CORRUPT, VIR_ERR_OPERATION_FAILED },
    { false, VIR_STORAGE_VAAI_ERROR_FOREIGN, VIR_ERR_OPERATION_INVALID },
    { false, VIR_STORAGE_VAAI_ERROR_UNSUPPORTED, VIR_ERR_OPERATION_UNSUPPORTED },
    { false, VIR_STORAGE_VAAI_ERROR_NOT_FOUND, VIR_ERR_NO_STORAGE_VOL },
    { false, VIR_STORAGE_VAAI_ERROR_EXISTS, VIR_ERR_STORAGE_VOL_EXIST },
    { false, VIR_STORAGE_VAAI_ERROR_BUSY, VIR_ERR_RESOURCE_BUSY },
    { false, VIR_STORAGE_VAAI_ERROR_NO_SPACE, VIR_ERR_OPERATION_FAILED },
    { false, VIR_STORAGE_VAAI_ERROR_FENCED, VIR_ERR_OPERATION_ABORTED },
    { false, VIR_STORAGE_VAAI_ERROR_LEASE_TIMEOUT, VIR_ERR_OPERATION_TIMEOUT },
    { false, VIR_STORAGE_VAAI_ERROR_CHANGED, VIR_ERR_OPERATION_FAILED },
    { true, VIR_SCSI_ERROR_INVALID_ARG, VIR_ERR_INVALID_ARG },
    { true, VIR_SCSI_ERROR_UNSUPPORTED, VIR_ERR_OPERATION_UNSUPPORTED },
    { true, VIR_SCSI_ERROR_NO_OFFLOAD, VIR_ERR_OPERATION_UNSUPPORTED },
    { true, VIR_SCSI_ERROR_CANCELLED, VIR_ERR_OPERATION_ABORTED },
    { true, VIR_SCSI_ERROR_FENCED, VIR_ERR_OPERATION_ABORTED },
    { true, VIR_SCSI_ERROR_RESERVATION_CONFLICT, VIR_ERR_OPERATION_ABORTED },
};


virErrorNumber
virStorageBackendVaaiErrorNumber(const GError *err)
{
    size_t i;

    if (!err)
        return VIR_ERR_OPERATION_FAILED;
    for (i = 0; i < G_N_ELEMENTS(virStorageBackendVaaiErrors); i++) {
        GQuark domain = virStorageBackendVaaiErrors[i].scsi ? VIR_SCSI_ERROR :
            VIR_STORAGE_VAAI_ERROR;

        if (err->domain == domain && err->code == virStorageBackendVaaiErrors[i].code)
            return virStorageBackendVaaiErrors[i].number;
    }
    return VIR_ERR_OPERATION_FAILED;
}


/* @what: context the GError's message lacks, or NULL (the SCSI layer's
 * messages name the LUN already). */
void
virStorageBackendVaaiReportGError(const char *what,
                                  const GError *err)
{
    const char *msg = err ? err->message : _("unknown error");
    virErrorNumber number = virStorageBackendVaaiErrorNumber(err);

    if (what)
        virReportError(number, _("%1$s: %2$s"), what, msg);
    else
        virReportError(number, "%s", msg);
}


static bool
virStorageBackendVaaiSourceIsLocal(virStoragePoolSource *src)
{
    return src->ndevice == 1 && src->devices[0].path[0] == '/';
}


/* The CHAP user and secret of the pool's <auth/>, from the secret driver;
 * @user and @secret stay NULL without <auth/>. */
int
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
     * characters cannot be told apart from its syntax ('?' starts its
     * arguments). */
    if (strpbrk(authdef->username, "%@/?") || strpbrk(str, "%@/?")) {
        virSecureErase(str, size);
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool CHAP user name and secret must not contain '%', '@', '/' or '?'"));
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


/* Open and probe the LUN @src names. */
virSCSILun *
virStorageBackendVaaiOpenLunSource(virStoragePoolSource *src,
                                   bool readOnly)
{
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;
    virSCSITransportOptions opts = { 0 };
    virSCSILun *lun;

    if (!(spec = virStorageBackendVaaiSourceSpec(src, true)))
        return NULL;
    opts.initiatorName = src->initiator.iqn;
    opts.readOnly = readOnly;
    lun = virSCSILunOpen(spec, &opts, &err);
    virSecureEraseString(spec);
    if (!lun)
        virStorageBackendVaaiReportGError(NULL, err);
    return lun;
}


/* Open and probe the pool's LUN. */
static virSCSILun *
virStorageBackendVaaiOpenLun(virStoragePoolDef *def)
{
    return virStorageBackendVaaiOpenLunSource(&def->source, false);
}


/* Tell this host's vaai-leased how to reach the pool, so that the vaai
 * lock driver can hold its volumes for domains (docs/lease-daemon.md).
 * Without the daemon nothing can be held, which only matters when
 * qemu.conf selects that lock driver: then starting a domain says so. */
static void
virStorageBackendVaaiLeasedRegister(virStoragePoolDef *def)
{
    const char *socketPath = g_getenv("VAAI_LEASED_SOCKET");
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;
    GVariantBuilder b;

    if (!socketPath)
        socketPath = RUNSTATEDIR "/libvirt-vaai/leased.sock";
    if (!virFileExists(socketPath)) {
        VIR_DEBUG("pool '%s': no vaai-leased at %s: volumes cannot be held for domains",
                  def->name, socketPath);
        return;
    }
    if (!(spec = virStorageBackendVaaiSourceSpec(&def->source, true))) {
        virResetLastError();
        return;
    }
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "op", g_variant_new_string("pool"));
    g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(def->name));
    g_variant_builder_add(&b, "{sv}", "spec", g_variant_new_string(spec));
    if (def->source.initiator.iqn)
        g_variant_builder_add(&b, "{sv}", "initiator",
                              g_variant_new_string(def->source.initiator.iqn));
    virSecureEraseString(spec);
    if (virStorageVaaiLeasedCall(socketPath, g_variant_builder_end(&b), 10000, NULL, &err) < 0)
        VIR_WARN("pool '%s': cannot register with vaai-leased at %s: %s",
                 def->name, socketPath, err->message);
}


/* This host on shared pools: $VAAI_HOST_UUID (set per host by
 * libvirt-vaai's libvirt/run), else /etc/machine-id, as vaai-leased and
 * vaaictl find it (they must agree: the daemon holds this host's volumes
 * under it); libvirt's own host UUID only where neither exists.  A new
 * incarnation for every daemon start. */
static int
virStorageBackendVaaiHost(virStorageVaaiHost *host)
{
    g_autoptr(GError) err = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    if (virStorageVaaiHostInit(host, NULL, NULL, &err))
        return 0;
    if (g_getenv("VAAI_HOST_UUID")) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s", err->message);
        return -1;
    }
    VIR_WARN("%s: using libvirt's host UUID", err->message);
    g_clear_error(&err);
    if (virGetHostUUID(uuid) < 0)
        return -1;
    virUUIDFormat(uuid, uuidstr);
    if (!virStorageVaaiHostInit(host, uuidstr, NULL, &err)) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", err->message);
        return -1;
    }
    return 0;
}


static virStorageBackendVaaiState *
virStorageBackendVaaiStateOpen(virStoragePoolDef *def)
{
    g_autofree char *shown = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiHost host = { 0 };
    virStorageBackendVaaiState *state;

    if (!(shown = virStorageBackendVaaiSourceSpec(&def->source, false)))
        return NULL;

    state = g_new0(virStorageBackendVaaiState, 1);
    if (virMutexInit(&state->lock) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("cannot initialize mutex"));
        g_free(state);
        return NULL;
    }
    if (virMutexInit(&state->statsLock) < 0 ||
        virMutexInit(&state->watchLock) < 0 ||
        virCondInit(&state->watchCond) < 0 ||
        virMutexInit(&state->dmLock) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("cannot initialize mutex"));
        virMutexDestroy(&state->lock);
        g_free(state);
        return NULL;
    }
    state->dmTables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    state->since = g_get_real_time();
    state->volStats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            virStorageBackendVaaiVolStatFree);
    state->building = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    state->buildFailed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    state->ownOps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    state->slots = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    state->built = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    state->local = virStorageBackendVaaiSourceIsLocal(&def->source);

    VIR_DEBUG("pool '%s': opening LUN %s", def->name, shown);
    if (!(state->lun = virStorageBackendVaaiOpenLun(def)))
        goto error;

    if (!(state->pool = virStorageVaaiPoolOpen(state->lun, true, &err))) {
        virStorageBackendVaaiReportGError(NULL, err);
        goto error;
    }
    if (state->pool->singleHost) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("LUN %1$s has no COMPARE AND WRITE: hosts cannot share it, and "
                         "libvirt does not offer single-host vaai pools"), shown);
        goto error;
    }
    if (state->local && virStorageBackendVaaiDmInit(state) < 0)
        goto error;
    if (virStorageBackendVaaiHost(&host) < 0)
        goto error;
    if (!(state->session = virStorageVaaiSessionJoin(state->pool, &host, &err))) {
        virStorageBackendVaaiReportGError(_("cannot join the pool"), err);
        goto error;
    }
    {
        g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
        size_t i;

        /* Finish or roll back what hosts that are gone left behind. */
        if (virStorageVaaiVolRecover(state->session, 0, NULL, NULL, log, &err) < 0) {
            VIR_WARN("pool '%s': recovery: %s", def->name, err->message);
            g_clear_error(&err);
        }
        for (i = 0; i < log->len; i++)
            VIR_INFO("pool '%s': recovered %s", def->name,
                     (const char *)g_ptr_array_index(log, i));
    }

    if (virStorageBackendVaaiWatchStart(state, def) < 0)
        goto error;
    virStorageBackendVaaiLeasedRegister(def);

    VIR_DEBUG("pool '%s': LUN %s holds vaai pool '%s'%s",
              def->name, shown, state->pool->header.name,
              state->pool->singleHost ? " (single host: no COMPARE AND WRITE)" : "");
    return state;

 error:
    virStorageBackendVaaiStateFree(state);
    return NULL;
}


/* The state of the pool, opened if it is not yet.  The opening (a login,
 * joining the pool, recovery) runs without the lock of all pools' states:
 * an array that does not answer must not hold up every other vaai pool.
 * Of two threads opening one pool at once, the first to insert wins and
 * the other's state is closed again. */
virStorageBackendVaaiState *
virStorageBackendVaaiStateGet(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    virStorageBackendVaaiState *state;
    virStorageBackendVaaiState *opened;

    virUUIDFormat(def->uuid, uuidstr);
    VIR_WITH_MUTEX_LOCK_GUARD(&vaaiStatesLock) {
        if (!vaaiStates)
            vaaiStates = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                               virStorageBackendVaaiStateFree);
        if ((state = g_hash_table_lookup(vaaiStates, uuidstr)))
            return state;
    }

    if (!(opened = virStorageBackendVaaiStateOpen(def)))
        return NULL;

    VIR_WITH_MUTEX_LOCK_GUARD(&vaaiStatesLock) {
        if (!(state = g_hash_table_lookup(vaaiStates, uuidstr))) {
            g_hash_table_insert(vaaiStates, g_strdup(uuidstr), opened);
            return opened;
        }
    }
    virStorageBackendVaaiStateFree(opened);
    return state;
}


/* The state of the pool if it is open, else NULL (no error). */
static virStorageBackendVaaiState *
virStorageBackendVaaiStateLookup(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    VIR_LOCK_GUARD lock = virLockGuardLock(&vaaiStatesLock);

    virUUIDFormat(def->uuid, uuidstr);
    return vaaiStates ? g_hash_table_lookup(vaaiStates, uuidstr) : NULL;
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


char *
virStorageBackendVaaiUUIDFormat(const uint8_t *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(uuid, str);
    return g_strdup(str);
}


/* Where each volume's record is, from a whole table just read. */
static void
virStorageBackendVaaiRememberSlots(virStorageBackendVaaiState *state,
                                   const virStorageVaaiTable *table)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);
    uint32_t idx;

    g_hash_table_remove_all(state->slots);
    for (idx = 0; idx < table->count; idx++) {
        if (table->status[idx] == VIR_STORAGE_VAAI_RECORD_VALID &&
            table->recs[idx].state != VIR_STORAGE_VAAI_VOL_FREE)
            g_hash_table_insert(state->slots,
                                virStorageBackendVaaiUUIDFormat(table->recs[idx].uuid),
                                GUINT_TO_POINTER(idx + 1));
    }
}


/* The record a build of @vol by this host just wrote, for the refresh
 * the driver runs next. */
static void
virStorageBackendVaaiRememberBuilt(virStorageBackendVaaiState *state,
                                   const virStorageVolDef *vol,
                                   const virStorageVaaiVolRecord *rec)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);
    virStorageVaaiVolRecord *copy;

    if (!vol->key)
        return;
    copy = g_new0(virStorageVaaiVolRecord, 1);
    *copy = *rec;
    g_hash_table_insert(state->built, g_strdup(vol->key), copy);
}


/* The volume's extent of the LUN, in bytes, in its <source> as a disk
 * pool shows a partition's (<device path='LUN'><extent start end/>): a
 * <disk type='volume'> becomes the LUN with a slice at that offset.  The
 * LUN is named as it was opened, less any iSCSI credentials. */
static void
virStorageBackendVaaiVolSetExtent(virStorageBackendVaaiState *state,
                                  virStorageVolDef *vol,
                                  const virStorageVaaiVolRecord *rec)
{
    uint64_t bs = state->pool->header.blockSize;
    const char *spec = state->lun->spec;
    const char *at;
    const char *slash;
    size_t i;

    for (i = 0; i < vol->source.nextent; i++)
        g_free(vol->source.extents[i].path);
    g_free(vol->source.extents);
    vol->source.extents = g_new0(virStorageVolSourceExtent, 1);
    vol->source.nextent = 1;
    /* iscsi://user%secret@host... (neither may hold '@' or '/') */
    if (STRPREFIX(spec, "iscsi://") && (at = strchr(spec + 8, '@')) &&
        (!(slash = strchr(spec + 8, '/')) || at < slash))
        vol->source.extents[0].path = g_strdup_printf("iscsi://%s", at + 1);
    else
        vol->source.extents[0].path = g_strdup(spec);
    vol->source.extents[0].start = rec->extentStart * bs;
    vol->source.extents[0].end = (rec->extentStart + rec->extentLength) * bs;
}


/* A volume being built (created or cloned), by this host or another. */
static bool
virStorageBackendVaaiRecordBuilding(const virStorageVaaiVolRecord *rec)
{
    return rec->state == VIR_STORAGE_VAAI_VOL_CREATING ||
           rec->state == VIR_STORAGE_VAAI_VOL_CLONING;
}


/* Allocation and physical size of @vol from its record.  The extent is
 * reserved for the volume whatever the array maps, so a ready volume is
 * wholly allocated; one being created or cloned shows as allocated what
 * its worker has done so far (the record's progress, which the pool
 * library writes about once a second), so that vol-info on any host
 * sharing the LUN shows a build grow.  Such a volume is also marked as
 * building, as the driver marks the ones it builds itself (no delete,
 * wipe, resize or clone from it), unless this host builds it: the driver
 * owns the flag of those. */
static void
virStorageBackendVaaiVolSetAllocation(virStorageBackendVaaiState *state,
                                      virStorageVolDef *vol,
                                      const virStorageVaaiVolRecord *rec)
{
    uint64_t bs = state->pool->header.blockSize;
    bool building = virStorageBackendVaaiRecordBuilding(rec);
    bool local = false;

    vol->target.physical = rec->extentLength * bs;
    if (building)
        vol->target.allocation = MIN(rec->progress, rec->extentLength) * bs;
    else
        vol->target.allocation = rec->extentLength * bs;

    VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
        local = vol->key && g_hash_table_contains(state->building, vol->key);
    }
    if (!local)
        vol->building = building;
}


/* A volume's target path names its pool by the pool's on-LUN UUID,
 * vaai://POOL-UUID/NAME: the volume is no file or device node of its own. */
#define VIR_STORAGE_BACKEND_VAAI_PATH_PREFIX "vaai://"

static char *
virStorageBackendVaaiVolPath(virStorageBackendVaaiState *state,
                             const char *name)
{
    g_autofree char *poolUuid = virStorageBackendVaaiUUIDFormat(state->pool->header.poolUuid);

    return g_strdup_printf(VIR_STORAGE_BACKEND_VAAI_PATH_PREFIX "%s/%s", poolUuid, name);
}


/* The target path of the volume @name, key @key: its device-mapper device
 * on a local pool, vaai://POOL-UUID/NAME on an iSCSI one. */
static char *
virStorageBackendVaaiVolTargetPath(virStorageBackendVaaiState *state,
                                   const char *name,
                                   const char *key)
{
    g_autofree char *dmName = NULL;

    if (!state->local)
        return virStorageBackendVaaiVolPath(state, name);
    if (!(dmName = virStorageBackendVaaiDmName(state, key)))
        return NULL;
    return g_strdup_printf("%s/%s", VIR_STORAGE_VAAI_DM_DIR, dmName);
}


/* The on-LUN pool UUID of a vaai volume's target path (vaai://POOL-UUID/NAME
 * or a local pool's /dev/mapper/PREFIX-POOL-UUID-VOL-UUID); NULL if @path
 * is none. */
static char *
virStorageBackendVaaiVolPathPool(const char *path)
{
    const char *start;
    const char *slash;

    if (path && STRPREFIX(path, VIR_STORAGE_VAAI_DM_DIR "/"))
        return virStorageVaaiDmNamePool(path);
    if (!path || !STRPREFIX(path, VIR_STORAGE_BACKEND_VAAI_PATH_PREFIX))
        return NULL;
    start = path + strlen(VIR_STORAGE_BACKEND_VAAI_PATH_PREFIX);
    if (!(slash = strchr(start, '/')))
        return NULL;
    return g_strndup(start, slash - start);
}


/* One volume of the table as libvirt sees it.  The key is the volume's
 * UUID (the same on every host sharing the LUN); the target path is the
 * volume's device-mapper device on a local pool, and on an iSCSI pool
 * names the pool by its on-LUN UUID, vaai://POOL-UUID/NAME, as the volume
 * is no file or device node of its own there. */
static virStorageVolDef *
virStorageBackendVaaiVolDef(virStorageBackendVaaiState *state,
                            const virStorageVaaiVolRecord *rec)
{
    g_autoptr(virStorageVolDef) vol = g_new0(virStorageVolDef, 1);

    vol->name = g_strdup(rec->name);
    vol->key = virStorageBackendVaaiUUIDFormat(rec->uuid);
    vol->type = state->local ? VIR_STORAGE_VOL_BLOCK : VIR_STORAGE_VOL_NETWORK;
    if (!(vol->target.path = virStorageBackendVaaiVolTargetPath(state, rec->name, vol->key)))
        return NULL;
    vol->target.format = VIR_STORAGE_FILE_RAW;
    vol->target.capacity = rec->capacity;
    virStorageBackendVaaiVolSetAllocation(state, vol, rec);
    virStorageBackendVaaiVolSetExtent(state, vol, rec);

    return g_steal_pointer(&vol);
}



/* ---- The backend's XML namespace ----
 *
 * Output only: the pool XML of an active pool ends with <vaai:offload>
 * (storage_backend_vaai_status.c).  The parse hook ignores the element,
 * so a dumped XML defines the same pool; the namespace data is only the
 * pool's UUID, and the element is formatted from the live state, so
 * counters are current without the pool lock. */

typedef struct _virStorageBackendVaaiNsData virStorageBackendVaaiNsData;
struct _virStorageBackendVaaiNsData {
    unsigned char uuid[VIR_UUID_BUFLEN];    /* libvirt's pool UUID */
};


static int
virStorageBackendVaaiNsParse(xmlXPathContextPtr ctxt G_GNUC_UNUSED,
                             void **data)
{
    /* <vaai:offload> is status, not configuration: ignored, so that a
     * dumped XML defines the pool as it was. */
    *data = NULL;
    return 0;
}


static void
virStorageBackendVaaiNsFree(void *nsdata)
{
    g_free(nsdata);
}


static int
virStorageBackendVaaiNsFormat(virBuffer *buf,
                              void *nsdata)
{
    virStorageBackendVaaiNsData *ns = nsdata;
    virStorageBackendVaaiState *state;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    VIR_LOCK_GUARD lock = virLockGuardLock(&vaaiStatesLock);

    virUUIDFormat(ns->uuid, uuidstr);
    if (!vaaiStates || !(state = g_hash_table_lookup(vaaiStates, uuidstr)))
        return 0;

    virStorageBackendVaaiFormatOffload(buf, state);
    return 0;
}


static virXMLNamespace virStoragePoolVaaiXMLNamespace = {
    .parse = virStorageBackendVaaiNsParse,
    .free = virStorageBackendVaaiNsFree,
    .format = virStorageBackendVaaiNsFormat,
    .prefix = "vaai",
    .uri = VIR_STORAGE_BACKEND_VAAI_NS_URI,
};


/* Show the offload status in the XML of the started pool (pool locked). */
static void
virStorageBackendVaaiNsAttach(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiNsData *ns;

    if (def->namespaceData)
        return;
    def->ns = virStoragePoolVaaiXMLNamespace;
    ns = g_new0(virStorageBackendVaaiNsData, 1);
    memcpy(ns->uuid, def->uuid, VIR_UUID_BUFLEN);
    def->namespaceData = ns;
}


static void
virStorageBackendVaaiNsDetach(virStoragePoolObj *obj)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);

    if (def->namespaceData && def->ns.free)
        (def->ns.free)(def->namespaceData);
    def->namespaceData = NULL;
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
    virStorageBackendVaaiNsAttach(obj);

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
    virStorageBackendVaaiNsAttach(obj);

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
    virStorageBackendVaaiNsAttach(obj);
    virStorageBackendVaaiPruneVolStats(state, table);
    virStorageBackendVaaiRememberSlots(state, table);
    virStorageBackendVaaiReadHolders(state, table);

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

        if (!(vol = virStorageBackendVaaiVolDef(state, &table->recs[idx])) ||
            virStoragePoolObjAddVol(obj, vol) < 0)
            return -1;
        vol = NULL;
    }
    if (virStorageBackendVaaiDmRefresh(state, def->name, table) < 0)
        return -1;

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
    virStorageBackendVaaiState *state;

    /* A local pool's volume devices go with it, none while one is open. */
    if ((state = virStorageBackendVaaiStateLookup(obj)) &&
        virStorageBackendVaaiDmRemoveAll(state) < 0)
        return -1;
    virStorageBackendVaaiStateClose(obj);
    virStorageBackendVaaiNsDetach(obj);
    VIR_DEBUG("pool '%s' stopped", def->name);
    return 0;
}


/* The state of the started vaai pool whose on-LUN UUID @poolUuid is (a
 * clone's source may be in another pool), or NULL. */
static virStorageBackendVaaiState *
virStorageBackendVaaiStateByPoolUuid(const char *poolUuid)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&vaaiStatesLock);
    GHashTableIter iter;
    gpointer value;

    if (!vaaiStates)
        return NULL;
    g_hash_table_iter_init(&iter, vaaiStates);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        virStorageBackendVaaiState *state = value;
        g_autofree char *uuid = virStorageBackendVaaiUUIDFormat(state->pool->header.poolUuid);

        if (STREQ(uuid, poolUuid))
            return state;
    }
    return NULL;
}


void
virStorageBackendVaaiLogReport(const char *what,
                               const char *pool,
                               const char *vol,
                               const virSCSIReport *report)
{
    VIR_INFO("pool '%s' volume '%s': %s: %llu blocks done, %llu offloaded, "
             "%llu bytes through the host, %llu link commands",
             pool, vol, what, (unsigned long long)report->doneBlocks,
             (unsigned long long)virSCSIReportOffloadedBlocks(report),
             (unsigned long long)(report->methods[VIR_SCSI_METHOD_HOST].hostBytes),
             (unsigned long long)report->link.commands);
}


/* Every volume operation of this host's callbacks runs between these:
 * the watcher takes its changes of @vol for this host's while it runs;
 * afterwards its report is logged and counted, and a pool event tells
 * `virsh pool-event` that it finished. */
static void
virStorageBackendVaaiOpBegin(virStorageBackendVaaiState *state,
                             const virStorageVolDef *vol,
                             virSCSIReport *report)
{
    virSCSIReportInit(report);
    virStorageBackendVaaiOwnBegin(state, vol->key);
}


static void
virStorageBackendVaaiOpEnd(virStoragePoolObj *obj,
                           virStorageBackendVaaiState *state,
                           virStorageBackendVaaiOp op,
                           const virStorageVolDef *vol,
                           virSCSIReport *report,
                           bool failed)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);

    virStorageBackendVaaiLogReport(virStorageBackendVaaiOpName(op), def->name,
                                   vol->name, report);
    virStorageBackendVaaiOwnEnd(state, vol->key);
    virStorageBackendVaaiAccount(state, op, vol, report, failed);
    virStorageDriverEmitPoolRefresh(obj);
    virSCSIReportClear(report);
}


/* Quick and with the pool locked: name the volume.  Its key is the UUID
 * buildVol gives it on the LUN, so it is the same on every host. */
static int
virStorageBackendVaaiCreateVol(virStoragePoolObj *obj,
                               virStorageVolDef *vol)
{
    virStorageBackendVaaiState *state;
    g_autoptr(GError) err = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autofree char *poolUuid = NULL;

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
    if (!virStorageVaaiVolNameValid(vol->name, &err)) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", err->message);
        return -1;
    }
    /* A vaai volume is an extent of the LUN that the array copies,
     * zeroes and unmaps block for block: a qcow2 or other image format
     * inside it would make those offloads wrong, so it is refused, not
     * quietly turned into raw. */
    if (vol->target.format != VIR_STORAGE_FILE_NONE &&
        vol->target.format != VIR_STORAGE_FILE_RAW) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("volume format '%1$s' is not supported: vaai volumes are raw extents of the LUN (use format 'raw' or none)"),
                       virStorageFileFormatTypeToString(vol->target.format));
        return -1;
    }
    if (virUUIDGenerate(uuid) < 0)
        return -1;
    vol->type = state->local ? VIR_STORAGE_VOL_BLOCK : VIR_STORAGE_VOL_NETWORK;
    vol->target.format = VIR_STORAGE_FILE_RAW;
    g_free(vol->key);
    vol->key = virStorageBackendVaaiUUIDFormat(uuid);
    g_free(vol->target.path);
    if (!(vol->target.path = virStorageBackendVaaiVolTargetPath(state, vol->name, vol->key)))
        return -1;
    return 0;
}


static int
virStorageBackendVaaiOptions(virStorageVolDef *vol,
                             virStorageVaaiOpOptions *opts,
                             unsigned char *uuid)
{
    memset(opts, 0, sizeof(*opts));
    if (vol && vol->key) {
        if (virUUIDParse(vol->key, uuid) < 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("volume key '%1$s' is not a UUID"), vol->key);
            return -1;
        }
        opts->uuid = uuid;
    }
    return 0;
}


/* Whether this host builds @vol: the driver then owns its building flag. */
static void
virStorageBackendVaaiSetBuilding(virStorageBackendVaaiState *state,
                                 const virStorageVolDef *vol,
                                 bool building)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    if (!vol->key)
        return;
    if (building)
        g_hash_table_add(state->building, g_strdup(vol->key));
    else
        g_hash_table_remove(state->building, vol->key);
}


/* The end of a build of @vol, and whether it failed: the driver then
 * deletes the volume, and that delete must neither touch the LUN (a failed
 * build has rolled its record back, or left it to recovery) nor replace
 * the build's error with its own (an unreachable array's). */
static void
virStorageBackendVaaiEndBuilding(virStorageBackendVaaiState *state,
                                 const virStorageVolDef *vol,
                                 bool failed)
{
    virStorageBackendVaaiSetBuilding(state, vol, false);
    if (failed && vol->key) {
        VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

        g_hash_table_add(state->buildFailed, g_strdup(vol->key));
    }
}


/* Whether @vol is one whose build just failed on this host (forgotten as
 * it is asked: the driver deletes it once). */
static bool
virStorageBackendVaaiTakeBuildFailed(virStorageBackendVaaiState *state,
                                     const virStorageVolDef *vol)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    return vol->key && g_hash_table_remove(state->buildFailed, vol->key);
}


/* Without the pool lock: zero the new extent through the engine. */
static int
virStorageBackendVaaiBuildVol(virStoragePoolObj *obj,
                              virStorageVolDef *vol,
                              unsigned int flags)
{
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord rec;
    virSCSIReport report;
    int ret;

    /* PREALLOC_METADATA (virt-install asks for it) preallocates an image
     * format's metadata; a raw extent has none, and its blocks are the
     * LUN's from the start. */
    virCheckFlags(VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA, -1);

    if (!(state = virStorageBackendVaaiStateGet(obj)) ||
        virStorageBackendVaaiOptions(vol, &opts, uuid) < 0)
        return -1;

    virStorageBackendVaaiSetBuilding(state, vol, true);
    virStorageBackendVaaiOpBegin(state, vol, &report);
    ret = virStorageVaaiVolCreate(state->session, vol->name, vol->target.capacity,
                                  &opts, &report, &rec, &err);
    if (ret == 0)
        virStorageBackendVaaiRememberBuilt(state, vol, &rec);
    virStorageBackendVaaiEndBuilding(state, vol, ret < 0);
    virStorageBackendVaaiOpEnd(obj, state, VIR_STORAGE_BACKEND_VAAI_OP_CREATE, vol,
                               &report, ret < 0);
    if (ret < 0)
        virStorageBackendVaaiReportGError(_("cannot create the volume"), err);
    return ret;
}


/* Copy commands a clone keeps in flight: $VAAI_COPY_INFLIGHT in the
 * daemon's environment (1..32), else the engine's default.  One makes a
 * clone's progress advance command by command (arrays that serialise
 * EXTENDED COPY anyway; the smoke test watches a clone grow with it). */
static unsigned int
virStorageBackendVaaiCopyInflight(void)
{
    const char *env = g_getenv("VAAI_COPY_INFLIGHT");
    unsigned int n;

    if (!env)
        return 0;
    if (virStrToLong_ui(env, NULL, 10, &n) < 0 || n == 0) {
        VIR_WARN("VAAI_COPY_INFLIGHT '%s' is not a positive number: ignored", env);
        return 0;
    }
    return n;
}


/* Without the pool lock: clone @inputvol (in this pool or another vaai
 * pool on the same array) by EXTENDED COPY.  The driver passes the new
 * volume first, whatever the typedef's names say. */
static int
virStorageBackendVaaiBuildVolFrom(virStoragePoolObj *obj,
                                  virStorageVolDef *vol,
                                  virStorageVolDef *inputvol,
                                  unsigned int flags)
{
    virStorageBackendVaaiState *state;
    virStorageBackendVaaiState *src;
    virStorageVaaiOpOptions opts;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(GError) err = NULL;
    g_autofree char *srcPool = NULL;
    virStorageVaaiVolRecord rec;
    virSCSIReport report;
    int ret;

    virCheckFlags(VIR_STORAGE_VOL_CREATE_REFLINK |
                  VIR_STORAGE_VOL_CREATE_PREALLOC_METADATA, -1);

    if (!(state = virStorageBackendVaaiStateGet(obj)) ||
        virStorageBackendVaaiOptions(vol, &opts, uuid) < 0)
        return -1;
    /* --reflink: share data or fail; here, offload or fail. */
    if (flags & VIR_STORAGE_VOL_CREATE_REFLINK)
        opts.flags |= VIR_STORAGE_VAAI_OP_NO_HOST;
    opts.inflight = virStorageBackendVaaiCopyInflight();

    if (!(srcPool = virStorageBackendVaaiVolPathPool(inputvol->target.path))) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                       _("vaai pools clone only vaai volumes, not '%1$s'"),
                       NULLSTR(inputvol->target.path));
        return -1;
    }
    if (!(src = virStorageBackendVaaiStateByPoolUuid(srcPool))) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("the pool of volume '%1$s' is not active on this host"),
                       inputvol->name);
        return -1;
    }

    virStorageBackendVaaiSetBuilding(state, vol, true);
    virStorageBackendVaaiOpBegin(state, vol, &report);
    ret = virStorageVaaiVolClone(state->session, src->pool, inputvol->name, vol->name,
                                 vol->target.capacity, &opts, &report, &rec, &err);
    if (ret == 0)
        virStorageBackendVaaiRememberBuilt(state, vol, &rec);
    virStorageBackendVaaiEndBuilding(state, vol, ret < 0);
    virStorageBackendVaaiOpEnd(obj, state, VIR_STORAGE_BACKEND_VAAI_OP_CLONE, vol,
                               &report, ret < 0);
    if (ret < 0)
        virStorageBackendVaaiReportGError(_("cannot clone the volume"), err);
    return ret;
}


/* The record of @vol as it is on the LUN now, read as cheaply as can be
 * trusted: the record this host's build of it just wrote (the driver
 * refreshes a volume right after building it), else the one block of the
 * record's slot when the slot still holds this volume (its UUID, the
 * volume's key, and its name), else the whole table, which also tells
 * every volume's slot anew.  A whole table is 1024 blocks: refreshing a
 * volume that way for every clone and create was most of their link
 * traffic. */
static int
virStorageBackendVaaiReadVolRecord(virStorageBackendVaaiState *state,
                                   const virStorageVolDef *vol,
                                   virStorageVaaiVolRecord *rec)
{
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    const virStorageVaaiVolRecord *built;
    bool wasBuilt = false;
    unsigned char key[VIR_UUID_BUFLEN];
    guint slot = 0;
    int idx;

    VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
        if (vol->key && (built = g_hash_table_lookup(state->built, vol->key))) {
            *rec = *built;
            wasBuilt = true;
            g_hash_table_remove(state->built, vol->key);
        } else if (vol->key) {
            slot = GPOINTER_TO_UINT(g_hash_table_lookup(state->slots, vol->key));
        }
    }
    if (wasBuilt)
        return 0;

    if (slot > 0 && virUUIDParse(vol->key, key) == 0) {
        int status = virStorageVaaiTableReadRecord(state->pool, slot - 1, rec, &err);

        if (status < 0) {
            virStorageBackendVaaiReportGError(_("cannot read the volume's record"), err);
            return -1;
        }
        if (status == VIR_STORAGE_VAAI_RECORD_VALID &&
            rec->state != VIR_STORAGE_VAAI_VOL_FREE &&
            memcmp(rec->uuid, key, VIR_UUID_BUFLEN) == 0 &&
            STREQ(rec->name, vol->name))
            return 0;
        VIR_DEBUG("volume '%s': record %u holds another volume now: reading the table",
                  vol->name, slot - 1);
    }

    table = virStorageVaaiTableNew(&state->pool->header);
    if (virStorageVaaiTableRead(state->pool, table, &err) < 0) {
        virStorageBackendVaaiReportGError(_("cannot read the volume table"), err);
        return -1;
    }
    virStorageBackendVaaiRememberSlots(state, table);
    if ((idx = virStorageVaaiTableFindName(table, vol->name)) < 0) {
        virReportError(VIR_ERR_NO_STORAGE_VOL,
                       _("no volume '%1$s' on the LUN"), vol->name);
        return -1;
    }
    *rec = table->recs[idx];
    return 0;
}


/* A volume's key is its UUID on the LUN: what every operation on an
 * existing volume names it by, beside its name. */
static int
virStorageBackendVaaiVolUuid(const virStorageVolDef *vol,
                             unsigned char *uuid)
{
    if (!vol->key || virUUIDParse(vol->key, uuid) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("volume '%1$s' has no valid key"), vol->name);
        return -1;
    }
    return 0;
}


static int
virStorageBackendVaaiRefreshVol(virStoragePoolObj *obj,
                                virStorageVolDef *vol)
{
    virStorageBackendVaaiState *state;
    virStorageBackendVaaiState *other;
    g_autofree char *poolUuid = NULL;
    virStorageVaaiVolRecord rec;

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
    /* The driver also refreshes a clone's source with the target pool. */
    if ((poolUuid = virStorageBackendVaaiVolPathPool(vol->target.path)) &&
        (other = virStorageBackendVaaiStateByPoolUuid(poolUuid)))
        state = other;
    if (virStorageBackendVaaiReadVolRecord(state, vol, &rec) < 0)
        return -1;
    vol->target.capacity = rec.capacity;
    virStorageBackendVaaiVolSetAllocation(state, vol, &rec);
    virStorageBackendVaaiVolSetExtent(state, vol, &rec);
    return virStorageBackendVaaiDmSyncVol(state, &rec);
}


static int
virStorageBackendVaaiDeleteVol(virStoragePoolObj *obj,
                               virStorageVolDef *vol,
                               unsigned int flags)
{
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts = { 0 };
    g_autoptr(GError) err = NULL;
    g_autofree char *dmName = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virSCSIReport report;
    int ret;

    virCheckFlags(VIR_STORAGE_VOL_DELETE_ZEROED, -1);

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
    /* The driver's cleanup after a build of ours that failed: nothing of
     * it is left to delete, and the build's error is the one to report. */
    if (virStorageBackendVaaiTakeBuildFailed(state, vol))
        return 0;
    if (flags & VIR_STORAGE_VOL_DELETE_ZEROED)
        opts.flags |= VIR_STORAGE_VAAI_OP_ZERO;
    /* A local volume's device goes first (refused while it is open), so
     * that nothing opens it while its extent is released. */
    if (state->local) {
        if (!(dmName = virStorageBackendVaaiDmName(state, vol->key)))
            return -1;
        VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
            if (virStorageBackendVaaiDmRemove(dmName, vol->name, "delete") < 0)
                return -1;
            g_hash_table_remove(state->dmTables, dmName);
        }
    }

    /* By its key: when a clone fails because another host made a volume
     * of that name meanwhile, libvirt deletes "the volume" it meant to
     * build, which must not be that host's. */
    if (virStorageBackendVaaiVolUuid(vol, uuid) < 0)
        return -1;
    opts.uuid = uuid;
    virStorageBackendVaaiOpBegin(state, vol, &report);
    ret = virStorageVaaiVolDelete(state->session, vol->name, &opts, &report, &err);
    virStorageBackendVaaiOpEnd(obj, state, VIR_STORAGE_BACKEND_VAAI_OP_DELETE, vol,
                               &report, ret < 0);
    if (ret < 0) {
        /* A volume that an unfinished build left behind, or never made
         * (the name was taken), is already gone. */
        if (!g_error_matches(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND)) {
            virStorageBackendVaaiReportGError(_("cannot delete the volume"), err);
            /* still there: give it its device back */
            if (state->local) {
                virErrorPtr saved;

                virErrorPreserveLast(&saved);
                if (virStorageBackendVaaiRefreshVol(obj, vol) < 0)
                    VIR_WARN("volume '%s': %s", vol->name, virGetLastErrorMessage());
                virErrorRestore(&saved);
            }
            return -1;
        }
    }
    return 0;
}


static int
virStorageBackendVaaiWipeVol(virStoragePoolObj *obj,
                             virStorageVolDef *vol,
                             unsigned int algorithm,
                             unsigned int flags)
{
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts = { 0 };
    g_autoptr(GError) err = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virSCSIReport report;
    const char *passes = NULL;
    int ret;

    virCheckFlags(0, -1);

    /* zero and trim are offloaded (WRITE SAME or unmap-as-zero, UNMAP);
     * the others are scrub's passes (as virStorageBackendVolWipeLocal runs
     * `scrub -p NAME`), written by the host. */
    switch ((virStorageVolWipeAlgorithm) algorithm) {
    case VIR_STORAGE_VOL_WIPE_ALG_ZERO:
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_TRIM:
        opts.flags |= VIR_STORAGE_VAAI_OP_TRIM;
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_NNSA:
        passes = "nnsa";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_DOD:
        passes = "dod";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_BSI:
        passes = "bsi";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_GUTMANN:
        passes = "gutmann";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_SCHNEIER:
        passes = "schneier";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_PFITZNER7:
        passes = "pfitzner7";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_PFITZNER33:
        passes = "pfitzner33";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_RANDOM:
        passes = "random";
        break;
    case VIR_STORAGE_VOL_WIPE_ALG_LAST:
    default:
        virReportError(VIR_ERR_INVALID_ARG,
                       _("unsupported vol wipe algorithm %1$u"), algorithm);
        return -1;
    }
    if (passes && !(opts.algorithm = virSCSIPatternLookup(passes))) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("no overwrite passes for wipe algorithm '%1$s'"), passes);
        return -1;
    }

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
    if (state->local) {
        g_autofree char *dmName = NULL;

        if (!(dmName = virStorageBackendVaaiDmName(state, vol->key)) ||
            virStorageBackendVaaiDmCheckUnused(dmName, vol->name, "wipe") < 0)
            return -1;
    }
    if (virStorageBackendVaaiVolUuid(vol, uuid) < 0)
        return -1;
    opts.uuid = uuid;
    virStorageBackendVaaiOpBegin(state, vol, &report);
    ret = virStorageVaaiVolWipe(state->session, vol->name, &opts, &report, &err);
    virStorageBackendVaaiOpEnd(obj, state, VIR_STORAGE_BACKEND_VAAI_OP_WIPE, vol,
                               &report, ret < 0);
    if (ret < 0)
        virStorageBackendVaaiReportGError(_("cannot wipe the volume"), err);
    return ret;
}


static int
virStorageBackendVaaiResizeVol(virStoragePoolObj *obj,
                               virStorageVolDef *vol,
                               unsigned long long capacity,
                               unsigned int flags)
{
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts = { 0 };
    virStorageVaaiVolRecord rec;
    g_autoptr(GError) err = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    virSCSIReport report;
    int ret;

    virCheckFlags(VIR_STORAGE_VOL_RESIZE_ALLOCATE |
                  VIR_STORAGE_VOL_RESIZE_DELTA |
                  VIR_STORAGE_VOL_RESIZE_SHRINK, -1);

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
    if (flags & VIR_STORAGE_VOL_RESIZE_SHRINK)
        opts.flags |= VIR_STORAGE_VAAI_OP_SHRINK;
    /* A local volume in use may only grow in place. */
    if (state->local) {
        g_autofree char *dmName = NULL;

        if (!(dmName = virStorageBackendVaaiDmName(state, vol->key)))
            return -1;
        if (virStorageBackendVaaiDmOpenCount(dmName) > 0) {
            if (capacity < vol->target.capacity &&
                virStorageBackendVaaiDmCheckUnused(dmName, vol->name, "shrink") < 0)
                return -1;
            opts.flags |= VIR_STORAGE_VAAI_OP_NO_MOVE;
        }
    }

    if (virStorageBackendVaaiVolUuid(vol, uuid) < 0)
        return -1;
    opts.uuid = uuid;
    virStorageBackendVaaiOpBegin(state, vol, &report);
    ret = virStorageVaaiVolResize(state->session, vol->name, capacity, &opts,
                                  &report, &rec, &err);
    virStorageBackendVaaiOpEnd(obj, state, VIR_STORAGE_BACKEND_VAAI_OP_RESIZE, vol,
                               &report, ret < 0);
    if (ret < 0) {
        virStorageBackendVaaiReportGError((opts.flags & VIR_STORAGE_VAAI_OP_NO_MOVE) ?
                                          _("cannot resize the volume, which is in use "
                                            "(its device is open): it may only grow in place") :
                                          _("cannot resize the volume"), err);
        return -1;
    }
    vol->target.capacity = rec.capacity;
    vol->target.allocation = rec.extentLength * state->pool->header.blockSize;
    return virStorageBackendVaaiDmSyncVol(state, &rec);
}


/* Format the LUN as a vaai pool.  A LUN that carries anything (a
 * partition table, LVM, a file system, another pool) is refused unless
 * --overwrite; of two hosts building at once only one succeeds. */
static int
virStorageBackendVaaiBuildPool(virStoragePoolObj *obj,
                               unsigned int flags)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiFormatOptions opts = { 0 };
    virStorageVaaiHeader header;
    virStorageVaaiHost host = { 0 };

    virCheckFlags(VIR_STORAGE_POOL_BUILD_OVERWRITE |
                  VIR_STORAGE_POOL_BUILD_NO_OVERWRITE, -1);
    VIR_EXCLUSIVE_FLAGS_RET(VIR_STORAGE_POOL_BUILD_OVERWRITE,
                            VIR_STORAGE_POOL_BUILD_NO_OVERWRITE, -1);

    if (virStorageBackendVaaiHost(&host) < 0 ||
        !(lun = virStorageBackendVaaiOpenLun(def)))
        return -1;

    opts.name = def->name;
    opts.hostUuid = host.uuid;
    opts.force = !!(flags & VIR_STORAGE_POOL_BUILD_OVERWRITE);
    if (virStorageVaaiPoolFormat(lun, &opts, &header, &err) < 0) {
        virStorageBackendVaaiReportGError(_("cannot build the pool"), err);
        return -1;
    }
    VIR_INFO("pool '%s': formatted, data area %llu blocks of %u bytes", def->name,
             (unsigned long long)(header.dataEndLba - header.dataLba), header.blockSize);
    return 0;
}


/* Erase the pool's metadata (the LUN is then no pool), as a member of the
 * pool under its lease; refused while it holds volumes or another host
 * uses it (virStorageVaaiPoolErase). */
static int
virStorageBackendVaaiDeletePool(virStoragePoolObj *obj,
                                unsigned int flags)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    virStorageVaaiHost host = { 0 };

    virCheckFlags(0, -1);

    if (virStorageBackendVaaiHost(&host) < 0 ||
        !(lun = virStorageBackendVaaiOpenLun(def)))
        return -1;
    if (!(pool = virStorageVaaiPoolOpen(lun, true, &err))) {
        virStorageBackendVaaiReportGError(NULL, err);
        return -1;
    }
    if (virStorageVaaiPoolErase(pool, &host, VIR_STORAGE_VAAI_LEASE_WAIT_MS,
                                &err) < 0) {
        virStorageBackendVaaiReportGError(_("cannot delete the pool"), err);
        return -1;
    }
    return 0;
}


virStorageBackend virStorageBackendVaai = {
    .type = VIR_STORAGE_POOL_VAAI,

    .checkPool = virStorageBackendVaaiCheckPool,
    .buildPool = virStorageBackendVaaiBuildPool,
    .deletePool = virStorageBackendVaaiDeletePool,
    .findPoolSources = virStorageBackendVaaiFindPoolSources,
    .startPool = virStorageBackendVaaiStartPool,
    .refreshPool = virStorageBackendVaaiRefreshPool,
    .stopPool = virStorageBackendVaaiStopPool,

    .createVol = virStorageBackendVaaiCreateVol,
    .buildVol = virStorageBackendVaaiBuildVol,
    .buildVolFrom = virStorageBackendVaaiBuildVolFrom,
    .refreshVol = virStorageBackendVaaiRefreshVol,
    .deleteVol = virStorageBackendVaaiDeleteVol,
    .wipeVol = virStorageBackendVaaiWipeVol,
    .resizeVol = virStorageBackendVaaiResizeVol,
    .uploadVol = virStorageBackendVaaiUploadVol,
    .downloadVol = virStorageBackendVaaiDownloadVol,
};


int
virStorageBackendVaaiRegister(void)
{
    if (virStorageBackendRegister(&virStorageBackendVaai) < 0)
        return -1;

    return virStorageBackendNamespaceInit(VIR_STORAGE_POOL_VAAI,
                                          &virStoragePoolVaaiXMLNamespace);
}
