/*
 * storage_backend_vaai_stream.c: vol-upload and vol-download of vaai
 *                                volumes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <sys/socket.h>

#include "datatypes.h"
#define LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
#include "storage_backend_vaai_priv.h"
#include "storage_driver.h"
#include "virerror.h"
#include "virfdstream.h"
#include "virfile.h"
#include "virlog.h"

#include "virscsicommands.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai_stream");


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
 * worker re-reads the volume's record before every WRITE, after the last
 * one and after every READ, and stops if its state, sequence or extent
 * changed (a wipe, resize, rename or delete, by this host or another).
 * The pool keeps an asynchronous job while the worker runs, so it cannot
 * be stopped under it. */

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

    virSCSITransport *transport;        /* the worker's own session */
    virStorageVaaiHeader header;
    virStorageVaaiTable *table;         /* to re-read the volume's record */
    uint32_t idx;
    virStorageVaaiVolRecord rec;        /* as found when the stream opened */
    uint32_t blockSize;
    uint64_t chunkBlocks;
    uint64_t offset;                    /* bytes of the volume */
    uint64_t length;

    virSCSIReport report;
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
        virSCSITransportFree(job->transport);
    if (job->table)
        virStorageVaaiTableFree(job->table);
    virSCSIReportClear(&job->report);
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
        rc = virSCSICommandWrite(job->transport, lba, nblocks, bs, buf, error);
    else
        rc = virSCSICommandRead(job->transport, lba, nblocks, bs, buf, error);
    if (rc < 0) {
        virSCSIReportAdd(&job->report, VIR_SCSI_METHOD_HOST, 1, 1, 0, 0);
        return -1;
    }
    virSCSIReportAdd(&job->report, VIR_SCSI_METHOD_HOST, 1, 0,
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

    if (virSCSICommandRead(job->transport, job->header.volumeTableLba + job->idx, 1,
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
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_CHANGED,
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
    /* Each check before a WRITE covers the WRITEs before it; this one
     * covers the last: an operation that began on the volume before the
     * last WRITE completed (a wipe zeroing it under us) makes the upload
     * fail, never report data as written that may not be there. */
    if (pos > job->offset && virStorageBackendVaaiStreamCheck(job, block, error) < 0)
        return -1;
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
    virSCSITransportStats before;
    virSCSITransportStats after;
    GError *err = NULL;
    int ret;

    virSCSITransportGetStats(job->transport, &before);
    if (job->upload)
        ret = virStorageBackendVaaiStreamUploadData(job, &err);
    else
        ret = virStorageBackendVaaiStreamDownloadData(job, &err);
    virSCSITransportGetStats(job->transport, &after);
    virSCSIReportLink(&job->report, &before, &after);
    virSCSIReportEnd(&job->report);

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
    virSCSIReportInit(&job->report);
    virSCSIReportBegin(&job->report, upload ? "upload" : "download", job->blockSize,
                       (offset + length + job->blockSize - 1) / job->blockSize -
                       offset / job->blockSize, NULL);
    job->report.planned = VIR_SCSI_METHOD_HOST;

    if (!(job->transport = virSCSILunOpenExtraTransport(state->lun, &err))) {
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


int
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


int
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
