/*
 * vaaictl-io.c: "vaaictl read" and "vaaictl write": plain block I/O
 *               between a LUN and a file or a pipe, a few MiB at a time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vaaictl.h"
#include "virscsierror.h"

/* Large ranges pass through a buffer of this size, not all of memory. */
#define VAAICTL_IO_PIECE_BYTES (4 * 1024 * 1024)

/* One transfer: a report for the whole range, fed from one engine report
 * per piece. */
typedef struct _vaaictlIo vaaictlIo;
struct _vaaictlIo {
    const char *cmd;
    bool badInput;              /* failed for the input, not the LUN: usage */
    virSCSILun *lun;
    uint32_t blockSize;
    uint64_t lba;
    uint64_t pos;               /* blocks done and through the file */
    uint64_t pieceBlocks;
    uint8_t *buf;
    FILE *file;
    virSCSIReport report;
    /* Here rather than on the stack: Ctrl-C may cancel it a moment after
     * the piece ended. */
    virSCSIReport piece;
    vaaictlWatch *watch;
};


/* Returns the buffer, for the caller to free only after the LUN: a
 * command that did not complete may stay queued on its iSCSI session,
 * pointing into the buffer, until the session closes. */
static uint8_t *
vaaictlIoBegin(vaaictlIo *io,
               virSCSILun *lun,
               uint64_t lba,
               uint64_t nblocks,
               bool json)
{
    io->lun = lun;
    io->lba = lba;
    io->blockSize = virSCSILunBlockSize(lun);
    io->pieceBlocks = MAX(VAAICTL_IO_PIECE_BYTES / io->blockSize, 1);
    io->buf = g_new(uint8_t, io->pieceBlocks * io->blockSize);

    virSCSIReportInit(&io->report);
    virSCSIReportBegin(&io->report, io->cmd, io->blockSize, nblocks, NULL);
    io->report.planned = VIR_SCSI_METHOD_HOST;
    io->watch = vaaictlWatchBegin(&io->report, io->blockSize, !json);
    return io->buf;
}


/* Adds what one piece did to the whole; the report's own functions keep
 * the progress line moving. */
static void
vaaictlIoMerge(vaaictlIo *io,
               const virSCSIReport *piece)
{
    static const virSCSITransportStats none;

    for (size_t i = 0; i < VIR_SCSI_METHOD_LAST; i++) {
        const virSCSIMethodStats *m = &piece->methods[i];

        if (m->commands || m->blocks)
            virSCSIReportAdd(&io->report, i, m->commands, m->failures,
                             m->blocks, m->hostBytes);
    }
    for (size_t i = 0; piece->events && i < piece->events->len; i++)
        virSCSIReportEvent(&io->report, "%s", (const char *)g_ptr_array_index(piece->events, i));
    virSCSIReportLink(&io->report, &none, &piece->link);
    if (!io->report.plannedReason && piece->plannedReason)
        io->report.plannedReason = g_strdup(piece->plannedReason);
    virSCSIReportResume(&io->report, io->pos + piece->resumeBlocks);
}


/* Reads or writes @nblocks at io->pos through io->buf. */
static int
vaaictlIoPiece(vaaictlIo *io,
               uint64_t nblocks,
               bool write,
               GError **error)
{
    virSCSIReport *piece = &io->piece;
    int rc;

    virSCSIReportInit(piece);
    vaaictlWatchRetarget(io->watch, piece);
    if (write)
        rc = virSCSIOffloadWrite(io->lun, io->lba + io->pos, nblocks, io->buf, piece, error);
    else
        rc = virSCSIOffloadRead(io->lun, io->lba + io->pos, nblocks, io->buf, piece, error);
    vaaictlWatchRetarget(io->watch, &io->report);
    vaaictlIoMerge(io, piece);
    virSCSIReportClear(piece);
    /* Blocks read are done once they are in the output, not before. */
    if (!write)
        virSCSIReportResume(&io->report, io->pos);
    /* The engine counted this piece only: say where the whole stopped. */
    if (rc < 0 && g_error_matches(*error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED)) {
        g_clear_error(error);
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CANCELLED,
                    "%s interrupted after %llu of %llu blocks", io->cmd,
                    (unsigned long long)io->report.resumeBlocks,
                    (unsigned long long)io->report.totalBlocks);
    }
    return rc;
}


