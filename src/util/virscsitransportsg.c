/*
 * virscsitransportsg.c: SG_IO through libsgutils2, for /dev/sgN, /dev/sdX
 *                       and device-mapper multipath devices
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <scsi/sg_lib.h>
#include <scsi/sg_pt.h>

#include "virscsitransport.h"
#include "virscsierror.h"

/*
 * Data-out of up to this size that crosses a page boundary goes through a
 * page-aligned copy.  SG_IO on a block device (/dev/sdX) maps the
 * caller's pages into the request as they are, and LIO (Linux 6.1's
 * compare_and_write_callback) takes the write half of a COMPARE AND
 * WRITE from the first data page at the first segment's offset: a
 * 2-block buffer that straddles two pages had garbage written in place
 * of the record (seen through tcm_loop; the sg driver and iSCSI targets
 * copy into their own aligned pages, so /dev/sgN and iSCSI were not
 * affected).  Small commands only: large transfers are page-aligned or
 * bounced by the kernel's own rules, and cost a copy here otherwise.
 */
#define VIR_SCSI_SG_BOUNCE_MAX (64 * 1024)

typedef struct _virSCSITransportSG virSCSITransportSG;
struct _virSCSITransportSG {
    int fd;
    unsigned int timeoutMs;
};


static int
virSCSITransportSGExec(virSCSITransport *transport,
                       virSCSICmd *cmd,
                       GError **error)
{
    virSCSITransportSG *sg = transport->priv;
    struct sg_pt_base *pt = NULL;
    unsigned int timeoutMs = cmd->timeoutMs ? cmd->timeoutMs : sg->timeoutMs;
    int timeoutSecs = MAX(1, (timeoutMs + 999) / 1000);
    long page = sysconf(_SC_PAGESIZE);
    void *bounce = NULL;
    uint8_t *dataOut = cmd->data;
    int rc;
    int ret = -1;

    if (cmd->dataLen > G_MAXINT) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: transfer of %zu bytes is too large for SG_IO",
                    transport->target, cmd->dataLen);
        return -1;
    }

    /* One pass-through object per command: SG_IO itself is safe to issue
     * from several threads on one descriptor, the object is not. */
    if (!(pt = construct_scsi_pt_obj_with_fd(sg->fd, 0))) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: cannot allocate a pass-through object", transport->target);
        return -1;
    }

    set_scsi_pt_cdb(pt, cmd->cdb, cmd->cdbLen);
    set_scsi_pt_sense(pt, cmd->sense, sizeof(cmd->sense));
    switch (cmd->dir) {
    case VIR_SCSI_XFER_FROM_DEV:
        set_scsi_pt_data_in(pt, cmd->data, cmd->dataLen);
        break;
    case VIR_SCSI_XFER_TO_DEV:
        if (page > 0 && cmd->dataLen > 0 && cmd->dataLen <= VIR_SCSI_SG_BOUNCE_MAX &&
            (uintptr_t)cmd->data / page !=
            ((uintptr_t)cmd->data + cmd->dataLen - 1) / page &&
            posix_memalign(&bounce, page, cmd->dataLen) == 0) {
            memcpy(bounce, cmd->data, cmd->dataLen);
            dataOut = bounce;
        }
        set_scsi_pt_data_out(pt, dataOut, cmd->dataLen);
        break;
    case VIR_SCSI_XFER_NONE:
        break;
    }

    rc = do_scsi_pt(pt, sg->fd, timeoutSecs, 0);
    if (rc == SCSI_PT_DO_TIMEOUT) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x timed out after %d s",
                    transport->target, cmd->cdb[0], timeoutSecs);
        goto cleanup;
    }
    if (rc < 0 || rc == SCSI_PT_DO_BAD_PARAMS || rc == SCSI_PT_DO_NOT_SUPPORTED) {
        int err = rc < 0 ? -rc : get_scsi_pt_os_err(pt);
        if (err == ENOTTY)
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                        "%s does not accept SCSI commands (SG_IO: %s): name a "
                        "SCSI disk, its sg node or a multipath device",
                        transport->target, g_strerror(err));
        else if (err == EINVAL)
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                        "%s: the kernel refused command 0x%02x with %zu bytes of "
                        "data (SG_IO: %s): more than the device's queue takes?",
                        transport->target, cmd->cdb[0], cmd->dataLen, g_strerror(err));
        else
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                        "%s: SG_IO for command 0x%02x failed: %s",
                        transport->target, cmd->cdb[0],
                        err ? g_strerror(err) : "bad parameters");
        goto cleanup;
    }

    switch (get_scsi_pt_result_category(pt)) {
    case SCSI_PT_RESULT_GOOD:
    case SCSI_PT_RESULT_STATUS:
    case SCSI_PT_RESULT_SENSE:
        break;
    case SCSI_PT_RESULT_TRANSPORT_ERR: {
        char buf[256];
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: transport error for command 0x%02x: %s",
                    transport->target, cmd->cdb[0],
                    get_scsi_pt_transport_err_str(pt, sizeof(buf), buf));
        goto cleanup;
    }
    case SCSI_PT_RESULT_OS_ERR:
    default: {
        char buf[256];
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x failed: %s",
                    transport->target, cmd->cdb[0],
                    get_scsi_pt_os_err_str(pt, sizeof(buf), buf));
        goto cleanup;
    }
    }

    cmd->status = get_scsi_pt_status_response(pt);
    cmd->senseLen = MAX(0, get_scsi_pt_sense_len(pt));
    cmd->resid = cmd->dir == VIR_SCSI_XFER_NONE ? 0 : MAX(0, get_scsi_pt_resid(pt));
    ret = 0;

 cleanup:
    destruct_scsi_pt_obj(pt);
    free(bounce);
    return ret;
}


