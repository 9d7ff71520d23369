/*
 * virscsiplan.h: which method each operation uses on a LUN, and why
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsicaps.h"

typedef enum {
    VIR_SCSI_METHOD_NONE,               /* the operation is not available */
    VIR_SCSI_METHOD_HOST,               /* data moves through the host */
    VIR_SCSI_METHOD_WRITE_SAME_UNMAP,   /* WRITE SAME, zero block, UNMAP=1 */
    VIR_SCSI_METHOD_WRITE_SAME,         /* WRITE SAME of a zero block */
    VIR_SCSI_METHOD_UNMAP,              /* UNMAP block descriptors */
    VIR_SCSI_METHOD_XCOPY_LID1,         /* EXTENDED COPY (LID1) */
    VIR_SCSI_METHOD_TOKEN_COPY,         /* POPULATE TOKEN + WRITE USING TOKEN */
    VIR_SCSI_METHOD_COMPARE_AND_WRITE,  /* ATS */

    VIR_SCSI_METHOD_LAST
} virSCSIMethod;

const char *
virSCSIMethodName(virSCSIMethod method);

typedef enum {
    VIR_SCSI_PLAN_OP_ZERO,           /* make a range read as zeros */
    VIR_SCSI_PLAN_OP_UNMAP,          /* give a range back to a thin LUN */
    VIR_SCSI_PLAN_OP_COPY,           /* copy within this LUN */
    VIR_SCSI_PLAN_OP_COPY_REMOTE,    /* copy between this LUN and another of its array */
    VIR_SCSI_PLAN_OP_ATOMIC,         /* atomic test-and-set of shared metadata */

    VIR_SCSI_PLAN_OP_LAST
} virSCSIPlanOp;

const char *
virSCSIPlanOpName(virSCSIPlanOp op);

/*
 * How one operation runs.  All sizes are in logical blocks of the LUN.
 * A zero limit never means "unlimited" here: the plan always carries a
 * usable bound, chosen from what the LUN reported or a safe default.
 */
typedef struct _virSCSIOpPlan virSCSIOpPlan;
struct _virSCSIOpPlan {
    virSCSIMethod method;
    char *reason;               /* why this method, for operators */
    /* What runs when the method fails at run time (e.g. COPY ABORTED). */
    virSCSIMethod fallback;

    uint8_t cdbSize;            /* WRITE SAME: 10 or 16 */
    uint64_t maxBlocks;         /* per command (UNMAP: the total over its
                                 * descriptors; copy: per segment) */
    uint32_t maxDescriptors;    /* UNMAP descriptors / copy segments per command */
    uint32_t granularity;       /* chunks start and end on multiples of this... */
    uint32_t alignment;         /* ...offset by this LBA */
    uint64_t hostMaxBlocks;     /* largest READ/WRITE for the host path */
    /* maxBlocks is the LUN's own limit, not a default we chose: a command
     * of that size refused as INVALID FIELD IN CDB is refused for good. */
    bool limitReported;
};

typedef struct _virSCSIPlan virSCSIPlan;
struct _virSCSIPlan {
    virSCSIOpPlan ops[VIR_SCSI_PLAN_OP_LAST];
};

/* Pure: derives the plan from probed capabilities. */
void
virSCSIPlanFromCaps(const virSCSILunCaps *caps,
                    virSCSIPlan *plan);

void
virSCSIPlanClear(virSCSIPlan *plan);

/* Pure: the LUN refused the method the plan chose for @which (INVALID
 * COMMAND OPERATION CODE, say): @which runs by its fallback from now on,
 * and says why.  As QEMU forgets WRITE SAME for a session once refused. */
void
virSCSIPlanRefused(virSCSIPlan *plan,
                   virSCSIPlanOp which,
                   const char *why);