static int
vaaictlIoEnd(vaaictlIo *io,
             FILE *out,
             int rc,
             const GError *error,
             bool json)
{
    vaaictlWatchEnd(io->watch);
    if (!io->report.plannedReason)
        io->report.plannedReason = g_strdup("plain READ and WRITE commands: the data "
                                            "goes through the host by definition");
    /* Data from a pipe has no size until it ends. */
    if (!io->report.totalBlocks)
        io->report.totalBlocks = io->pos;
    virSCSIReportEnd(&io->report);
    rc = vaaictlReportFinish(io->cmd, out, &io->report, NULL, rc, error, json);
    return io->badInput && rc == VAAICTL_EXIT_FAILURE ? VAAICTL_EXIT_USAGE : rc;
}


static void
vaaictlIoSetErrno(GError **error,
                  const char *what,
                  int errsv)
{
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errsv),
                "%s: %s", what, g_strerror(errsv));
}


static int
vaaictlReadLoop(vaaictlIo *io,
                uint64_t nblocks,
                GError **error)
{
    while (io->pos < nblocks) {
        uint64_t len = MIN(io->pieceBlocks, nblocks - io->pos);

        if (vaaictlIoPiece(io, len, false, error) < 0)
            return -1;
        if (fwrite(io->buf, io->blockSize, len, io->file) != len ||
            fflush(io->file) != 0) {
            vaaictlIoSetErrno(error, "writing the output", errno);
            return -1;
        }
        io->pos += len;
        virSCSIReportResume(&io->report, io->pos);
    }
    return 0;
}


int
vaaictlCmdRead(const vaaictlGlobal *global,
               int argc,
               char **argv)
{
    g_autofree char *output = NULL;
    g_autofree uint8_t *buf = NULL;     /* freed after the LUN */
    gboolean json = FALSE;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "write the blocks to FILE (default: standard output)", "FILE" },
        VAAICTL_OPTION_JSON(json),
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
          "print no report unless the read fails", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN LBA COUNT");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(GError) err = NULL;
    vaaictlIo io = { .cmd = "read" };
    bool toStdout;
    uint64_t lba;
    uint64_t nblocks;
    FILE *report;
    int rc;

    g_option_context_set_summary(ctx,
        "Read COUNT blocks from LBA on, as they are, to a file or standard\n"
        "output.  The report goes to standard output when the data goes to a\n"
        "file, else to standard error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, io.cmd, &argc, &argv, 3, "LUN LBA COUNT") ||
        !vaaictlParseU64(io.cmd, "LBA", argv[2], 0, UINT64_MAX, &lba) ||
        !vaaictlParseU64(io.cmd, "COUNT", argv[3], 1, UINT64_MAX, &nblocks))
        return VAAICTL_EXIT_USAGE;

    toStdout = !output || g_str_equal(output, "-");
    if (toStdout && isatty(STDOUT_FILENO)) {
        fprintf(stderr, "vaaictl read: not writing binary data to a terminal: "
                "use --output FILE or a pipe\n");
        return VAAICTL_EXIT_USAGE;
    }

    if (!(lun = vaaictlOpenLun(global, io.cmd, argv[1])))
        return VAAICTL_EXIT_FAILURE;
    if (!vaaictlCheckRange(io.cmd, lun, lba, nblocks))
        return VAAICTL_EXIT_USAGE;

    if (toStdout) {
        io.file = stdout;
    } else if (!(io.file = fopen(output, "wb"))) {
        fprintf(stderr, "vaaictl read: %s: %s\n", output, g_strerror(errno));
        return VAAICTL_EXIT_FAILURE;
    }
    report = toStdout ? stderr : stdout;

    buf = vaaictlIoBegin(&io, lun, lba, nblocks, json);
    rc = vaaictlReadLoop(&io, nblocks, &err);
    if (!toStdout && fclose(io.file) != 0 && rc == 0) {
        vaaictlIoSetErrno(&err, output, errno);
        rc = -1;
    }
    return vaaictlIoEnd(&io, quiet && rc == 0 ? NULL : report, rc, err, json);
}


static int
vaaictlWriteBadInput(vaaictlIo *io,
                     GError **error,
                     const char *fmt,
                     ...) G_GNUC_PRINTF(3, 4);

static int
vaaictlWriteBadInput(vaaictlIo *io,
                     GError **error,
                     const char *fmt,
                     ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, msg);
    io->badInput = true;
    return -1;
}


/*
 * A pipe's length is known only at its end, so its checks happen piece by
 * piece: nothing past the LUN's end is written, and a partial block at
 * the end of the input is not written at all.
 */
