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

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "datatypes.h"
#include "storage_backend.h"
#include "storage_backend_vaai.h"
#include "storage_conf.h"
#include "storage_driver.h"
#include "storage_util.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfdstream.h"
#include "virfile.h"
#include "viridentity.h"
#include "virlog.h"
#include "virsecret.h"
#include "virsecureerase.h"
#include "virstring.h"
#include "virthread.h"
#include "viruuid.h"

#include "storage_vaai_dm.h"
#include "storage_vaai_pool.h"
#include "storage_vaai_table.h"
#include "storage_vaai_volume.h"
#include "virscsicommands.h"
#include "virscsilun.h"
#include "virscsioffload.h"

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

/* The volume operations this host's callbacks run, as counted in the
 * pool XML's <vaai:offload>. */
typedef enum {
    VIR_STORAGE_BACKEND_VAAI_OP_CREATE,
    VIR_STORAGE_BACKEND_VAAI_OP_CLONE,
    VIR_STORAGE_BACKEND_VAAI_OP_WIPE,
    VIR_STORAGE_BACKEND_VAAI_OP_RESIZE,
    VIR_STORAGE_BACKEND_VAAI_OP_DELETE,
    VIR_STORAGE_BACKEND_VAAI_OP_UPLOAD,
    VIR_STORAGE_BACKEND_VAAI_OP_DOWNLOAD,

    VIR_STORAGE_BACKEND_VAAI_OP_LAST
} virStorageBackendVaaiOp;

static const char *const virStorageBackendVaaiOpNames[VIR_STORAGE_BACKEND_VAAI_OP_LAST] = {
    [VIR_STORAGE_BACKEND_VAAI_OP_CREATE] = "create",
    [VIR_STORAGE_BACKEND_VAAI_OP_CLONE] = "clone",
    [VIR_STORAGE_BACKEND_VAAI_OP_WIPE] = "wipe",
    [VIR_STORAGE_BACKEND_VAAI_OP_RESIZE] = "resize",
    [VIR_STORAGE_BACKEND_VAAI_OP_DELETE] = "delete",
    [VIR_STORAGE_BACKEND_VAAI_OP_UPLOAD] = "upload",
    [VIR_STORAGE_BACKEND_VAAI_OP_DOWNLOAD] = "download",
};

/* What the operations of one kind did, summed from their reports. */
typedef struct _virStorageBackendVaaiCounters virStorageBackendVaaiCounters;
struct _virStorageBackendVaaiCounters {
    uint64_t operations;
    uint64_t failed;
    uint64_t blocks;                /* done by any method (skipped included) */
    uint64_t offloadedBlocks;       /* that no host data movement carried */
    uint64_t hostBytes;             /* data moved through the host */
    uint64_t linkCommands;          /* what crossed the link */
    uint64_t linkBytes;
    virScsiMethodStats methods[VIR_SCSI_METHOD_LAST];
};

/* How a volume was last built, cloned or wiped on this host. */
typedef struct _virStorageBackendVaaiVolStat virStorageBackendVaaiVolStat;
struct _virStorageBackendVaaiVolStat {
    char *key;
    char *name;
    virStorageBackendVaaiOp op;
    bool failed;
    virScsiMethod method;           /* the method that did most blocks */
    virScsiMethod planned;          /* what the plan chose */
    char *methods;                  /* every method that did blocks, "a,b" */
    uint64_t blocks;
    uint64_t offloadedBlocks;
    uint64_t hostBytes;
    uint64_t linkBytes;
    gint64 finished;                /* real time, us */
    gint64 elapsedUs;
};

/* A volume this host's callbacks change: running operations, and when
 * the last one ended (monotonic us), so that the watcher tells this
 * host's own changes from other hosts'. */
typedef struct _virStorageBackendVaaiOwnOp virStorageBackendVaaiOwnOp;
struct _virStorageBackendVaaiOwnOp {
    unsigned int running;
    gint64 ended;
};

/* What the watcher shares with the refresh threads it starts, which may
 * outlive the pool's state: reference counted. */
typedef struct _virStorageBackendVaaiWatch virStorageBackendVaaiWatch;
struct _virStorageBackendVaaiWatch {
    int refs;                              /* atomic */
    unsigned char uuid[VIR_UUID_BUFLEN];   /* libvirt's UUID of the pool */
    int retry;                             /* atomic: the refresh passed */
};

struct _virStorageBackendVaaiState {
    virMutex lock;
    virScsiLun *lun;
    virStorageVaaiPool *pool;
    virStorageVaaiSession *session; /* this host's heartbeat and lease */
    bool local;                     /* a device path, not iSCSI */

    /* What the volume callbacks did since the pool started on this host;
     * guarded by statsLock, as the callbacks run without the pool lock. */
    virMutex statsLock;
    gint64 since;                   /* real time, us */
    virStorageBackendVaaiCounters counters[VIR_STORAGE_BACKEND_VAAI_OP_LAST];
    GHashTable *volStats;           /* volume key -> virStorageBackendVaaiVolStat */
    GHashTable *building;           /* keys of the volumes this host builds */
    GHashTable *ownOps;             /* volume key -> virStorageBackendVaaiOwnOp */

    /* The watcher of changes made by other hosts (see below). */
    virThread watchThread;
    bool watching;
    virScsiLun *watchLun;           /* the watcher's own session */
    virStorageVaaiPool *watchPool;
    virMutex watchLock;
    virCond watchCond;
    bool watchStop;                 /* guarded by watchLock */
    virStorageBackendVaaiWatch *watch;

    /* Local pools: a device-mapper device per volume (see "Device-mapper
     * devices" below); guarded by dmLock. */
    virMutex dmLock;
    char *dmDevice;                 /* the LUN's block device, MAJOR:MINOR */
    char *dmPoolPrefix;             /* PREFIX-POOLUUID-: this pool's names */
    GHashTable *dmTables;           /* name -> table this host loaded */
};

static virMutex vaaiStatesLock = VIR_MUTEX_INITIALIZER;
static GHashTable *vaaiStates;      /* libvirt pool UUID string -> state */

static int virStorageBackendVaaiWatchStart(virStorageBackendVaaiState *state,
                                           virStoragePoolDef *def);
static void virStorageBackendVaaiWatchStop(virStorageBackendVaaiState *state);


static void
virStorageBackendVaaiVolStatFree(void *opaque)
{
    virStorageBackendVaaiVolStat *stat = opaque;

    if (!stat)
        return;
    g_free(stat->key);
    g_free(stat->name);
    g_free(stat->methods);
    g_free(stat);
}


static void
virStorageBackendVaaiStateFree(void *opaque)
{
    virStorageBackendVaaiState *state = opaque;

    if (!state)
        return;
    virStorageBackendVaaiWatchStop(state);
    virStorageVaaiSessionLeave(state->session);
    virStorageVaaiPoolFree(state->pool);
    virScsiLunFree(state->lun);
    if (state->volStats)
        g_hash_table_unref(state->volStats);
    if (state->building)
        g_hash_table_unref(state->building);
    if (state->ownOps)
        g_hash_table_unref(state->ownOps);
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
static virScsiLun *
virStorageBackendVaaiOpenLunSource(virStoragePoolSource *src,
                                   bool readOnly)
{
    g_autofree char *spec = NULL;
    g_autoptr(GError) err = NULL;
    virScsiTransportOptions opts = { 0 };
    virScsiLun *lun;

    if (!(spec = virStorageBackendVaaiSourceSpec(src, true)))
        return NULL;
    opts.initiatorName = src->initiator.iqn;
    opts.readOnly = readOnly;
    lun = virScsiLunOpen(spec, &opts, &err);
    virSecureEraseString(spec);
    if (!lun)
        virStorageBackendVaaiReportGError(NULL, err);
    return lun;
}


/* Open and probe the pool's LUN. */
static virScsiLun *
virStorageBackendVaaiOpenLun(virStoragePoolDef *def)
{
    return virStorageBackendVaaiOpenLunSource(&def->source, false);
}


/* ---- Device-mapper devices of a local pool's volumes ----
 *
 * On a LUN this host reaches as a local SCSI disk, every volume is a
 * device-mapper "linear" device over its extent of the LUN's block device,
 * /dev/mapper/PREFIX-POOLUUID-VOLUUID (storage_vaai_dm.h; PREFIX is
 * "vaai", or $VAAI_DM_PREFIX in the daemon's environment, so that several
 * daemons can share one kernel as the tests' hosts do).  It is the
 * volume's target path, and what a <disk type='volume'> of it becomes, so
 * that a VM sees its volume and nothing else.
 *
 * refreshPool makes this host's devices of the pool exactly the volumes of
 * the table (created, reloaded when an extent or capacity changed, removed
 * when the volume is gone: also what other hosts did), refreshVol the
 * device of one volume (the driver runs it after a create or clone);
 * resizeVol reloads, deleteVol and stopPool remove.  A device that is
 * open (a running VM) is never removed: vol-delete, vol-wipe, a shrinking
 * or moving vol-resize and pool-destroy are refused while it is.  dmLock
 * serialises this host's dmsetup runs per pool; dmTables holds the tables
 * this host loaded, so that refreshVol runs dmsetup only on a change. */

static const char *
virStorageBackendVaaiDmsetupPath(void)
{
    static const char *const paths[] = { "/usr/sbin/dmsetup", "/sbin/dmsetup" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        if (virFileIsExecutable(paths[i]))
            return paths[i];
    }
    return "dmsetup";
}


/* Run dmsetup with the NULL-terminated arguments; its stdout in @output
 * (if not NULL).  Returns its exit status, or -1 (error reported) if it
 * could not run; a non-zero status is reported only with @report.
 * Changes pass --verifyudev: where udev does not run (or does not make
 * /dev/mapper/NAME), dmsetup then makes and removes the node itself,
 * which it does not by default. */
static int G_GNUC_NULL_TERMINATED
virStorageBackendVaaiDmsetup(char **output,
                             bool report,
                             ...)
{
    g_autoptr(virCommand) cmd = virCommandNew(virStorageBackendVaaiDmsetupPath());
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *args = NULL;
    const char *arg;
    va_list ap;
    int status;

    va_start(ap, report);
    while ((arg = va_arg(ap, const char *)))
        virCommandAddArg(cmd, arg);
    va_end(ap);
    virCommandSetOutputBuffer(cmd, &out);
    virCommandSetErrorBuffer(cmd, &err);
    if (virCommandRun(cmd, &status) < 0)
        return -1;
    if (status != 0) {
        args = virCommandToString(cmd, false);
        VIR_DEBUG("%s: exit %d: %s", NULLSTR(args), status, NULLSTR(err));
        if (report)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("device-mapper: '%1$s' failed: %2$s"),
                           NULLSTR(args), err && *err ? g_strstrip(err) : _("no message"));
    }
    if (output)
        *output = g_steal_pointer(&out);
    return status;
}


/* The block device of a local LUN, MAJOR:MINOR: the device itself, or the
 * disk a SCSI generic node belongs to (/sys/dev/char/M:m/device/block/). */
static char *
virStorageBackendVaaiLocalBlockDev(const char *path)
{
    struct stat sb;
    g_autofree char *blockDir = NULL;
    g_autofree char *devFile = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;

    if (stat(path, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return NULL;
    }
    if (S_ISBLK(sb.st_mode))
        return g_strdup_printf("%u:%u", major(sb.st_rdev), minor(sb.st_rdev));
    if (!S_ISCHR(sb.st_mode)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("'%1$s' is no device"), path);
        return NULL;
    }
    blockDir = g_strdup_printf("/sys/dev/char/%u:%u/device/block",
                               major(sb.st_rdev), minor(sb.st_rdev));
    if (!(dir = g_dir_open(blockDir, 0, NULL)) || !(name = g_dir_read_name(dir))) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("SCSI device '%1$s' has no block device (%2$s)"),
                       path, blockDir);
        return NULL;
    }
    devFile = g_strdup_printf("%s/%s/dev", blockDir, name);
    if (virFileReadAll(devFile, 64, &dev) < 0)
        return NULL;
    return g_strdup(g_strstrip(dev));
}


