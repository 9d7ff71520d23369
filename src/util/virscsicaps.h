/*
 * virscsicaps.h: what a LUN is and what it can do, probed once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsiinquiry.h"
#include "virscsiblockvpd.h"
#include "virscsicapacity.h"
#include "virscsitpc.h"
#include "virscsitransport.h"

typedef enum {
    VIR_SCSI_SUPPORT_UNKNOWN,   /* not probed, or the probe could not tell */
    VIR_SCSI_SUPPORT_YES,
    VIR_SCSI_SUPPORT_NO,
} virSCSISupport;

/*
 * Everything the negotiation needs, as the LUN reported it.  Each has...
 * flag says a page or reply was actually obtained; the decoded structure
 * beside it is meaningful only then.  Values keep the standard's meaning
 * (0 is usually "not reported"); virscsiplan.c interprets them.
 */
typedef struct _virSCSILunCaps virSCSILunCaps;
struct _virSCSILunCaps {
    char *target;                       /* device path or redacted URL */
    char *transport;                    /* "sg" or "iscsi" */

    virSCSIInquiry inquiry;
    virSCSIVPDSupported vpdPages;       /* hasVPDPages: page 0x00 obtained */
    bool hasVPDPages;
    char *serial;                       /* VPD 0x80, or NULL */
    virSCSIVPDDeviceId deviceId;        /* VPD 0x83 */
    bool hasDeviceId;
    /* The designator that names this LUN in EXTENDED COPY, or NULL. */
    const virSCSIVPDDesignator *designator;
    char *designatorText;               /* "naa.6001405...", or NULL */

    virSCSIVPDBlockLimits blockLimits;  /* VPD 0xB0 */
    bool hasBlockLimits;
    virSCSIVPDBlockCharacteristics bdc; /* VPD 0xB1 */
    bool hasBdc;
    virSCSIVPDLbp lbp;                  /* VPD 0xB2 */
    bool hasLbp;
    virSCSIVPDTpc tpc;                  /* VPD 0x8F */
    bool hasTpc;

    /* READ CAPACITY(16), or (10) where (16) is refused. */
    uint32_t blockSize;
    uint64_t capacityBlocks;
    uint8_t lbPerPbExponent;
    uint16_t lowestAlignedLba;
    bool lbpme;
    bool lbprzReadCap;
    bool hasReadCapacity16;

    virSCSICopyOpParams copyParams;     /* RECEIVE COPY RESULTS, OPERATING PARAMETERS */
    bool hasCopyParams;

    virSCSISupport getLbaStatus;        /* tried once at LBA 0 */

    /* What went wrong while probing without making the probe fail (a page
     * advertised but refused, a reply that contradicted itself). */
    GPtrArray *warnings;                /* of char * */
};

/* Send INQUIRY, the VPD pages the LUN lists, READ CAPACITY, RECEIVE COPY
 * RESULTS and GET LBA STATUS; decode them.  Fails only when the LUN cannot
 * be identified at all (no INQUIRY, not a disk, no capacity). */
virSCSILunCaps *
virSCSILunCapsProbe(virSCSITransport *transport,
                    GError **error);

void
virSCSILunCapsFree(virSCSILunCaps *caps);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virSCSILunCaps, virSCSILunCapsFree);

/* Two LUNs can be named to one copy manager only by a designator each. */
bool
virSCSILunCapsSameLun(const virSCSILunCaps *a,
                      const virSCSILunCaps *b);
