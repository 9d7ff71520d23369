/*
 * storage_backend_vaai_priv.h: what the files of the vaai storage backend
 *                              share
 *
 * The backend is storage_backend_vaai.c (the libvirt callbacks, the LUN
 * and the pool state) with one file per concern around it:
 * storage_backend_vaai_dm.c (device-mapper devices of local pools),
 * storage_backend_vaai_watch.c (other hosts' changes),
 * storage_backend_vaai_status.c (counters and <vaai:offload>),
 * storage_backend_vaai_sources.c (find-storage-pool-sources) and
 * storage_backend_vaai_stream.c (vol-upload, vol-download).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
# error "storage_backend_vaai_priv.h may only be included by the vaai backend's files"
#endif /* LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW */

#pragma once

#include "internal.h"
#include "storage_conf.h"
#include "virbuffer.h"
#include "virstorageobj.h"
#include "virthread.h"

#include "storage_vaai_hold.h"
#include "storage_vaai_volume.h"
#include "virscsilun.h"

#define VIR_STORAGE_VAAI_ISCSI_PORT 3260

#define VIR_STORAGE_BACKEND_VAAI_NS_URI "http://libvirt.org/schemas/storagepool/vaai/1.0"

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
    uint64_t reconnects;            /* sessions logged in again after a loss */
    uint64_t resentBytes;           /* ...and the data sent again on them */
    virSCSIMethodStats methods[VIR_SCSI_METHOD_LAST];
};

/* How a volume was last built, cloned or wiped on this host. */
typedef struct _virStorageBackendVaaiVolStat virStorageBackendVaaiVolStat;
struct _virStorageBackendVaaiVolStat {
    char *key;
    char *name;
    virStorageBackendVaaiOp op;
    bool failed;
    virSCSIMethod method;           /* the method that did most blocks */
    virSCSIMethod planned;          /* what the plan chose */
    char *methods;                  /* every method that did blocks, "a,b" */
    uint64_t blocks;
    uint64_t offloadedBlocks;
    uint64_t hostBytes;
    uint64_t linkBytes;
    uint64_t reconnects;
    uint64_t resentBytes;
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
    virSCSILun *lun;
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
    GHashTable *buildFailed;        /* ...and of those whose build failed, until
                                     * the driver's delete of them */
    GHashTable *ownOps;             /* volume key -> virStorageBackendVaaiOwnOp */
    /* So that refreshing one volume reads one record, not the table: */
    GHashTable *slots;              /* volume key -> its record's index + 1,
                                     * as the last whole table read found */
    GHashTable *built;              /* volume key -> virStorageVaaiVolRecord
                                     * this host's build just wrote */
    /* Who holds the pool's volumes open, any host, as the last refresh
     * read it (<vaai:holders>): virStorageBackendVaaiHeld. */
    GArray *held;

    /* The watcher of changes made by other hosts (see below). */
    virThread watchThread;
    bool watching;
    virSCSILun *watchLun;           /* the watcher's own session */
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


/* storage_backend_vaai.c */
void
virStorageBackendVaaiReportGError(const char *what,
                                  const GError *err);
/* The libvirt error number for a pool library or SCSI layer error. */
virErrorNumber
virStorageBackendVaaiErrorNumber(const GError *err);
int
virStorageBackendVaaiGetAuth(virStoragePoolSource *src,
                             char **user,
                             char **secret);
virSCSILun *
virStorageBackendVaaiOpenLunSource(virStoragePoolSource *src,
                                   bool readOnly);
virStorageBackendVaaiState *
virStorageBackendVaaiStateGet(virStoragePoolObj *obj);
char *
virStorageBackendVaaiUUIDFormat(const uint8_t *uuid);
void
virStorageBackendVaaiLogReport(const char *what,
                               const char *pool,
                               const char *vol,
                               const virSCSIReport *report);

/* storage_backend_vaai_dm.c */
int
virStorageBackendVaaiDmInit(virStorageBackendVaaiState *state);
char *
virStorageBackendVaaiDmName(virStorageBackendVaaiState *state,
                            const char *key);
int
virStorageBackendVaaiDmOpenCount(const char *name);
int
virStorageBackendVaaiDmCheckUnused(const char *name,
                                   const char *volName,
                                   const char *what);
int
virStorageBackendVaaiDmRemove(const char *name,
                              const char *volName,
                              const char *what);
int
virStorageBackendVaaiDmSyncVol(virStorageBackendVaaiState *state,
                               const virStorageVaaiVolRecord *rec);
int
virStorageBackendVaaiDmRefresh(virStorageBackendVaaiState *state,
                               const char *poolName,
                               virStorageVaaiTable *table);
int
virStorageBackendVaaiDmRemoveAll(virStorageBackendVaaiState *state);

/* storage_backend_vaai_watch.c */
int
virStorageBackendVaaiWatchStart(virStorageBackendVaaiState *state,
                                virStoragePoolDef *def);
void
virStorageBackendVaaiWatchStop(virStorageBackendVaaiState *state);
void
virStorageBackendVaaiOwnBegin(virStorageBackendVaaiState *state,
                              const char *key);
void
virStorageBackendVaaiOwnEnd(virStorageBackendVaaiState *state,
                            const char *key);

/* storage_backend_vaai_status.c */
const char *
virStorageBackendVaaiOpName(virStorageBackendVaaiOp op);
void
virStorageBackendVaaiVolStatFree(void *opaque);
void
virStorageBackendVaaiAccount(virStorageBackendVaaiState *state,
                             virStorageBackendVaaiOp op,
                             const virStorageVolDef *vol,
                             const virSCSIReport *report,
                             bool failed);
void
virStorageBackendVaaiPruneVolStats(virStorageBackendVaaiState *state,
                                   const virStorageVaaiTable *table);

typedef struct _virStorageBackendVaaiHeld virStorageBackendVaaiHeld;
struct _virStorageBackendVaaiHeld {
    char *volume;
    char *key;
    virStorageVaaiHolderInfo info;
};

/* Read who holds the volumes of @table (as just read) open, for the pool
 * XML; a failure is logged and leaves the last list. */
void
virStorageBackendVaaiReadHolders(virStorageBackendVaaiState *state,
                                 const virStorageVaaiTable *table);

void
virStorageBackendVaaiHeldClear(void *opaque);
void
virStorageBackendVaaiFormatHeader(virBuffer *buf,
                                  const virStorageVaaiHeader *hdr);
void
virStorageBackendVaaiFormatLun(virBuffer *buf,
                               const virSCSILun *lun);
void
virStorageBackendVaaiFormatPlan(virBuffer *buf,
                                const virSCSILun *lun);
void
virStorageBackendVaaiFormatOffload(virBuffer *buf,
                                   virStorageBackendVaaiState *state);

/* storage_backend_vaai_sources.c */
char *
virStorageBackendVaaiFindPoolSources(const char *srcSpec,
                                     unsigned int flags);

/* storage_backend_vaai_stream.c */
int
virStorageBackendVaaiUploadVol(virStoragePoolObj *obj,
                               virStorageVolDef *vol,
                               virStreamPtr stream,
                               unsigned long long offset,
                               unsigned long long length,
                               unsigned int flags);
int
virStorageBackendVaaiDownloadVol(virStoragePoolObj *obj,
                                 virStorageVolDef *vol,
                                 virStreamPtr stream,
                                 unsigned long long offset,
                                 unsigned long long length,
                                 unsigned int flags);