/* At pool start: the LUN's block device and this pool's device names. */
static int
virStorageBackendVaaiDmInit(virStorageBackendVaaiState *state)
{
    const char *prefix = g_getenv("VAAI_DM_PREFIX");
    char poolUuid[VIR_UUID_STRING_BUFLEN];

    if (!prefix) {
        prefix = VIR_STORAGE_VAAI_DM_PREFIX;
    } else if (!virStorageVaaiDmPrefixValid(prefix)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("VAAI_DM_PREFIX '%1$s' is not 1 to 32 of [A-Za-z0-9_.+]"), prefix);
        return -1;
    }
    virUUIDFormat(state->pool->header.poolUuid, poolUuid);
    state->dmPoolPrefix = virStorageVaaiDmPoolPrefix(prefix, poolUuid);
    if (!(state->dmDevice = virStorageBackendVaaiLocalBlockDev(state->lun->spec)))
        return -1;
    VIR_DEBUG("volumes of pool %s: devices %s*, linear over %s",
              poolUuid, state->dmPoolPrefix, state->dmDevice);
    return 0;
}


/* The device name of the volume whose key (UUID) is @key. */
static char *
virStorageBackendVaaiDmName(virStorageBackendVaaiState *state,
                            const char *key)
{
    char *name = NULL;

    if (key)
        name = g_strdup_printf("%s%s", state->dmPoolPrefix, key);
    if (!name || !virStorageVaaiDmNamePool(name)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("volume key '%1$s' makes no device-mapper name"), NULLSTR(key));
        g_free(name);
        return NULL;
    }
    return name;
}


/* The name and table of @rec's device. */
static int
virStorageBackendVaaiDmWant(virStorageBackendVaaiState *state,
                            const virStorageVaaiVolRecord *rec,
                            char **name,
                            char **table)
{
    char key[VIR_UUID_STRING_BUFLEN];
    uint64_t bs = state->pool->header.blockSize;
    g_autoptr(GError) err = NULL;

    virUUIDFormat(rec->uuid, key);
    if (!(*name = virStorageBackendVaaiDmName(state, key)))
        return -1;
    if (!(*table = virStorageVaaiDmTable(state->dmDevice, rec->extentStart * bs,
                                         rec->capacity, &err))) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("volume '%1$s': %2$s"),
                       rec->name, err->message);
        g_clear_pointer(name, g_free);
        return -1;
    }
    return 0;
}


/* This pool's devices as the kernel has them: name -> table. */
static GHashTable *
virStorageBackendVaaiDmList(virStorageBackendVaaiState *state)
{
    g_autofree char *out = NULL;

    if (virStorageBackendVaaiDmsetup(&out, true, "table", NULL) != 0)
        return NULL;
    return virStorageVaaiDmParseTables(out, state->dmPoolPrefix);
}


/* How often the device @name is open: -1 if it does not exist. */
static int
virStorageBackendVaaiDmOpenCount(const char *name)
{
    g_autofree char *out = NULL;

    if (virStorageBackendVaaiDmsetup(&out, false, "info", "-c", "--noheadings",
                                     "-o", "open", name, NULL) != 0)
        return -1;
    return virStorageVaaiDmParseOpenCount(out);
}


/* Create the device @name with @table, or load @table into it (@exists). */
static int
virStorageBackendVaaiDmLoad(const char *name,
                            const char *table,
                            bool exists)
{
    VIR_DEBUG("device-mapper: %s %s: %s", exists ? "reload" : "create", name, table);
    if (!exists)
        return virStorageBackendVaaiDmsetup(NULL, true, "--verifyudev", "create", name,
                                            "--table", table, NULL) == 0 ? 0 : -1;
    if (virStorageBackendVaaiDmsetup(NULL, true, "reload", name, "--table", table, NULL) != 0 ||
        virStorageBackendVaaiDmsetup(NULL, true, "--verifyudev", "resume", name, NULL) != 0)
        return -1;
    return 0;
}


/* Refuse @what of volume @volName while its device @name is open. */
static int
virStorageBackendVaaiDmCheckUnused(const char *name,
                                   const char *volName,
                                   const char *what)
{
    int open = virStorageBackendVaaiDmOpenCount(name);

    if (open > 0) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot %1$s volume '%2$s': it is in use (%3$s/%4$s is open %5$d time(s))"),
                       what, volName, VIR_STORAGE_VAAI_DM_DIR, name, open);
        return -1;
    }
    return 0;
}


/* Remove the device @name; refused while it is open. */
static int
virStorageBackendVaaiDmRemove(const char *name,
                              const char *volName,
                              const char *what)
{
    VIR_DEBUG("device-mapper: remove %s", name);
    if (virStorageBackendVaaiDmsetup(NULL, false, "--verifyudev", "remove", name, NULL) == 0)
        return 0;
    if (virStorageBackendVaaiDmOpenCount(name) < 0)
        return 0;       /* already gone */
    if (virStorageBackendVaaiDmCheckUnused(name, volName, what) < 0)
        return -1;
    /* not open, yet not removed: say why */
    return virStorageBackendVaaiDmsetup(NULL, true, "--verifyudev", "remove", name, NULL) == 0 ? 0 : -1;
}


/* Make this host's device of @rec what the record says. */
static int
virStorageBackendVaaiDmSyncVol(virStorageBackendVaaiState *state,
                               const virStorageVaaiVolRecord *rec)
{
    g_autofree char *name = NULL;
    g_autofree char *table = NULL;
    g_autofree char *out = NULL;
    const char *cur;
    bool exists;

    if (!state->local)
        return 0;
    if (virStorageBackendVaaiDmWant(state, rec, &name, &table) < 0)
        return -1;

    VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
        if ((cur = g_hash_table_lookup(state->dmTables, name)) && STREQ(cur, table))
            return 0;
        exists = cur ||
            virStorageBackendVaaiDmsetup(&out, false, "table", name, NULL) == 0;
        if (exists && out && STREQ(g_strstrip(out), table)) {
            g_hash_table_insert(state->dmTables, g_steal_pointer(&name), g_steal_pointer(&table));
            return 0;
        }
        if (virStorageBackendVaaiDmLoad(name, table, exists) < 0)
            return -1;
        g_hash_table_insert(state->dmTables, g_steal_pointer(&name), g_steal_pointer(&table));
    }
    return 0;
}


/* The devices of the pool become the volumes of @table: created or
 * reloaded as needed, and those of volumes that are gone removed (kept,
 * with a warning, while open). */
static int
virStorageBackendVaaiDmRefresh(virStorageBackendVaaiState *state,
                               const char *poolName,
                               virStorageVaaiTable *table)
{
    g_autoptr(GHashTable) actual = NULL;
    g_autoptr(GHashTable) want = NULL;
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    uint32_t idx;

    if (!state->local)
        return 0;

    VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
        if (!(actual = virStorageBackendVaaiDmList(state)))
            return -1;
        want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        for (idx = 0; idx < table->count; idx++) {
            g_autofree char *name = NULL;
            g_autofree char *tbl = NULL;
            const char *cur;

            if (table->status[idx] != VIR_STORAGE_VAAI_RECORD_VALID ||
                table->recs[idx].state == VIR_STORAGE_VAAI_VOL_FREE)
                continue;
            if (virStorageBackendVaaiDmWant(state, &table->recs[idx], &name, &tbl) < 0)
                return -1;
            cur = g_hash_table_lookup(actual, name);
            if ((!cur || STRNEQ(cur, tbl)) &&
                virStorageBackendVaaiDmLoad(name, tbl, !!cur) < 0)
                return -1;
            g_hash_table_insert(want, g_steal_pointer(&name), g_steal_pointer(&tbl));
        }
        g_hash_table_iter_init(&iter, actual);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            if (g_hash_table_contains(want, key))
                continue;
            if (virStorageBackendVaaiDmRemove(key, key, "remove the device of") < 0) {
                VIR_WARN("pool '%s': %s", poolName, virGetLastErrorMessage());
                virResetLastError();
            }
        }
        g_hash_table_unref(state->dmTables);
        state->dmTables = g_steal_pointer(&want);
    }
    return 0;
}


/* At pool stop: remove every device of the pool, none if one is open. */
static int
virStorageBackendVaaiDmRemoveAll(virStorageBackendVaaiState *state)
{
    g_autoptr(GHashTable) actual = NULL;
    GHashTableIter iter;
    gpointer key;

    if (!state->local)
        return 0;
    VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
        if (!(actual = virStorageBackendVaaiDmList(state)))
            return -1;
        g_hash_table_iter_init(&iter, actual);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            int open = virStorageBackendVaaiDmOpenCount(key);

            if (open > 0) {
                virReportError(VIR_ERR_OPERATION_INVALID,
                               _("a volume of the pool is in use: %1$s/%2$s is open %3$d time(s)"),
                               VIR_STORAGE_VAAI_DM_DIR, (const char *)key, open);
                return -1;
            }
        }
        g_hash_table_iter_init(&iter, actual);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            if (virStorageBackendVaaiDmRemove(key, key, "remove the device of") < 0)
                return -1;
            g_hash_table_remove(state->dmTables, key);
        }
        g_hash_table_remove_all(state->dmTables);
    }
    return 0;
}


/* This host on shared pools: $VAAI_HOST_UUID (set per host by
 * libvirt-vaai's libvirt/run), else libvirt's host UUID, which survives
 * reboots; a new incarnation for every daemon start. */
static int
virStorageBackendVaaiHost(virStorageVaaiHost *host)
{
    const char *env = g_getenv("VAAI_HOST_UUID");

    if (env) {
        if (virUUIDParse(env, host->uuid) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("VAAI_HOST_UUID '%1$s' is not a UUID"), env);
            return -1;
        }
    } else if (virGetHostUUID(host->uuid) < 0) {
        return -1;
    }
    host->incarnation = ((uint64_t)g_random_int() << 32) | g_random_int();
    g_strlcpy(host->name, g_get_host_name(), sizeof(host->name));
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
    state->ownOps = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
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


static char *
virStorageBackendVaaiUUIDFormat(const uint8_t *uuid)
{
    char str[VIR_UUID_STRING_BUFLEN];

    virUUIDFormat(uuid, str);
    return g_strdup(str);
}


/* ---- Changes made by other hosts ----
 *
 * Other hosts change a shared pool without this daemon.  A thread per
 * started pool reads the volume table every few seconds and, when a
 * record changed in a way a listing shows (virStorageVaaiTableRecordChanged:
 * not progress) and not by this host, has the storage driver refresh the
 * pool, which emits a refresh event: vol-list stays current and
 * `virsh pool-event` sees other hosts' volumes appear, finish and go.
 * Changes of this host's callbacks are told apart by the record's worker
 * (this host, while an operation runs) and by ownOps (the volumes the
 * callbacks changed since the watcher last read the table): they emit
 * their own event when they finish.
 *
 * The refresh needs the pool object's lock, which stopPool's caller holds
 * while it frees this state and joins the watcher: so the watcher never
 * refreshes itself, but starts a detached thread that holds only the
 * pool's UUID; a refresh that passes because a job runs in the pool is
 * tried again at the next read. */