static int
vaaictlWriteLoop(vaaictlIo *io,
                 uint64_t maxBlocks,
                 GError **error)
{
    size_t want = io->pieceBlocks * io->blockSize;

    for (;;) {
        size_t got = fread(io->buf, 1, want, io->file);
        uint64_t len = got / io->blockSize;

        if (got < want && ferror(io->file)) {
            vaaictlIoSetErrno(error, "reading the input", errno);
            return -1;
        }
        if (len > maxBlocks - io->pos)
            return vaaictlWriteBadInput(io, error,
                                        "the input goes on beyond the end of the LUN "
                                        "(%llu blocks from LBA %llu)",
                                        (unsigned long long)maxBlocks,
                                        (unsigned long long)io->lba);
        if (len) {
            if (vaaictlIoPiece(io, len, true, error) < 0)
                return -1;
            io->pos += len;
        }
        if (got % io->blockSize)
            return vaaictlWriteBadInput(io, error,
                                        "the input ends with %zu bytes, not a whole "
                                        "%u-byte block: they were not written",
                                        got % io->blockSize, io->blockSize);
        if (got < want)
            break;
    }
    if (!io->pos)
        return vaaictlWriteBadInput(io, error, "the input is empty");
    return 0;
}


/* A regular file is checked whole before anything is written. */
static bool
vaaictlWriteCheckFile(vaaictlIo *io,
                      const virSCSILun *lun,
                      uint64_t lba,
                      uint64_t *nblocks)
{
    uint32_t bs = virSCSILunBlockSize(lun);
    struct stat st;

    *nblocks = 0;
    if (fstat(fileno(io->file), &st) < 0 || !S_ISREG(st.st_mode))
        return true;
    if (!st.st_size || st.st_size % bs) {
        fprintf(stderr, "vaaictl write: the input has %lld bytes, not a whole number "
                "of %u-byte blocks\n", (long long)st.st_size, bs);
        return false;
    }
    *nblocks = st.st_size / bs;
    return vaaictlCheckRange(io->cmd, lun, lba, *nblocks);
}


int
vaaictlCmdWrite(const vaaictlGlobal *global,
                int argc,
                char **argv)
{
    g_autofree char *input = NULL;
    g_autofree uint8_t *buf = NULL;     /* freed after the LUN */
    gboolean json = FALSE;
    gboolean quiet = FALSE;
    GOptionEntry entries[] = {
        { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input,
          "write the content of FILE (default: standard input)", "FILE" },
        VAAICTL_OPTION_JSON(json),
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
          "print no report unless the write fails", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("LUN LBA");
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(GError) err = NULL;
    vaaictlIo io = { .cmd = "write" };
    bool fromStdin;
    uint64_t lba;
    uint64_t nblocks;
    int rc;

    g_option_context_set_summary(ctx,
        "Write a file or standard input to the blocks from LBA on.  Its length\n"
        "must be a whole number of the LUN's blocks; that is how many are written.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!vaaictlParseArgs(ctx, io.cmd, &argc, &argv, 2, "LUN LBA") ||
        !vaaictlParseU64(io.cmd, "LBA", argv[2], 0, UINT64_MAX, &lba))
        return VAAICTL_EXIT_USAGE;

    fromStdin = !input || g_str_equal(input, "-");
    if (fromStdin) {
        io.file = stdin;
    } else if (!(io.file = fopen(input, "rb"))) {
        fprintf(stderr, "vaaictl write: %s: %s\n", input, g_strerror(errno));
        return VAAICTL_EXIT_USAGE;
    }

    if (!(lun = vaaictlOpenLun(global, io.cmd, argv[1]))) {
        rc = VAAICTL_EXIT_FAILURE;
        goto cleanup;
    }
    if (!vaaictlCheckRange(io.cmd, lun, lba, 1) ||
        !vaaictlWriteCheckFile(&io, lun, lba, &nblocks)) {
        rc = VAAICTL_EXIT_USAGE;
        goto cleanup;
    }

    buf = vaaictlIoBegin(&io, lun, lba, nblocks, json);
    rc = vaaictlWriteLoop(&io, nblocks ? nblocks : virSCSILunBlocks(lun) - lba, &err);
    rc = vaaictlIoEnd(&io, quiet && rc == 0 ? NULL : stdout, rc, err, json);

 cleanup:
    if (!fromStdin)
        fclose(io.file);
    return rc;
}
