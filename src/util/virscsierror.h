/*
 * virscsierror.h: the GError domain of the SCSI layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

/*
 * The SCSI layer is free of libvirt, so it reports through GError; the
 * libvirt backend turns these into virReportError() at its boundary.
 */
#define VIR_SCSI_ERROR virSCSIErrorQuark()

typedef enum {
    VIR_SCSI_ERROR_INVALID_ARG,      /* the caller asked for something impossible */
    VIR_SCSI_ERROR_TRUNCATED,        /* the device returned less than the mandatory part */
    VIR_SCSI_ERROR_MALFORMED,        /* the data contradicts itself or the standard */
    VIR_SCSI_ERROR_TRANSPORT,        /* the command did not complete (I/O, connection, timeout) */
    VIR_SCSI_ERROR_CHECK_CONDITION,  /* CHECK CONDITION with a sense we have no better code for */
    VIR_SCSI_ERROR_STATUS,           /* another non-GOOD status: BUSY, RESERVATION CONFLICT, ... */
    VIR_SCSI_ERROR_UNSUPPORTED,      /* ILLEGAL REQUEST: the device does not implement it */
    VIR_SCSI_ERROR_INVALID_FIELD,    /* ILLEGAL REQUEST, INVALID FIELD IN CDB: implemented,
                                      * but not with these values (e.g. a length) */
    VIR_SCSI_ERROR_MISCOMPARE,       /* COMPARE AND WRITE found different data */
    VIR_SCSI_ERROR_COPY_ABORTED,     /* EXTENDED COPY / token copy aborted by the copy manager */
    VIR_SCSI_ERROR_CANCELLED,        /* the caller stopped the operation */
    VIR_SCSI_ERROR_NO_OFFLOAD,       /* offload impossible and host data movement forbidden */
    VIR_SCSI_ERROR_FENCED,           /* not sent: the sender may no longer write (its fence ran out) */
    VIR_SCSI_ERROR_RESERVATION_CONFLICT, /* refused by the array: this session holds no
                                          * registration the reservation allows (preempted) */
} virSCSIErrorCode;

GQuark virSCSIErrorQuark(void);