#define VIR_STORAGE_BACKEND_VAAI_WATCH_MS 2000


static unsigned int
virStorageBackendVaaiWatchInterval(void)
{
    const char *env = g_getenv("VAAI_WATCH_INTERVAL_MS");
    unsigned int ms;

    /* For tests; 0 turns the watcher off. */
    if (env && virStrToLong_ui(env, NULL, 10, &ms) == 0)
        return ms;
    return VIR_STORAGE_BACKEND_VAAI_WATCH_MS;
}


/* Mark @key as changed by this host's callbacks, from now until
 * virStorageBackendVaaiOwnEnd(). */
static void
virStorageBackendVaaiOwnBegin(virStorageBackendVaaiState *state,
                              const char *key)
{
    virStorageBackendVaaiOwnOp *op;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    if (!key)
        return;
    if (!(op = g_hash_table_lookup(state->ownOps, key))) {
        op = g_new0(virStorageBackendVaaiOwnOp, 1);
        g_hash_table_insert(state->ownOps, g_strdup(key), op);
    }
    op->running++;
}


static void
virStorageBackendVaaiOwnEnd(virStorageBackendVaaiState *state,
                            const char *key)
{
    virStorageBackendVaaiOwnOp *op;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    if (!key || !(op = g_hash_table_lookup(state->ownOps, key)))
        return;
    if (op->running > 0)
        op->running--;
    op->ended = g_get_monotonic_time();
}


/* Whether this host changed record @rec: its worker is this process, or
 * a callback of this host changed the volume since @since, when the
 * watcher started to read the table it compares with. */
static bool
virStorageBackendVaaiOwnRecord(virStorageBackendVaaiState *state,
                               const virStorageVaaiVolRecord *rec,
                               gint64 since)
{
    const virStorageVaaiHost *me = virStorageVaaiSessionHost(state->session);
    g_autofree char *key = NULL;
    virStorageBackendVaaiOwnOp *op;

    if (virStorageVaaiVolStateBusy(rec->state) &&
        memcmp(rec->workerUuid, me->uuid, sizeof(me->uuid)) == 0 &&
        rec->workerIncarnation == me->incarnation)
        return true;

    key = virStorageBackendVaaiUUIDFormat(rec->uuid);
    op = g_hash_table_lookup(state->ownOps, key);
    return op && (op->running > 0 || op->ended >= since);
}


static gboolean
virStorageBackendVaaiOwnExpired(gpointer key G_GNUC_UNUSED,
                                gpointer value,
                                gpointer opaque)
{
    virStorageBackendVaaiOwnOp *op = value;
    gint64 since = *(gint64 *)opaque;

    return op->running == 0 && op->ended < since;
}


static virStorageBackendVaaiWatch *
virStorageBackendVaaiWatchRef(virStorageBackendVaaiWatch *watch)
{
    g_atomic_int_inc(&watch->refs);
    return watch;
}


static void
virStorageBackendVaaiWatchUnref(virStorageBackendVaaiWatch *watch)
{
    if (g_atomic_int_dec_and_test(&watch->refs))
        g_free(watch);
}


static void
virStorageBackendVaaiWatchRefresh(void *opaque)
{
    virStorageBackendVaaiWatch *watch = opaque;

    if (virStorageDriverRefreshPool(watch->uuid) == 1)
        g_atomic_int_set(&watch->retry, 1);
    virStorageBackendVaaiWatchUnref(watch);
}


static void
virStorageBackendVaaiWatchThread(void *opaque)
{
    virStorageBackendVaaiState *state = opaque;
    const virStorageVaaiHeader *hdr = &state->pool->header;
    g_autoptr(virStorageVaaiTable) seen = NULL;
    unsigned int interval = virStorageBackendVaaiWatchInterval();
    gint64 seenSince = 0;

    while (true) {
        g_autoptr(virStorageVaaiTable) table = virStorageVaaiTableNew(hdr);
        g_autoptr(GError) err = NULL;
        gint64 since;
        bool changed = false;
        bool stop;
        uint32_t idx;
        int rc = -1;

        VIR_WITH_MUTEX_LOCK_GUARD(&state->watchLock) {
            unsigned long long until = g_get_real_time() / 1000 + interval;

            while (!state->watchStop &&
                   virCondWaitUntil(&state->watchCond, &state->watchLock, until) == 0)
                ;
            stop = state->watchStop;
        }
        if (stop)
            return;

        since = g_get_monotonic_time();
        rc = virStorageVaaiTableRead(state->watchPool, table, &err);
        if (rc < 0) {
            VIR_DEBUG("pool %s: watcher: %s", hdr->name, err->message);
            continue;
        }

        if (seen) {
            VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
                for (idx = 0; idx < table->count && !changed; idx++) {
                    if (!virStorageVaaiTableRecordChanged(seen, table, idx))
                        continue;
                    changed = !virStorageBackendVaaiOwnRecord(state, &seen->recs[idx], seenSince) &&
                        !virStorageBackendVaaiOwnRecord(state, &table->recs[idx], seenSince);
                    if (changed)
                        VIR_DEBUG("pool %s: record %u ('%s', state %d -> '%s', state %d) changed by another host",
                                  hdr->name, idx, seen->recs[idx].name, seen->recs[idx].state,
                                  table->recs[idx].name, table->recs[idx].state);
                }
                g_hash_table_foreach_remove(state->ownOps,
                                            virStorageBackendVaaiOwnExpired,
                                            &seenSince);
            }
        }
        g_clear_pointer(&seen, virStorageVaaiTableFree);
        seen = g_steal_pointer(&table);
        seenSince = since;

        if (changed || g_atomic_int_compare_and_exchange(&state->watch->retry, 1, 0)) {
            virStorageBackendVaaiWatch *watch = virStorageBackendVaaiWatchRef(state->watch);
            virThread thread;

            VIR_DEBUG("pool %s: changed by another host: refreshing", hdr->name);
            if (virThreadCreateFull(&thread, false, virStorageBackendVaaiWatchRefresh,
                                    "vaai-refresh", false, watch) < 0) {
                virStorageBackendVaaiWatchUnref(watch);
                g_atomic_int_set(&state->watch->retry, 1);
            }
        }
    }
}


static int
virStorageBackendVaaiWatchStart(virStorageBackendVaaiState *state,
                                virStoragePoolDef *def)
{
    g_autoptr(GError) err = NULL;

    state->watch = g_new0(virStorageBackendVaaiWatch, 1);
    state->watch->refs = 1;
    memcpy(state->watch->uuid, def->uuid, VIR_UUID_BUFLEN);
    if (virStorageBackendVaaiWatchInterval() == 0)
        return 0;

    /* A session of its own: its reads must not count in the link traffic
     * of the volume operations that share the pool's session (each
     * measures its session's counters before and after), nor queue behind
     * them. */
    if (!(state->watchLun = virStorageBackendVaaiOpenLunSource(&def->source, true)))
        return -1;
    if (!(state->watchPool = virStorageVaaiPoolOpen(state->watchLun, false, &err))) {
        virStorageBackendVaaiReportGError(NULL, err);
        return -1;
    }
    if (virThreadCreateFull(&state->watchThread, true, virStorageBackendVaaiWatchThread,
                            "vaai-watch", false, state) < 0) {
        virReportSystemError(errno, "%s",
                             _("cannot start the vaai pool's watcher thread"));
        return -1;
    }
    state->watching = true;
    return 0;
}


static void
virStorageBackendVaaiWatchStop(virStorageBackendVaaiState *state)
{
    if (state->watching) {
        VIR_WITH_MUTEX_LOCK_GUARD(&state->watchLock) {
            state->watchStop = true;
            virCondSignal(&state->watchCond);
        }
        virThreadJoin(&state->watchThread);
        state->watching = false;
    }
    g_clear_pointer(&state->watchPool, virStorageVaaiPoolFree);
    g_clear_pointer(&state->watchLun, virScsiLunFree);
    g_clear_pointer(&state->watch, virStorageBackendVaaiWatchUnref);
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


/* ---- Offload status: <vaai:offload> in the pool XML ----
 *
 * Output only.  The pool XML of an active pool shows what its LUN can
 * do, the plan (the method of each operation, and why), and what this
 * host's volume callbacks did since the pool started here.  The parse
 * hook ignores the element, so a dumped XML defines the same pool; the
 * namespace data is only the pool's UUID, and the element is formatted
 * from the live state, so counters are current without the pool lock. */

#define VIR_STORAGE_BACKEND_VAAI_NS_URI "http://libvirt.org/schemas/storagepool/vaai/1.0"

typedef struct _virStorageBackendVaaiNsData virStorageBackendVaaiNsData;
struct _virStorageBackendVaaiNsData {
    unsigned char uuid[VIR_UUID_BUFLEN];    /* libvirt's pool UUID */
};


static const char *
virStorageBackendVaaiOpName(virStorageBackendVaaiOp op)
{
    if ((unsigned)op >= VIR_STORAGE_BACKEND_VAAI_OP_LAST)
        return "unknown";
    return virStorageBackendVaaiOpNames[op];
}


/* Add what @report says an operation of kind @op on @vol did to the
 * pool's counters, and remember it as the volume's last build, clone or
 * wipe. */
static void
virStorageBackendVaaiAccount(virStorageBackendVaaiState *state,
                             virStorageBackendVaaiOp op,
                             const virStorageVolDef *vol,
                             const virScsiReport *report,
                             bool failed)
{
    virStorageBackendVaaiCounters *c = &state->counters[op];
    virStorageBackendVaaiVolStat *stat;
    g_auto(virBuffer) methods = VIR_BUFFER_INITIALIZER;
    virScsiMethod best = VIR_SCSI_METHOD_NONE;
    uint64_t hostBytes = 0;
    size_t i;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    c->operations++;
    if (failed)
        c->failed++;
    c->blocks += report->doneBlocks;
    c->offloadedBlocks += virScsiReportOffloadedBlocks(report);
    c->linkCommands += report->link.commands;
    c->linkBytes += report->link.bytesOut + report->link.bytesIn;
    for (i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        const virScsiMethodStats *m = &report->methods[i];

        c->methods[i].commands += m->commands;
        c->methods[i].failures += m->failures;
        c->methods[i].blocks += m->blocks;
        c->methods[i].hostBytes += m->hostBytes;
        hostBytes += m->hostBytes;
        if (m->blocks) {
            virBufferAsprintf(&methods, "%s,", virScsiMethodName(i));
            if (best == VIR_SCSI_METHOD_NONE ||
                m->blocks > report->methods[best].blocks)
                best = i;
        }
    }
    c->hostBytes += hostBytes;

    if (!vol || !vol->key)
        return;

    switch (op) {
    case VIR_STORAGE_BACKEND_VAAI_OP_CREATE:
    case VIR_STORAGE_BACKEND_VAAI_OP_CLONE:
        /* A failed build leaves no volume: the driver forgets it. */
        if (failed) {
            g_hash_table_remove(state->volStats, vol->key);
            return;
        }
        break;
    case VIR_STORAGE_BACKEND_VAAI_OP_WIPE:
    case VIR_STORAGE_BACKEND_VAAI_OP_UPLOAD:
    case VIR_STORAGE_BACKEND_VAAI_OP_DOWNLOAD:
        break;
    case VIR_STORAGE_BACKEND_VAAI_OP_DELETE:
        if (!failed)
            g_hash_table_remove(state->volStats, vol->key);
        return;
    case VIR_STORAGE_BACKEND_VAAI_OP_RESIZE:
    case VIR_STORAGE_BACKEND_VAAI_OP_LAST:
        return;
    }

    virBufferTrim(&methods, ",");
    stat = g_new0(virStorageBackendVaaiVolStat, 1);
    stat->key = g_strdup(vol->key);
    stat->name = g_strdup(vol->name);
    stat->op = op;
    stat->failed = failed;
    stat->method = best != VIR_SCSI_METHOD_NONE ? best : report->planned;
    stat->planned = report->planned;
    stat->methods = virBufferContentAndReset(&methods);
    stat->blocks = report->doneBlocks;
    stat->offloadedBlocks = virScsiReportOffloadedBlocks(report);
    stat->hostBytes = hostBytes;
    stat->linkBytes = report->link.bytesOut + report->link.bytesIn;
    stat->finished = g_get_real_time();
    stat->elapsedUs = report->elapsedUs;
    g_hash_table_insert(state->volStats, g_strdup(stat->key), stat);
}


/* Forget the records of volumes the table no longer holds (deleted by
 * another host); @table is the table just read. */
static void
virStorageBackendVaaiPruneVolStats(virStorageBackendVaaiState *state,
                                   const virStorageVaaiTable *table)
{
    g_autoptr(GHashTable) keys = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, NULL);
    GHashTableIter iter;
    gpointer key;
    uint32_t idx;
    VIR_LOCK_GUARD lock = virLockGuardLock(&state->statsLock);

    for (idx = 0; idx < table->count; idx++) {
        if (table->status[idx] == VIR_STORAGE_VAAI_RECORD_VALID &&
            table->recs[idx].state != VIR_STORAGE_VAAI_VOL_FREE)
            g_hash_table_add(keys, virStorageBackendVaaiUUIDFormat(table->recs[idx].uuid));
    }
    g_hash_table_iter_init(&iter, state->volStats);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(keys, key))
            g_hash_table_iter_remove(&iter);
    }
}