static void
virSCSITransportSGClose(virSCSITransport *transport)
{
    virSCSITransportSG *sg = transport->priv;

    if (!sg)
        return;
    if (sg->fd >= 0)
        scsi_pt_close_device(sg->fd);
    g_free(sg);
    transport->priv = NULL;
}


/* When nothing can be learned, stay under what every Linux queue takes. */
#define VIR_SCSI_SG_SAFE_TRANSFER (512 * 1024)


static uint64_t
virSCSISysfsU64(const char *path)
{
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    return g_ascii_strtoull(text, NULL, 10);
}


/* The queue directory behind a block or sg node, or NULL. */
static char *
virSCSISysfsQueueDir(const struct stat *sb)
{
    g_autofree char *blockDir = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;

    if (S_ISBLK(sb->st_mode))
        return g_strdup_printf("/sys/dev/block/%u:%u/queue",
                               major(sb->st_rdev), minor(sb->st_rdev));
    blockDir = g_strdup_printf("/sys/dev/char/%u:%u/device/block",
                               major(sb->st_rdev), minor(sb->st_rdev));
    if (!(dir = g_dir_open(blockDir, 0, NULL)) || !(name = g_dir_read_name(dir)))
        return NULL;
    return g_strdup_printf("%s/%s/queue", blockDir, name);
}


/*
 * SG_IO maps the caller's buffer into the request as it is: the request
 * must fit the queue's max_sectors_kb and, page by page, its
 * max_segments.  A larger transfer fails with EINVAL, so learn the limit
 * up front (one page less than the segments allow, for buffers that do
 * not start on a page).
 */
static uint64_t
virSCSITransportSGMaxTransfer(int fd G_GNUC_UNUSED,
                              const struct stat *sb)
{
    g_autofree char *queue = virSCSISysfsQueueDir(sb);
    g_autofree char *path = NULL;
    uint64_t page = sysconf(_SC_PAGESIZE);
    uint64_t sectorsKb;
    uint64_t segments;
    uint64_t limit;

    if (!queue)
        return VIR_SCSI_SG_SAFE_TRANSFER;
    path = g_strdup_printf("%s/max_sectors_kb", queue);
    sectorsKb = virSCSISysfsU64(path);
    g_free(path);
    path = g_strdup_printf("%s/max_segments", queue);
    segments = virSCSISysfsU64(path);
    if (!sectorsKb || !segments)
        return VIR_SCSI_SG_SAFE_TRANSFER;
    limit = MIN(sectorsKb * 1024, (segments > 1 ? segments - 1 : 1) * page);
    return MAX(limit, page);
}


static const virSCSITransportOps virSCSITransportSGOps = {
    .name = "sg",
    .exec = virSCSITransportSGExec,
    .close = virSCSITransportSGClose,
};


virSCSITransport *
virSCSITransportOpenSG(const char *path,
                       const virSCSITransportOptions *opts,
                       GError **error)
{
    virSCSITransportSG *sg = NULL;
    virSCSITransport *transport;
    struct stat sb;
    bool readOnly = opts && opts->readOnly;
    int fd;

    if (stat(path, &sb) < 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "cannot open %s: %s", path, g_strerror(errno));
        return NULL;
    }
    /* A regular file would fail SG_IO with a confusing ENOTTY later. */
    if (!S_ISBLK(sb.st_mode) && !S_ISCHR(sb.st_mode)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s is neither a block device nor a SCSI generic device",
                    path);
        return NULL;
    }

    /* O_NONBLOCK: /dev/sgN must not wait on a command queue at open, and a
     * multipath map with no path must not block the open either. */
    fd = scsi_pt_open_flags(path, (readOnly ? O_RDONLY : O_RDWR) | O_NONBLOCK, 0);
    if (fd < 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "cannot open %s: %s", path, g_strerror(-fd));
        return NULL;
    }

    sg = g_new0(virSCSITransportSG, 1);
    sg->fd = fd;
    sg->timeoutMs = opts && opts->timeoutMs ? opts->timeoutMs : VIR_SCSI_TIMEOUT_DEFAULT_MS;
    transport = virSCSITransportNew(&virSCSITransportSGOps, sg, path);
    transport->maxTransferBytes = virSCSITransportSGMaxTransfer(fd, &sb);
    return transport;
}
