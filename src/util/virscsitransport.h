/*
 * virscsitransport.h: sending a CDB to a LUN, whatever the path to it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "virscsicdb.h"

#define VIR_SCSI_SENSE_MAX 252

/* Default command timeout: long enough for a large WRITE SAME or XCOPY
 * segment on a busy array, short enough to notice a dead path. */
#define VIR_SCSI_TIMEOUT_DEFAULT_MS (60 * 1000)

typedef enum {
    VIR_SCSI_XFER_NONE,
    VIR_SCSI_XFER_FROM_DEV,     /* data-in */
    VIR_SCSI_XFER_TO_DEV,       /* data-out */
} virSCSIXferDir;

typedef struct _virSCSICmd virSCSICmd;
struct _virSCSICmd {
    /* filled by the caller */
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    size_t cdbLen;
    virSCSIXferDir dir;
    void *data;                 /* data-in or data-out buffer */
    size_t dataLen;             /* its length (the allocation length for data-in) */
    unsigned int timeoutMs;     /* 0: the transport's default */

    /* filled by the transport when the command completed */
    uint8_t status;             /* SCSI status byte */
    uint8_t sense[VIR_SCSI_SENSE_MAX];
    size_t senseLen;
    size_t resid;               /* bytes of dataLen not transferred */
};

/* What crossed the host-to-array link through this transport: data
 * payload only (CDBs and protocol headers are small and transport
 * specific; the benchmarks measure the wire itself at the array). */
typedef struct _virSCSITransportStats virSCSITransportStats;
struct _virSCSITransportStats {
    uint64_t commands;          /* commands that completed with a status */
    uint64_t failures;          /* commands that did not complete */
    uint64_t bytesOut;          /* data-out bytes sent */
    uint64_t bytesIn;           /* data-in bytes received */
    uint64_t reconnects;        /* sessions logged in again after one was
                                 * dropped (a command that did not complete) */
    uint64_t resentBytes;       /* data of commands sent again after their
                                 * session was lost (out or in) */
};

typedef struct _virSCSITransport virSCSITransport;

typedef struct _virSCSITransportOps virSCSITransportOps;
struct _virSCSITransportOps {
    const char *name;
    /* Returns 0 when the command completed with any SCSI status (the
     * caller interprets it), -1 with VIR_SCSI_ERROR_TRANSPORT when it did
     * not complete. */
    int (*exec)(virSCSITransport *transport, virSCSICmd *cmd, GError **error);
    void (*close)(virSCSITransport *transport);
};

struct _virSCSITransport {
    const virSCSITransportOps *ops;
    void *priv;
    char *target;               /* what the user named: path or URL without password */
    virSCSITransportStats stats;    /* updated atomically */
    /* The largest data transfer the path takes in one command (the
     * kernel's queue limits for SG_IO); 0: no limit known. */
    uint64_t maxTransferBytes;
    /* A wrapper's transport (guard, keyed, fault), whose reconnects are
     * the wrapper's too; NULL: not a wrapper. */
    virSCSITransport *inner;
    /* Set by a transport that dropped its session after a command that did
     * not complete, and logs in again before the next one (iSCSI). */
    gint lost;
    /* When @lost was last set (g_get_monotonic_time(); atomic): every
     * command on the session retries its login until the window from then
     * has passed, whichever command lost it. */
    gint64 lostSinceUs;
};

typedef struct _virSCSITransportOptions virSCSITransportOptions;
struct _virSCSITransportOptions {
    const char *initiatorName;  /* iSCSI initiator IQN; NULL: a default */
    unsigned int timeoutMs;     /* 0: VIR_SCSI_TIMEOUT_DEFAULT_MS */
    bool readOnly;              /* SG_IO: open O_RDONLY (INQUIRY etc. still work) */
    /* iSCSI: the CHAP secret of the URL's user when the URL carries none
     * (iscsi://user@host/...): a secret on a command line shows in ps. */
    const char *chapSecret;
};

/* A command lost with its session is sent again on a session logged in
 * anew, every interval, for at most the window. */
#define VIR_SCSI_RELOGIN_INTERVAL_MS 500
#define VIR_SCSI_RELOGIN_WINDOW_MS 7000

#define VIR_SCSI_DEFAULT_INITIATOR "iqn.2024-11.org.libvirt-vaai:initiator"

bool
virSCSITransportIsISCSI(const char *spec);

/* Open a LUN: "iscsi://[user%password@]host[:port]/IQN/LUN" through
 * libiscsi, anything else as a device path through SG_IO. */
virSCSITransport *
virSCSITransportOpen(const char *spec,
                     const virSCSITransportOptions *opts,
                     GError **error);

virSCSITransport *
virSCSITransportOpenSG(const char *path,
                       const virSCSITransportOptions *opts,
                       GError **error);

virSCSITransport *
virSCSITransportOpenISCSI(const char *url,
                          const virSCSITransportOptions *opts,
                          GError **error);

/* Wrap an already made transport (used by fault injection in tests). */
virSCSITransport *
virSCSITransportNew(const virSCSITransportOps *ops,
                    void *priv,
                    const char *target);

void
virSCSITransportFree(virSCSITransport *transport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSCSITransport, virSCSITransportFree);

/* Send one command; counts it.  Returns 0 once the command completed with
 * any status, -1 if it did not. */
int
virSCSITransportExec(virSCSITransport *transport,
                     virSCSICmd *cmd,
                     GError **error);

/* Send one command, resending it while the answer only says "not now":
 * UNIT ATTENTION (an event was reported; the command was not executed),
 * BUSY and TASK SET FULL (bounded, with a short back-off).  The final
 * status is left to the caller. */
int
virSCSITransportExecRetry(virSCSITransport *transport,
                          virSCSICmd *cmd,
                          GError **error);

/* Send one command and require GOOD status: a UNIT ATTENTION is retried
 * (it reports an event, not a failure of this command); any other
 * non-GOOD status becomes a GError whose code says what happened
 * (UNSUPPORTED, MISCOMPARE, COPY_ABORTED, CHECK_CONDITION, STATUS). */
int
virSCSITransportRun(virSCSITransport *transport,
                    virSCSICmd *cmd,
                    GError **error);

/* Build, send and check one command: the common case of
 * virSCSITransportRun.  *@received (may be NULL) is what a data-in
 * command really returned. */
int
virSCSITransportRunCdb(virSCSITransport *transport,
                       const uint8_t *cdb,
                       size_t cdbLen,
                       virSCSIXferDir dir,
                       void *data,
                       size_t dataLen,
                       unsigned int timeoutMs,
                       size_t *received,
                       GError **error);

/* For transports: a session was logged in again (stats.reconnects). */
void
virSCSITransportCountReconnect(virSCSITransport *transport);

/* Turn a completed command's non-GOOD status into a GError; 0 if GOOD. */
int
virSCSICmdCheckStatus(const virSCSICmd *cmd,
                      GError **error);

/* The number of data-in bytes the device actually returned. */
size_t
virSCSICmdReceived(const virSCSICmd *cmd);

void
virSCSITransportGetStats(virSCSITransport *transport,
                         virSCSITransportStats *stats);