static void
virStorageBackendVaaiFormatTime(virBuffer *buf,
                                const char *attr,
                                gint64 us)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    g_autofree char *str = NULL;

    if (dt && (str = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ")))
        virBufferAsprintf(buf, " %s='%s'", attr, str);
}


static const char *
virStorageBackendVaaiYesNo(bool value)
{
    return value ? "yes" : "no";
}


static void
virStorageBackendVaaiFormatHeader(virBuffer *buf,
                                  const virStorageVaaiHeader *hdr)
{
    g_autofree char *poolUuid = virStorageBackendVaaiUUIDFormat(hdr->poolUuid);

    virBufferEscapeString(buf, "<vaai:pool name='%s'", hdr->name);
    virBufferAsprintf(buf, " uuid='%s' formatVersion='%u.%u'", poolUuid,
                      hdr->formatMajor, hdr->formatMinor);
    virBufferAsprintf(buf, " extentAlignment='%u' volumeRecords='%u'",
                      hdr->extentAlignment, hdr->volumeRecords);
    virBufferAsprintf(buf, " dataBlocks='%llu' leaseTimeoutMs='%llu'/>\n",
                      (unsigned long long)(hdr->dataEndLba - hdr->dataLba),
                      (unsigned long long)hdr->leaseTimeoutMs);
}


/* What the LUN reported when it was opened. */
static void
virStorageBackendVaaiFormatLun(virBuffer *buf,
                               const virScsiLun *lun)
{
    const virScsiLunCaps *caps = lun->caps;
    const virScsiInquiry *inq = &caps->inquiry;
    size_t i;

    virBufferAddLit(buf, "<vaai:lun");
    virBufferEscapeString(buf, " transport='%s'", caps->transport);
    if (inq->hasVendor)
        virBufferEscapeString(buf, " vendor='%s'", inq->vendor);
    if (inq->hasProduct)
        virBufferEscapeString(buf, " product='%s'", inq->product);
    if (inq->hasRevision)
        virBufferEscapeString(buf, " revision='%s'", inq->revision);
    virBufferEscapeString(buf, " designator='%s'", caps->designatorText);
    virBufferAsprintf(buf, " blockSize='%u' physicalBlockSize='%llu' blocks='%llu'",
                      caps->blockSize,
                      (unsigned long long)caps->blockSize << caps->lbPerPbExponent,
                      (unsigned long long)caps->capacityBlocks);
    virBufferAsprintf(buf, " thin='%s' unmappedReadsZero='%s'",
                      virStorageBackendVaaiYesNo(caps->lbpme),
                      virStorageBackendVaaiYesNo(caps->lbprzReadCap ||
                                                 (caps->hasLbp && caps->lbp.lbprz)));
    virBufferAsprintf(buf, " copyManager='%s'",
                      virStorageBackendVaaiYesNo(inq->threePC));
    if (caps->hasBlockLimits)
        virBufferAsprintf(buf, " maxCompareAndWriteBlocks='%u' maxTransferBlocks='%u'",
                          caps->blockLimits.maxCompareAndWriteLength,
                          caps->blockLimits.maxTransferLength);
    if (caps->warnings && caps->warnings->len) {
        virBufferAddLit(buf, ">\n");
        virBufferAdjustIndent(buf, 2);
        for (i = 0; i < caps->warnings->len; i++)
            virBufferEscapeString(buf, "<vaai:warning>%s</vaai:warning>\n",
                                  (const char *)g_ptr_array_index(caps->warnings, i));
        virBufferAdjustIndent(buf, -2);
        virBufferAddLit(buf, "</vaai:lun>\n");
    } else {
        virBufferAddLit(buf, "/>\n");
    }
}


static void
virStorageBackendVaaiFormatPlan(virBuffer *buf,
                                const virScsiLun *lun)
{
    const virScsiPlan *plan = &lun->plan;
    size_t i;

    virBufferAddLit(buf, "<vaai:plan>\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < VIR_SCSI_PLAN_OP_LAST; i++) {
        const virScsiOpPlan *op = &plan->ops[i];

        virBufferAsprintf(buf, "<vaai:operation name='%s' method='%s' fallback='%s'",
                          virScsiPlanOpName(i), virScsiMethodName(op->method),
                          virScsiMethodName(op->fallback));
        if (op->cdbSize)
            virBufferAsprintf(buf, " cdbSize='%u'", op->cdbSize);
        virBufferAsprintf(buf, " maxBlocks='%llu' limitReported='%s'",
                          (unsigned long long)op->maxBlocks,
                          virStorageBackendVaaiYesNo(op->limitReported));
        if (op->maxDescriptors)
            virBufferAsprintf(buf, " maxDescriptors='%u'", op->maxDescriptors);
        if (op->granularity)
            virBufferAsprintf(buf, " granularity='%u' alignment='%u'",
                              op->granularity, op->alignment);
        if (op->hostMaxBlocks)
            virBufferAsprintf(buf, " hostMaxBlocks='%llu'",
                              (unsigned long long)op->hostMaxBlocks);
        virBufferEscapeString(buf, " reason='%s'", op->reason);
        virBufferAddLit(buf, "/>\n");
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:plan>\n");
}


static void
virStorageBackendVaaiFormatCounters(virBuffer *buf,
                                    virStorageBackendVaaiState *state)
{
    size_t op;
    size_t i;

    virBufferAddLit(buf, "<vaai:counters");
    virStorageBackendVaaiFormatTime(buf, "since", state->since);
    virBufferAddLit(buf, ">\n");
    virBufferAdjustIndent(buf, 2);
    for (op = 0; op < VIR_STORAGE_BACKEND_VAAI_OP_LAST; op++) {
        const virStorageBackendVaaiCounters *c = &state->counters[op];
        uint64_t commands = 0;
        bool any = false;

        for (i = 0; i < VIR_SCSI_METHOD_LAST; i++)
            commands += c->methods[i].commands;

        virBufferAsprintf(buf, "<vaai:counter operation='%s' count='%llu' failed='%llu'",
                          virStorageBackendVaaiOpName(op),
                          (unsigned long long)c->operations,
                          (unsigned long long)c->failed);
        virBufferAsprintf(buf, " commands='%llu' blocks='%llu' offloadedBlocks='%llu'",
                          (unsigned long long)commands,
                          (unsigned long long)c->blocks,
                          (unsigned long long)c->offloadedBlocks);
        virBufferAsprintf(buf, " hostBytes='%llu' linkCommands='%llu' linkBytes='%llu'",
                          (unsigned long long)c->hostBytes,
                          (unsigned long long)c->linkCommands,
                          (unsigned long long)c->linkBytes);
        for (i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
            const virScsiMethodStats *m = &c->methods[i];

            if (!m->commands && !m->blocks)
                continue;
            if (!any) {
                virBufferAddLit(buf, ">\n");
                virBufferAdjustIndent(buf, 2);
                any = true;
            }
            virBufferAsprintf(buf, "<vaai:method name='%s' commands='%llu' failures='%llu'"
                              " blocks='%llu' hostBytes='%llu'/>\n",
                              virScsiMethodName(i),
                              (unsigned long long)m->commands,
                              (unsigned long long)m->failures,
                              (unsigned long long)m->blocks,
                              (unsigned long long)m->hostBytes);
        }
        if (any) {
            virBufferAdjustIndent(buf, -2);
            virBufferAddLit(buf, "</vaai:counter>\n");
        } else {
            virBufferAddLit(buf, "/>\n");
        }
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:counters>\n");
}


static gint
virStorageBackendVaaiVolStatCompare(gconstpointer a,
                                    gconstpointer b)
{
    const virStorageBackendVaaiVolStat *x = *(virStorageBackendVaaiVolStat * const *)a;
    const virStorageBackendVaaiVolStat *y = *(virStorageBackendVaaiVolStat * const *)b;

    return strcmp(x->name, y->name);
}


static void
virStorageBackendVaaiFormatVolumes(virBuffer *buf,
                                   virStorageBackendVaaiState *state)
{
    g_autoptr(GPtrArray) stats = g_ptr_array_new();
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    size_t i;

    g_hash_table_iter_init(&iter, state->volStats);
    while (g_hash_table_iter_next(&iter, &key, &value))
        g_ptr_array_add(stats, value);
    if (stats->len == 0) {
        virBufferAddLit(buf, "<vaai:volumes/>\n");
        return;
    }
    g_ptr_array_sort(stats, virStorageBackendVaaiVolStatCompare);

    virBufferAddLit(buf, "<vaai:volumes>\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < stats->len; i++) {
        const virStorageBackendVaaiVolStat *stat = g_ptr_array_index(stats, i);

        virBufferEscapeString(buf, "<vaai:volume name='%s'", stat->name);
        virBufferAsprintf(buf, " key='%s'", stat->key);
        virBufferAsprintf(buf, " operation='%s' result='%s' method='%s' planned='%s'",
                          virStorageBackendVaaiOpName(stat->op),
                          stat->failed ? "failed" : "done",
                          virScsiMethodName(stat->method),
                          virScsiMethodName(stat->planned));
        virBufferEscapeString(buf, " methods='%s'", stat->methods);
        virBufferAsprintf(buf, " blocks='%llu' offloadedBlocks='%llu'",
                          (unsigned long long)stat->blocks,
                          (unsigned long long)stat->offloadedBlocks);
        virBufferAsprintf(buf, " hostBytes='%llu' linkBytes='%llu'",
                          (unsigned long long)stat->hostBytes,
                          (unsigned long long)stat->linkBytes);
        virStorageBackendVaaiFormatTime(buf, "finished", stat->finished);
        virBufferAsprintf(buf, " elapsedMs='%lld'/>\n",
                          (long long)(stat->elapsedUs / 1000));
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:volumes>\n");
}


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

    virBufferAddLit(buf, "<vaai:offload>\n");
    virBufferAdjustIndent(buf, 2);
    virStorageBackendVaaiFormatHeader(buf, &state->pool->header);
    virStorageBackendVaaiFormatLun(buf, state->lun);
    virStorageBackendVaaiFormatPlan(buf, state->lun);
    VIR_WITH_MUTEX_LOCK_GUARD(&state->statsLock) {
        virStorageBackendVaaiFormatCounters(buf, state);
        virStorageBackendVaaiFormatVolumes(buf, state);
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</vaai:offload>\n");
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
        def->ns.free(def->namespaceData);
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


static void
virStorageBackendVaaiLogReport(const char *what,
                               const char *pool,
                               const char *vol,
                               const virScsiReport *report)
{
    VIR_INFO("pool '%s' volume '%s': %s: %llu blocks done, %llu offloaded, "
             "%llu bytes through the host, %llu link commands",
             pool, vol, what, (unsigned long long)report->doneBlocks,
             (unsigned long long)virScsiReportOffloadedBlocks(report),
             (unsigned long long)(report->methods[VIR_SCSI_METHOD_HOST].hostBytes),
             (unsigned long long)report->link.commands);
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
    if (vol->target.format != VIR_STORAGE_FILE_NONE &&
        vol->target.format != VIR_STORAGE_FILE_RAW) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai volumes are raw"));
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


/* Without the pool lock: zero the new extent through the engine. */
static int
virStorageBackendVaaiBuildVol(virStoragePoolObj *obj,
                              virStorageVolDef *vol,
                              unsigned int flags)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(GError) err = NULL;
    virScsiReport report;
    int ret;

    virCheckFlags(0, -1);

    if (!(state = virStorageBackendVaaiStateGet(obj)) ||
        virStorageBackendVaaiOptions(vol, &opts, uuid) < 0)
        return -1;

    virScsiReportInit(&report);
    virStorageBackendVaaiSetBuilding(state, vol, true);
    virStorageBackendVaaiOwnBegin(state, vol->key);
    ret = virStorageVaaiVolCreate(state->session, vol->name, vol->target.capacity,
                                  &opts, &report, NULL, &err);
    virStorageBackendVaaiSetBuilding(state, vol, false);
    virStorageBackendVaaiLogReport("create", def->name, vol->name, &report);
    virStorageBackendVaaiOwnEnd(state, vol->key);
    virStorageBackendVaaiAccount(state, VIR_STORAGE_BACKEND_VAAI_OP_CREATE, vol,
                                 &report, ret < 0);
    virStorageDriverEmitPoolRefresh(obj);
    virScsiReportClear(&report);
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
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    virStorageBackendVaaiState *src;
    virStorageVaaiOpOptions opts;
    unsigned char uuid[VIR_UUID_BUFLEN];
    g_autoptr(GError) err = NULL;
    g_autofree char *srcPool = NULL;
    virScsiReport report;
    int ret;

    virCheckFlags(VIR_STORAGE_VOL_CREATE_REFLINK, -1);

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

    virScsiReportInit(&report);
    virStorageBackendVaaiSetBuilding(state, vol, true);
    virStorageBackendVaaiOwnBegin(state, vol->key);
    ret = virStorageVaaiVolClone(state->session, src->pool, inputvol->name, vol->name,
                                 vol->target.capacity, &opts, &report, NULL, &err);
    virStorageBackendVaaiSetBuilding(state, vol, false);
    virStorageBackendVaaiLogReport("clone", def->name, vol->name, &report);
    virStorageBackendVaaiOwnEnd(state, vol->key);
    virStorageBackendVaaiAccount(state, VIR_STORAGE_BACKEND_VAAI_OP_CLONE, vol,
                                 &report, ret < 0);
    virStorageDriverEmitPoolRefresh(obj);
    virScsiReportClear(&report);
    if (ret < 0)
        virStorageBackendVaaiReportGError(_("cannot clone the volume"), err);
    return ret;
}


static int
virStorageBackendVaaiRefreshVol(virStoragePoolObj *obj,
                                virStorageVolDef *vol)
{
    virStorageBackendVaaiState *state;
    virStorageBackendVaaiState *other;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *poolUuid = NULL;
    int idx;

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
    /* The driver also refreshes a clone's source with the target pool. */
    if ((poolUuid = virStorageBackendVaaiVolPathPool(vol->target.path)) &&
        (other = virStorageBackendVaaiStateByPoolUuid(poolUuid)))
        state = other;
    table = virStorageVaaiTableNew(&state->pool->header);
    if (virStorageVaaiTableRead(state->pool, table, &err) < 0) {
        virStorageBackendVaaiReportGError(_("cannot read the volume table"), err);
        return -1;
    }
    if ((idx = virStorageVaaiTableFindName(table, vol->name)) < 0) {
        virReportError(VIR_ERR_NO_STORAGE_VOL,
                       _("no volume '%1$s' on the LUN"), vol->name);
        return -1;
    }
    vol->target.capacity = table->recs[idx].capacity;
    virStorageBackendVaaiVolSetAllocation(state, vol, &table->recs[idx]);
    virStorageBackendVaaiVolSetExtent(state, vol, &table->recs[idx]);
    return virStorageBackendVaaiDmSyncVol(state, &table->recs[idx]);
}


static int
virStorageBackendVaaiDeleteVol(virStoragePoolObj *obj,
                               virStorageVolDef *vol,
                               unsigned int flags)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts = { 0 };
    g_autoptr(GError) err = NULL;
    g_autofree char *dmName = NULL;
    virScsiReport report;
    int ret;

    virCheckFlags(VIR_STORAGE_VOL_DELETE_ZEROED, -1);

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;
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

    virScsiReportInit(&report);
    virStorageBackendVaaiOwnBegin(state, vol->key);
    ret = virStorageVaaiVolDelete(state->session, vol->name, &opts, &report, &err);
    virStorageBackendVaaiLogReport("delete", def->name, vol->name, &report);
    virStorageBackendVaaiOwnEnd(state, vol->key);
    virStorageBackendVaaiAccount(state, VIR_STORAGE_BACKEND_VAAI_OP_DELETE, vol,
                                 &report, ret < 0);
    virStorageDriverEmitPoolRefresh(obj);
    virScsiReportClear(&report);
    if (ret < 0) {
        /* A volume that an unfinished build left behind is already gone. */
        if (!g_error_matches(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG) ||
            !strstr(err->message, "no volume")) {
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
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts = { 0 };
    g_autoptr(GError) err = NULL;
    virScsiReport report;
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
    if (passes && !(opts.algorithm = virScsiPatternLookup(passes))) {
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
    virScsiReportInit(&report);
    virStorageBackendVaaiOwnBegin(state, vol->key);
    ret = virStorageVaaiVolWipe(state->session, vol->name, &opts, &report, &err);
    virStorageBackendVaaiLogReport("wipe", def->name, vol->name, &report);
    virStorageBackendVaaiOwnEnd(state, vol->key);
    virStorageBackendVaaiAccount(state, VIR_STORAGE_BACKEND_VAAI_OP_WIPE, vol,
                                 &report, ret < 0);
    virStorageDriverEmitPoolRefresh(obj);
    virScsiReportClear(&report);
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
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    virStorageVaaiOpOptions opts = { 0 };
    virStorageVaaiVolRecord rec;
    g_autoptr(GError) err = NULL;
    virScsiReport report;
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

    virScsiReportInit(&report);
    virStorageBackendVaaiOwnBegin(state, vol->key);
    ret = virStorageVaaiVolResize(state->session, vol->name, capacity, &opts,
                                  &report, &rec, &err);
    virStorageBackendVaaiLogReport("resize", def->name, vol->name, &report);
    virStorageBackendVaaiOwnEnd(state, vol->key);
    virStorageBackendVaaiAccount(state, VIR_STORAGE_BACKEND_VAAI_OP_RESIZE, vol,
                                 &report, ret < 0);
    virStorageDriverEmitPoolRefresh(obj);
    virScsiReportClear(&report);
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
    g_autoptr(virScsiLun) lun = NULL;
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


/* Erase the pool's metadata (the LUN is then no pool); refused while it
 * holds volumes. */
static int
virStorageBackendVaaiDeletePool(virStoragePoolObj *obj,
                                unsigned int flags)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    g_autoptr(virScsiLun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    virScsiOffloadOptions opts = { .flags = VIR_SCSI_OFFLOAD_NEED_ZEROS };
    virScsiReport report;
    uint32_t i;
    int ret;

    virCheckFlags(0, -1);

    if (!(lun = virStorageBackendVaaiOpenLun(def)))
        return -1;
    if (!(pool = virStorageVaaiPoolOpen(lun, true, &err))) {
        virStorageBackendVaaiReportGError(NULL, err);
        return -1;
    }
    table = virStorageVaaiTableNew(&pool->header);
    if (virStorageVaaiTableRead(pool, table, &err) < 0) {
        virStorageBackendVaaiReportGError(_("cannot read the volume table"), err);
        return -1;
    }
    for (i = 0; i < table->count; i++) {
        if (virStorageVaaiTableInUse(table, i)) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("pool '%1$s' still holds volumes (record %2$u): delete them first"),
                           def->name, i);
            return -1;
        }
    }

    virScsiReportInit(&report);
    ret = virScsiOffloadUnmap(lun, 0, pool->header.dataLba, &opts, &report, &err);
    virScsiReportClear(&report);
    if (ret < 0) {
        virStorageBackendVaaiReportGError(_("cannot erase the pool's metadata"), err);
        return -1;
    }
    return 0;
}


/* ---- find-storage-pool-sources ----
 *
 * Without a spec (or with a local <device path='/dev/...'/>): the SCSI
 * disks this host sees through /dev/sg* (sysfs), or that one device.
 * With <host name= port=/> (and optionally <initiator>, CHAP <auth>, and
 * <device path='IQN'/> or 'IQN/LUN'): the LUNs of the targets that portal
 * lists to SendTargets discovery (or of that target, or that LUN), asked
 * by REPORT LUNS; the portal is always the one given, whatever addresses
 * discovery returns.  Each LUN is opened read-only and probed as a pool
 * would open it, and its <source> shows what it can do and, when it
 * holds a vaai pool, which. */

#define VIR_STORAGE_BACKEND_VAAI_SYSFS_SG "/sys/class/scsi_generic"


static void
virStorageBackendVaaiSetDevice(virStoragePoolSource *src,
                               const char *path)
{
    if (src->ndevice == 0) {
        src->devices = g_new0(virStoragePoolSourceDevice, 1);
        src->ndevice = 1;
    }
    g_free(src->devices[0].path);
    src->devices[0].path = g_strdup(path);
}


/* The <source> of the LUN @src names (its device set).  One that cannot
 * be opened as a disk is an error when @named (the spec named it), else
 * skipped. */
static int
virStorageBackendVaaiFormatFound(virBuffer *buf,
                                 virStoragePoolSource *src,
                                 const char *blockName,
                                 bool named)
{
    g_autoptr(virScsiLun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    const char *path = src->devices[0].path;
    const virScsiInquiry *inq;

    if (!(lun = virStorageBackendVaaiOpenLunSource(src, true))) {
        if (named)
            return -1;
        VIR_WARN("find-storage-pool-sources: skipping %s: %s", path,
                 virGetLastErrorMessage());
        virResetLastError();
        return 0;
    }
    inq = &lun->caps->inquiry;

    virBufferAddLit(buf, "<source>\n");
    virBufferAdjustIndent(buf, 2);
    if (src->nhost == 1) {
        virBufferEscapeString(buf, "<host name='%s'", src->hosts[0].name);
        if (src->hosts[0].port)
            virBufferAsprintf(buf, " port='%d'", src->hosts[0].port);
        virBufferAddLit(buf, "/>\n");
    }
    virBufferEscapeString(buf, "<device path='%s'/>\n", path);
    if (src->initiator.iqn) {
        virBufferAddLit(buf, "<initiator>\n");
        virBufferEscapeString(buf, "  <iqn name='%s'/>\n", src->initiator.iqn);
        virBufferAddLit(buf, "</initiator>\n");
    }
    if (inq->hasVendor)
        virBufferEscapeString(buf, "<vendor name='%s'/>\n", inq->vendor);
    if (inq->hasProduct)
        virBufferEscapeString(buf, "<product name='%s'/>\n", inq->product);
    if (blockName)
        virBufferEscapeString(buf, "<vaai:block name='%s'/>\n", blockName);
    virBufferEscapeString(buf, "<vaai:serial>%s</vaai:serial>\n", lun->caps->serial);
    virStorageBackendVaaiFormatLun(buf, lun);
    virStorageBackendVaaiFormatPlan(buf, lun);
    if ((pool = virStorageVaaiPoolOpen(lun, false, &err)))
        virStorageBackendVaaiFormatHeader(buf, &pool->header);
    else
        VIR_DEBUG("%s holds no vaai pool: %s", path, err ? err->message : "");
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</source>\n");
    return 0;
}


static gint
virStorageBackendVaaiSgCompare(gconstpointer a,
                               gconstpointer b)
{
    const char *x = *(const char * const *)a;
    const char *y = *(const char * const *)b;

    return (gint)g_ascii_strtoll(x + 2, NULL, 10) - (gint)g_ascii_strtoll(y + 2, NULL, 10);
}


/* The block device (sdX) behind /dev/@sg, or NULL. */
static char *
virStorageBackendVaaiSgBlockName(const char *sg)
{
    g_autofree char *path = g_strdup_printf(VIR_STORAGE_BACKEND_VAAI_SYSFS_SG "/%s/device/block", sg);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (!dir || !(name = g_dir_read_name(dir)))
        return NULL;
    return g_strdup(name);
}


static int
virStorageBackendVaaiFindLocal(virBuffer *buf,
                               virStoragePoolSource *src)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    size_t i;

    if (src->ndevice == 1)
        return virStorageBackendVaaiFormatFound(buf, src, NULL, true);

    if (!(dir = g_dir_open(VIR_STORAGE_BACKEND_VAAI_SYSFS_SG, 0, NULL)))
        return 0;   /* no SCSI generic devices (or no sg driver) */
    while ((name = g_dir_read_name(dir))) {
        if (STRPREFIX(name, "sg"))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, virStorageBackendVaaiSgCompare);

    for (i = 0; i < names->len; i++) {
        const char *sg = g_ptr_array_index(names, i);
        g_autofree char *typePath = g_strdup_printf(VIR_STORAGE_BACKEND_VAAI_SYSFS_SG
                                                    "/%s/device/type", sg);
        g_autofree char *type = NULL;
        g_autofree char *dev = g_strdup_printf("/dev/%s", sg);
        g_autofree char *block = NULL;

        /* Direct-access block devices (peripheral device type 0) only. */
        if (!g_file_get_contents(typePath, &type, NULL, NULL) ||
            g_ascii_strtoll(type, NULL, 10) != 0)
            continue;
        block = virStorageBackendVaaiSgBlockName(sg);
        virStorageBackendVaaiSetDevice(src, dev);
        virStorageBackendVaaiFormatFound(buf, src, block, false);
    }
    return 0;
}


/* A session to @portal: SendTargets discovery when @target is NULL. */
static struct iscsi_context *
virStorageBackendVaaiIscsiLogin(virStoragePoolSource *src,
                                const char *portal,
                                const char *target)
{
    const char *initiator = src->initiator.iqn ? src->initiator.iqn :
        VIR_SCSI_DEFAULT_INITIATOR;
    g_autofree char *user = NULL;
    g_autofree char *secret = NULL;
    struct iscsi_context *iscsi;

    if (!(iscsi = iscsi_create_context(initiator))) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("cannot create an iSCSI context"));
        return NULL;
    }
    if (virStorageBackendVaaiGetAuth(src, &user, &secret) < 0)
        goto error;
    if (user) {
        int rc = iscsi_set_initiator_username_pwd(iscsi, user, secret);

        virSecureEraseString(secret);
        if (rc < 0)
            goto iscsi_error;
    }
    if ((target && iscsi_set_targetname(iscsi, target) < 0) ||
        iscsi_set_session_type(iscsi, target ? ISCSI_SESSION_NORMAL :
                               ISCSI_SESSION_DISCOVERY) < 0 ||
        iscsi_connect_sync(iscsi, portal) < 0 ||
        iscsi_login_sync(iscsi) < 0)
        goto iscsi_error;
    return iscsi;

 iscsi_error:
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("iSCSI %1$s on %2$s: %3$s"),
                   target ? target : _("discovery"), portal, iscsi_get_error(iscsi));
 error:
    iscsi_destroy_context(iscsi);
    return NULL;
}


static void
virStorageBackendVaaiIscsiLogout(struct iscsi_context *iscsi)
{
    iscsi_logout_sync(iscsi);
    iscsi_destroy_context(iscsi);
}


/* The targets @portal lists (char *), or NULL. */
static GPtrArray *
virStorageBackendVaaiIscsiTargets(virStoragePoolSource *src,
                                  const char *portal)
{
    g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(g_free);
    struct iscsi_context *iscsi;
    struct iscsi_discovery_address *addrs;
    struct iscsi_discovery_address *a;

    if (!(iscsi = virStorageBackendVaaiIscsiLogin(src, portal, NULL)))
        return NULL;
    if (!(addrs = iscsi_discovery_sync(iscsi))) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("iSCSI discovery on %1$s: %2$s"), portal, iscsi_get_error(iscsi));
        virStorageBackendVaaiIscsiLogout(iscsi);
        return NULL;
    }
    for (a = addrs; a; a = a->next)
        g_ptr_array_add(targets, g_strdup(a->target_name));
    iscsi_free_discovery_data(iscsi, addrs);
    virStorageBackendVaaiIscsiLogout(iscsi);
    return g_steal_pointer(&targets);
}


/* The LUN numbers @target reports (guint), or NULL. */
static GArray *
virStorageBackendVaaiIscsiLuns(virStoragePoolSource *src,
                               const char *portal,
                               const char *target)
{
    g_autoptr(GArray) luns = g_array_new(FALSE, FALSE, sizeof(guint));
    struct iscsi_context *iscsi;
    struct scsi_task *task = NULL;
    struct scsi_reportluns_list *list;
    int size = 16;
    int attempt;
    uint32_t i;

    if (!(iscsi = virStorageBackendVaaiIscsiLogin(src, portal, target)))
        return NULL;
    /* A first command after login may meet a unit attention; a short
     * allocation length tells the full size. */
    for (attempt = 0; attempt < 4; attempt++) {
        if (task)
            scsi_free_scsi_task(task);
        if (!(task = iscsi_reportluns_sync(iscsi, 0, size)))
            break;
        if (task->status != SCSI_STATUS_GOOD)
            continue;
        if (scsi_datain_getfullsize(task) <= task->datain.size)
            break;
        size = scsi_datain_getfullsize(task);
    }
    if (!task || task->status != SCSI_STATUS_GOOD ||
        !(list = scsi_datain_unmarshall(task))) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("REPORT LUNS of %1$s on %2$s: %3$s"),
                       target, portal, iscsi_get_error(iscsi));
        if (task)
            scsi_free_scsi_task(task);
        virStorageBackendVaaiIscsiLogout(iscsi);
        return NULL;
    }
    for (i = 0; i < list->num; i++) {
        uint16_t l = list->luns[i];
        guint lun;

        /* peripheral (bus 0) or flat addressing: what an IQN/LUN names */
        if ((l >> 8) == 0)
            lun = l;
        else if ((l >> 14) == 1)
            lun = l & 0x3fff;
        else
            continue;
        g_array_append_val(luns, lun);
    }
    scsi_free_scsi_task(task);
    virStorageBackendVaaiIscsiLogout(iscsi);
    return g_steal_pointer(&luns);
}


static int
virStorageBackendVaaiFindIscsi(virBuffer *buf,
                               virStoragePoolSource *src)
{
    g_autoptr(GPtrArray) targets = NULL;
    g_autofree char *portal = NULL;
    const char *host = src->hosts[0].name;
    int port = src->hosts[0].port ? src->hosts[0].port : VIR_STORAGE_VAAI_ISCSI_PORT;
    size_t i;

    if (strchr(host, ':'))
        portal = g_strdup_printf("[%s]:%d", host, port);
    else
        portal = g_strdup_printf("%s:%d", host, port);

    if (src->ndevice == 1) {
        const char *path = src->devices[0].path;

        if (strchr(path, '/'))      /* IQN/LUN: that LUN */
            return virStorageBackendVaaiFormatFound(buf, src, NULL, true);
        targets = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(targets, g_strdup(path));
    } else if (!(targets = virStorageBackendVaaiIscsiTargets(src, portal))) {
        return -1;
    }

    for (i = 0; i < targets->len; i++) {
        const char *target = g_ptr_array_index(targets, i);
        g_autoptr(GArray) luns = NULL;
        size_t j;

        if (!(luns = virStorageBackendVaaiIscsiLuns(src, portal, target))) {
            /* one target that cannot be reached is no reason to show none */
            if (targets->len > 1) {
                VIR_WARN("find-storage-pool-sources: skipping %s: %s", target,
                         virGetLastErrorMessage());
                virResetLastError();
                continue;
            }
            return -1;
        }
        for (j = 0; j < luns->len; j++) {
            g_autofree char *path = g_strdup_printf("%s/%u", target,
                                                    g_array_index(luns, guint, j));

            virStorageBackendVaaiSetDevice(src, path);
            virStorageBackendVaaiFormatFound(buf, src, NULL, false);
        }
    }
    return 0;
}


static char *
virStorageBackendVaaiFindPoolSources(const char *srcSpec,
                                     unsigned int flags)
{
    g_autoptr(virStoragePoolSource) src = NULL;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virCheckFlags(0, NULL);

    if (srcSpec) {
        if (!(src = virStoragePoolDefParseSourceString(srcSpec, VIR_STORAGE_POOL_VAAI)))
            return NULL;
    } else {
        src = g_new0(virStoragePoolSource, 1);
    }
    if (src->ndevice > 1 || src->nhost > 1) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool sources are searched with at most one host and one device"));
        return NULL;
    }
    if (src->nhost == 0 && src->ndevice == 1 && src->devices[0].path[0] != '/') {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("an iSCSI target needs a <host/>"));
        return NULL;
    }

    virBufferAsprintf(&buf, "<sources xmlns:vaai='%s'>\n", VIR_STORAGE_BACKEND_VAAI_NS_URI);
    virBufferAdjustIndent(&buf, 2);
    if (src->nhost == 1) {
        if (virStorageBackendVaaiFindIscsi(&buf, src) < 0)
            return NULL;
    } else if (virStorageBackendVaaiFindLocal(&buf, src) < 0) {
        return NULL;
    }
    virBufferAdjustIndent(&buf, -2);
    virBufferAddLit(&buf, "</sources>\n");
    return virBufferContentAndReset(&buf);
}


/* ---- vol-upload, vol-download ----
 *
 * A vaai volume is an extent of a LUN reached through SG_IO or libiscsi:
 * there is no file descriptor of the volume to hand to an fd stream.  The
 * stream gets one end of a socket pair (virFDStreamOpen), and a worker
 * thread moves the data between the other end and the volume's blocks
 * with READ and WRITE commands on a session of its own, each of at most
 * the plan's host transfer size (the LUN's maximum transfer length and
 * the path's limit), never outside the first capacity bytes of the
 * volume's extent.  Partial blocks at either end of an upload are read,
 * merged and written back.
 *
 * An fd stream alone would end an upload when the client finishes, before
 * the worker wrote the last chunk, and end a download that failed half
 * way as if it were complete.  So the stream's driver is the fd stream's
 * with send, recv, finish and abort wrapped: a failed send or recv, an
 * early end of a download, and the finish report the worker's error, and
 * finish waits for the worker, so the client learns the outcome.  A
 * sparse download is served as all data (inData is the rest of the
 * range); a sparse upload is refused.
 *
 * Format 1.0 has no record state for a volume being streamed, so the
 * worker re-reads the volume's record before every WRITE and after every
 * READ, and stops if its state, sequence or extent changed (a wipe,
 * resize, rename or delete, by this host or another).  The pool keeps an
 * asynchronous job while the worker runs, so it cannot be stopped under
 * it. */

typedef struct _virStorageBackendVaaiStream virStorageBackendVaaiStream;
struct _virStorageBackendVaaiStream {
    virStoragePoolObj *obj;             /* referenced, with an async job */
    virStorageBackendVaaiState *state;  /* alive while the async job is */
    char *poolName;
    char *name;
    char *key;
    bool upload;
    int fd;                             /* the worker's end of the socket pair */
    virThread thread;

    virScsiTransport *transport;        /* the worker's own session */
    virStorageVaaiHeader header;
    virStorageVaaiTable *table;         /* to re-read the volume's record */
    uint32_t idx;
    virStorageVaaiVolRecord rec;        /* as found when the stream opened */
    uint32_t blockSize;
    uint64_t chunkBlocks;
    uint64_t offset;                    /* bytes of the volume */
    uint64_t length;

    virScsiReport report;
    int aborted;                        /* atomic: the stream was aborted */

    virMutex lock;                      /* guards what follows */
    GError *err;                        /* the worker's failure */
    uint64_t remaining;                 /* download: bytes the stream did not read yet */
};

static virMutex vaaiStreamsLock = VIR_MUTEX_INITIALIZER;
static GHashTable *vaaiStreams;         /* virStreamPtr -> virStorageBackendVaaiStream */
static virStreamDriver vaaiStreamDrv;   /* the fd stream's, wrapped */
static const virStreamDriver *vaaiFdStreamDrv;


static void
virStorageBackendVaaiStreamFree(virStorageBackendVaaiStream *job)
{
    if (!job)
        return;
    VIR_FORCE_CLOSE(job->fd);
    if (job->transport)
        virScsiTransportFree(job->transport);
    if (job->table)
        virStorageVaaiTableFree(job->table);
    virScsiReportClear(&job->report);
    g_clear_error(&job->err);
    virMutexDestroy(&job->lock);
    virObjectUnref(job->obj);
    g_free(job->poolName);
    g_free(job->name);
    g_free(job->key);
    g_free(job);
}


static virStorageBackendVaaiStream *
virStorageBackendVaaiStreamFind(virStreamPtr st,
                                bool take)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&vaaiStreamsLock);
    virStorageBackendVaaiStream *job;

    if (!vaaiStreams || !(job = g_hash_table_lookup(vaaiStreams, st)))
        return NULL;
    if (take)
        g_hash_table_steal(vaaiStreams, st);
    return job;
}


/* Report the worker's error as the stream's; false if it had none. */
static bool
virStorageBackendVaaiStreamReportWorker(virStorageBackendVaaiStream *job)
{
    VIR_LOCK_GUARD lock = virLockGuardLock(&job->lock);

    if (!job->err)
        return false;
    virResetLastError();
    virReportError(VIR_ERR_OPERATION_FAILED,
                   job->upload ? _("upload to volume '%1$s' failed: %2$s") :
                                 _("download of volume '%1$s' failed: %2$s"),
                   job->name, job->err->message);
    return true;
}


static int
virStorageBackendVaaiStreamSend(virStreamPtr st,
                                const char *bytes,
                                size_t nbytes)
{
    virStorageBackendVaaiStream *job = virStorageBackendVaaiStreamFind(st, false);
    int rc = vaaiFdStreamDrv->streamSend(st, bytes, nbytes);

    /* The worker closes its end when it fails: EPIPE here. */
    if (rc == -1 && job)
        virStorageBackendVaaiStreamReportWorker(job);
    return rc;
}


static int
virStorageBackendVaaiStreamRecv(virStreamPtr st,
                                char *bytes,
                                size_t nbytes)
{
    virStorageBackendVaaiStream *job = virStorageBackendVaaiStreamFind(st, false);
    int rc = vaaiFdStreamDrv->streamRecv(st, bytes, nbytes);

    if (!job)
        return rc;
    if (rc > 0) {
        VIR_WITH_MUTEX_LOCK_GUARD(&job->lock) {
            job->remaining -= MIN(job->remaining, (uint64_t)rc);
        }
    } else if (rc == 0 || rc == -1) {
        /* End of data: the worker is done, successfully or not. */
        if (virStorageBackendVaaiStreamReportWorker(job))
            return -1;
    }
    return rc;
}


/* A sparse download: all data, the rest of the range. */
static int
virStorageBackendVaaiStreamInData(virStreamPtr st,
                                  int *inData,
                                  long long *length)
{
    virStorageBackendVaaiStream *job = virStorageBackendVaaiStreamFind(st, false);

    if (!job)
        return vaaiFdStreamDrv->streamInData(st, inData, length);
    VIR_WITH_MUTEX_LOCK_GUARD(&job->lock) {
        *inData = job->remaining > 0;
        *length = job->remaining;
    }
    return 0;
}


static int
virStorageBackendVaaiStreamFinish(virStreamPtr st)
{
    virStorageBackendVaaiStream *job = virStorageBackendVaaiStreamFind(st, true);
    int ret;

    /* Closes the stream's end: an upload's worker reads the end of data,
     * writes what it holds and stops. */
    ret = vaaiFdStreamDrv->streamFinish(st);
    if (!job)
        return ret;
    virThreadJoin(&job->thread);
    if (virStorageBackendVaaiStreamReportWorker(job))
        ret = -1;
    virStorageBackendVaaiStreamFree(job);
    return ret;
}


static int
virStorageBackendVaaiStreamAbort(virStreamPtr st)
{
    virStorageBackendVaaiStream *job = virStorageBackendVaaiStreamFind(st, true);
    int ret;

    if (job)
        g_atomic_int_set(&job->aborted, 1);
    ret = vaaiFdStreamDrv->streamAbort(st);
    if (job) {
        virThreadJoin(&job->thread);
        virStorageBackendVaaiStreamFree(job);
    }
    return ret;
}


/* READ or WRITE @nblocks at block @blk of the volume, counted in the
 * report; refuses anything outside the volume's capacity. */
static int
virStorageBackendVaaiStreamIo(virStorageBackendVaaiStream *job,
                              uint64_t blk,
                              uint64_t nblocks,
                              uint8_t *buf,
                              bool write,
                              bool data,
                              GError **error)
{
    uint32_t bs = job->blockSize;
    uint64_t capBlocks = job->rec.capacity / bs;
    uint64_t lba = job->rec.extentStart + blk;
    int rc;

    if (nblocks == 0 || blk >= capBlocks || nblocks > capBlocks - blk ||
        capBlocks > job->rec.extentLength || nblocks > job->chunkBlocks) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "blocks %llu+%llu are outside volume '%s' (%llu blocks)",
                    (unsigned long long)blk, (unsigned long long)nblocks,
                    job->name, (unsigned long long)capBlocks);
        return -1;
    }
    if (write)
        rc = virScsiCommandWrite(job->transport, lba, nblocks, bs, buf, error);
    else
        rc = virScsiCommandRead(job->transport, lba, nblocks, bs, buf, error);
    if (rc < 0) {
        virScsiReportAdd(&job->report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
        return -1;
    }
    virScsiReportAdd(&job->report, VIR_SCSI_METHOD_HOST, 1, 0,
                     data ? nblocks : 0, nblocks * bs);
    return 0;
}


/* Whether the volume is still what the stream opened: same state,
 * sequence and extent.  Any operation on it (here or on another host)
 * moves the sequence on. */
static int
virStorageBackendVaaiStreamCheck(virStorageBackendVaaiStream *job,
                                 uint8_t *block,
                                 GError **error)
{
    const virStorageVaaiVolRecord *now = &job->table->recs[job->idx];

    if (virScsiCommandRead(job->transport, job->header.volumeTableLba + job->idx, 1,
                           job->blockSize, block, error) < 0)
        return -1;
    virStorageVaaiTableLoad(job->table, job->idx, block);
    if (job->table->status[job->idx] != VIR_STORAGE_VAAI_RECORD_VALID ||
        now->state != VIR_STORAGE_VAAI_VOL_READY ||
        now->sequence != job->rec.sequence ||
        now->extentStart != job->rec.extentStart ||
        now->extentLength != job->rec.extentLength ||
        now->capacity != job->rec.capacity ||
        memcmp(now->uuid, job->rec.uuid, sizeof(now->uuid)) != 0) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "volume '%s' changed meanwhile (record %u: %s, sequence %llu, "
                    "was ready, sequence %llu): stopped",
                    job->name, job->idx,
                    job->table->status[job->idx] == VIR_STORAGE_VAAI_RECORD_VALID ?
                    virStorageVaaiVolStateName(now->state) : "unreadable",
                    (unsigned long long)now->sequence,
                    (unsigned long long)job->rec.sequence);
        return -1;
    }
    return 0;
}


/* Read up to @want bytes from the socket; fewer only at its end. */
static int
virStorageBackendVaaiStreamReadFull(int fd,
                                    uint8_t *buf,
                                    size_t want,
                                    size_t *have,
                                    GError **error)
{
    *have = 0;
    while (*have < want) {
        ssize_t got = read(fd, buf + *have, want - *have);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                        "cannot read the stream: %s", g_strerror(errno));
            return -1;
        }
        if (got == 0)
            break;
        *have += got;
    }
    return 0;
}


static int
virStorageBackendVaaiStreamWriteFull(virStorageBackendVaaiStream *job,
                                     const uint8_t *buf,
                                     size_t len,
                                     GError **error)
{
    size_t done = 0;

    while (done < len) {
        ssize_t put = send(job->fd, buf + done, len - done, MSG_NOSIGNAL);

        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0) {
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                        "the stream was closed before its end: %s", g_strerror(errno));
            return -1;
        }
        done += put;
    }
    return 0;
}


static int
virStorageBackendVaaiStreamUploadData(virStorageBackendVaaiStream *job,
                                      GError **error)
{
    uint32_t bs = job->blockSize;
    size_t bufLen = job->chunkBlocks * bs;
    g_autofree uint8_t *buf = g_new(uint8_t, bufLen);
    g_autofree uint8_t *block = g_new(uint8_t, bs);
    uint64_t pos = job->offset;
    uint64_t end = job->offset + job->length;

    while (pos < end) {
        uint64_t blk = pos / bs;
        size_t head = pos % bs;
        size_t want = MIN(end - pos, bufLen - head);
        size_t have = 0;
        size_t tail;
        uint64_t nblocks;

        if (virStorageBackendVaaiStreamReadFull(job->fd, buf + head, want, &have, error) < 0)
            return -1;
        if (have == 0 || g_atomic_int_get(&job->aborted))
            break;
        nblocks = (head + have + bs - 1) / bs;
        tail = (head + have) % bs;
        /* Partial blocks: keep what the volume holds around the data. */
        if (head) {
            if (virStorageBackendVaaiStreamIo(job, blk, 1, block, false, false, error) < 0)
                return -1;
            memcpy(buf, block, head);
        }
        if (tail) {
            if (virStorageBackendVaaiStreamIo(job, blk + nblocks - 1, 1, block,
                                              false, false, error) < 0)
                return -1;
            memcpy(buf + head + have, block + tail, bs - tail);
        }
        if (virStorageBackendVaaiStreamCheck(job, block, error) < 0 ||
            virStorageBackendVaaiStreamIo(job, blk, nblocks, buf, true, true, error) < 0)
            return -1;
        pos += have;
        if (have < want)
            break;
    }

    if (g_atomic_int_get(&job->aborted)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INTR,
                    "aborted after %llu bytes",
                    (unsigned long long)(pos - job->offset));
        return -1;
    }
    if (pos == end) {
        uint8_t extra;
        ssize_t got;

        while ((got = read(job->fd, &extra, 1)) < 0 && errno == EINTR)
            ;
        if (got > 0) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                        "more data than the %llu bytes from offset %llu%s "
                        "(the volume's capacity is %llu bytes); the first %llu were written",
                        (unsigned long long)job->length, (unsigned long long)job->offset,
                        job->offset + job->length == job->rec.capacity ?
                        " to the end of the volume" : "",
                        (unsigned long long)job->rec.capacity,
                        (unsigned long long)job->length);
            return -1;
        }
    }
    return 0;
}


static int
virStorageBackendVaaiStreamDownloadData(virStorageBackendVaaiStream *job,
                                        GError **error)
{
    uint32_t bs = job->blockSize;
    size_t bufLen = job->chunkBlocks * bs;
    g_autofree uint8_t *buf = g_new(uint8_t, bufLen);
    g_autofree uint8_t *block = g_new(uint8_t, bs);
    uint64_t pos = job->offset;
    uint64_t end = job->offset + job->length;

    while (pos < end) {
        uint64_t blk = pos / bs;
        size_t head = pos % bs;
        size_t want = MIN(end - pos, bufLen - head);
        uint64_t nblocks = (head + want + bs - 1) / bs;

        if (g_atomic_int_get(&job->aborted)) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INTR,
                        "aborted after %llu bytes",
                        (unsigned long long)(pos - job->offset));
            return -1;
        }
        /* Checked after the read: data read from an extent that changed
         * meanwhile is never sent. */
        if (virStorageBackendVaaiStreamIo(job, blk, nblocks, buf, false, true, error) < 0 ||
            virStorageBackendVaaiStreamCheck(job, block, error) < 0 ||
            virStorageBackendVaaiStreamWriteFull(job, buf + head, want, error) < 0)
            return -1;
        pos += want;
    }
    return 0;
}


static void
virStorageBackendVaaiStreamWorker(void *opaque)
{
    virStorageBackendVaaiStream *job = opaque;
    virStorageBackendVaaiOp op = job->upload ? VIR_STORAGE_BACKEND_VAAI_OP_UPLOAD :
                                               VIR_STORAGE_BACKEND_VAAI_OP_DOWNLOAD;
    virStorageVolDef vol = { .name = job->name, .key = job->key };
    virScsiTransportStats before;
    virScsiTransportStats after;
    GError *err = NULL;
    int ret;

    virScsiTransportGetStats(job->transport, &before);
    if (job->upload)
        ret = virStorageBackendVaaiStreamUploadData(job, &err);
    else
        ret = virStorageBackendVaaiStreamDownloadData(job, &err);
    virScsiTransportGetStats(job->transport, &after);
    virScsiReportLink(&job->report, &before, &after);
    virScsiReportEnd(&job->report);

    if (ret < 0) {
        VIR_WARN("pool '%s' volume '%s': %s: %s", job->poolName, job->name,
                 virStorageBackendVaaiOpName(op), err ? err->message : "failed");
        if (!err)
            err = g_error_new_literal(G_FILE_ERROR, G_FILE_ERROR_FAILED, "failed");
    }
    /* The error is set before the socket closes: whoever sees the close
     * sees the error. */
    VIR_WITH_MUTEX_LOCK_GUARD(&job->lock) {
        job->err = err;
    }
    VIR_FORCE_CLOSE(job->fd);

    virStorageBackendVaaiLogReport(virStorageBackendVaaiOpName(op), job->poolName,
                                   job->name, &job->report);
    virStorageBackendVaaiAccount(job->state, op, &vol, &job->report, ret < 0);

    virObjectLock(job->obj);
    virStorageDriverEmitPoolRefresh(job->obj);
    virStoragePoolObjDecrAsyncjobs(job->obj);
    virObjectUnlock(job->obj);
}


static int
virStorageBackendVaaiStreamOpen(virStoragePoolObj *obj,
                                virStorageVolDef *vol,
                                virStreamPtr stream,
                                unsigned long long offset,
                                unsigned long long length,
                                bool upload)
{
    virStoragePoolDef *def = virStoragePoolObjGetDef(obj);
    virStorageBackendVaaiState *state;
    g_autoptr(virStorageVaaiTable) table = NULL;
    g_autoptr(GError) err = NULL;
    virStorageBackendVaaiStream *job = NULL;
    const virStorageVaaiVolRecord *rec;
    uint64_t capacity;
    int fds[2] = { -1, -1 };
    int idx;

    if (!(state = virStorageBackendVaaiStateGet(obj)))
        return -1;

    table = virStorageVaaiTableNew(&state->pool->header);
    VIR_WITH_MUTEX_LOCK_GUARD(&state->lock) {
        if (virStorageVaaiTableRead(state->pool, table, &err) < 0) {
            virStorageBackendVaaiReportGError(_("cannot read the volume table"), err);
            return -1;
        }
    }
    if ((idx = virStorageVaaiTableFindName(table, vol->name)) < 0) {
        virReportError(VIR_ERR_NO_STORAGE_VOL,
                       _("no volume '%1$s' on the LUN"), vol->name);
        return -1;
    }
    rec = &table->recs[idx];
    if (rec->state != VIR_STORAGE_VAAI_VOL_READY) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("volume '%1$s' is %2$s, not ready"),
                       vol->name, virStorageVaaiVolStateName(rec->state));
        return -1;
    }
    capacity = rec->capacity;
    if (offset >= capacity) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("offset %1$llu is not within volume '%2$s' (capacity %3$llu bytes)"),
                       offset, vol->name, (unsigned long long)capacity);
        return -1;
    }
    if (length == 0) {
        length = capacity - offset;
    } else if (length > capacity - offset) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("%1$llu bytes from offset %2$llu go beyond the end of volume '%3$s' (capacity %4$llu bytes)"),
                       length, offset, vol->name, (unsigned long long)capacity);
        return -1;
    }

    job = g_new0(virStorageBackendVaaiStream, 1);
    job->fd = -1;
    if (virMutexInit(&job->lock) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("cannot initialize mutex"));
        g_free(job);
        return -1;
    }
    job->state = state;
    job->poolName = g_strdup(def->name);
    job->name = g_strdup(vol->name);
    job->key = virStorageBackendVaaiUUIDFormat(rec->uuid);
    job->upload = upload;
    job->header = state->pool->header;
    job->idx = idx;
    job->rec = *rec;
    job->blockSize = state->pool->header.blockSize;
    job->chunkBlocks = MAX(state->lun->plan.ops[VIR_SCSI_PLAN_OP_COPY].hostMaxBlocks, 1);
    job->offset = offset;
    job->length = length;
    job->remaining = length;
    job->table = virStorageVaaiTableNew(&job->header);
    virScsiReportInit(&job->report);
    virScsiReportBegin(&job->report, upload ? "upload" : "download", job->blockSize,
                       (offset + length + job->blockSize - 1) / job->blockSize -
                       offset / job->blockSize, NULL);
    job->report.planned = VIR_SCSI_METHOD_HOST;

    if (!(job->transport = virScsiLunOpenExtraTransport(state->lun, &err))) {
        virStorageBackendVaaiReportGError(_("cannot open a session to the LUN"), err);
        goto error;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a socket pair"));
        goto error;
    }
    if (virFDStreamOpen(stream, fds[0]) < 0)
        goto error;
    fds[0] = -1;                /* the stream's now */
    job->fd = fds[1];
    fds[1] = -1;

    virObjectLock(obj);
    virStoragePoolObjIncrAsyncjobs(obj);
    virObjectUnlock(obj);
    job->obj = virObjectRef(obj);

    if (virThreadCreateFull(&job->thread, true, virStorageBackendVaaiStreamWorker,
                            upload ? "vaai-upload" : "vaai-download", false, job) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a thread"));
        virObjectLock(obj);
        virStoragePoolObjDecrAsyncjobs(obj);
        virObjectUnlock(obj);
        goto error;             /* closing the worker's end ends the stream */
    }

    VIR_WITH_MUTEX_LOCK_GUARD(&vaaiStreamsLock) {
        if (!vaaiStreams)
            vaaiStreams = g_hash_table_new(g_direct_hash, g_direct_equal);
        if (!vaaiFdStreamDrv) {
            vaaiFdStreamDrv = stream->driver;
            vaaiStreamDrv = *stream->driver;
            vaaiStreamDrv.streamSend = virStorageBackendVaaiStreamSend;
            vaaiStreamDrv.streamRecv = virStorageBackendVaaiStreamRecv;
            vaaiStreamDrv.streamInData = virStorageBackendVaaiStreamInData;
            vaaiStreamDrv.streamFinish = virStorageBackendVaaiStreamFinish;
            vaaiStreamDrv.streamAbort = virStorageBackendVaaiStreamAbort;
        }
        g_hash_table_insert(vaaiStreams, stream, job);
        stream->driver = &vaaiStreamDrv;
    }

    VIR_DEBUG("pool '%s' volume '%s': %s of %llu bytes from offset %llu, blocks %llu+%llu "
              "of the LUN, %llu blocks per command",
              def->name, vol->name, upload ? "upload" : "download",
              length, offset, (unsigned long long)rec->extentStart,
              (unsigned long long)(capacity / job->blockSize),
              (unsigned long long)job->chunkBlocks);
    return 0;

 error:
    VIR_FORCE_CLOSE(fds[0]);
    VIR_FORCE_CLOSE(fds[1]);
    virStorageBackendVaaiStreamFree(job);
    return -1;
}


static int
virStorageBackendVaaiUploadVol(virStoragePoolObj *obj,
                               virStorageVolDef *vol,
                               virStreamPtr stream,
                               unsigned long long offset,
                               unsigned long long length,
                               unsigned int flags)
{
    virCheckFlags(VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM, -1);

    if (flags & VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("vaai volumes take no sparse uploads: upload without --sparse"));
        return -1;
    }
    return virStorageBackendVaaiStreamOpen(obj, vol, stream, offset, length, true);
}


static int
virStorageBackendVaaiDownloadVol(virStoragePoolObj *obj,
                                 virStorageVolDef *vol,
                                 virStreamPtr stream,
                                 unsigned long long offset,
                                 unsigned long long length,
                                 unsigned int flags)
{
    /* Sparse: served as all data (see above). */
    virCheckFlags(VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM, -1);

    return virStorageBackendVaaiStreamOpen(obj, vol, stream, offset, length, false);
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
