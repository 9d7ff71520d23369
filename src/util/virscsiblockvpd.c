/*
 * virscsiblockvpd.c: decoders of the SBC VPD pages B0h, B1h and B2h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsiblockvpd.h"
#include "virscsiinquiry.h"
#include "virscsibytes.h"
#include "virscsierror.h"

/* Ends of the groups of fields of the Block Limits page, as added over time. */
#define VIR_SCSI_BL_END_SBC2 16           /* up to OPTIMAL TRANSFER LENGTH */
#define VIR_SCSI_BL_END_PREFETCH 20
#define VIR_SCSI_BL_END_UNMAP 36
#define VIR_SCSI_BL_END_WRITE_SAME 44
#define VIR_SCSI_BL_END_ATOMIC 64

int
virSCSIVPDBlockLimitsParse(const uint8_t *buf,
                           size_t len,
                           virSCSIVPDBlockLimits *out,
                           GError **error)
{
    size_t end;

    memset(out, 0, sizeof(*out));

    if (virSCSIVPDHeaderParse(buf, len, VIR_SCSI_VPD_BLOCK_LIMITS,
                              "Block Limits", VIR_SCSI_BL_END_SBC2,
                              &out->peripheralQualifier,
                              &out->peripheralDeviceType,
                              &out->needed, &end, error) < 0)
        return -1;

    out->wsnz = buf[4] & 0x01;
    out->maxCompareAndWriteLength = buf[5];
    out->optimalTransferLengthGranularity = virSCSIGetBE16(buf + 6);
    out->maxTransferLength = virSCSIGetBE32(buf + 8);
    out->optimalTransferLength = virSCSIGetBE32(buf + 12);

    if (end >= VIR_SCSI_BL_END_PREFETCH) {
        out->hasMaxPrefetchLength = true;
        out->maxPrefetchLength = virSCSIGetBE32(buf + 16);
    }

    if (end >= VIR_SCSI_BL_END_UNMAP) {
        out->hasUnmapFields = true;
        out->maxUnmapLbaCount = virSCSIGetBE32(buf + 20);
        out->maxUnmapBlockDescriptorCount = virSCSIGetBE32(buf + 24);
        out->optimalUnmapGranularity = virSCSIGetBE32(buf + 28);
        out->ugaValid = buf[32] & 0x80;
        /* Without UGAVALID the alignment is not defined: don't pass on
         * whatever the device left in those bits. */
        if (out->ugaValid)
            out->unmapGranularityAlignment = virSCSIGetBE32(buf + 32) & 0x7fffffff;
    }

    if (end >= VIR_SCSI_BL_END_WRITE_SAME) {
        out->hasWriteSameLength = true;
        out->maxWriteSameLength = virSCSIGetBE64(buf + 36);
    }

    if (end >= VIR_SCSI_BL_END_ATOMIC) {
        out->hasAtomicFields = true;
        out->maxAtomicTransferLength = virSCSIGetBE32(buf + 44);
        out->atomicAlignment = virSCSIGetBE32(buf + 48);
        out->atomicTransferLengthGranularity = virSCSIGetBE32(buf + 52);
        out->maxAtomicTransferLengthWithAtomicBoundary = virSCSIGetBE32(buf + 56);
        out->maxAtomicBoundarySize = virSCSIGetBE32(buf + 60);
    }

    return 0;
}


int
virSCSIVPDBlockCharacteristicsParse(const uint8_t *buf,
                                    size_t len,
                                    virSCSIVPDBlockCharacteristics *out,
                                    GError **error)
{
    size_t end;

    memset(out, 0, sizeof(*out));

    if (virSCSIVPDHeaderParse(buf, len, VIR_SCSI_VPD_BLOCK_DEVICE_CHARACTERISTICS,
                              "Block Device Characteristics", 6,
                              &out->peripheralQualifier,
                              &out->peripheralDeviceType,
                              &out->needed, &end, error) < 0)
        return -1;

    out->mediumRotationRate = virSCSIGetBE16(buf + 4);

    if (end > 6) {
        out->hasProductType = true;
        out->productType = buf[6];
    }

    if (end > 7) {
        out->hasFormFactor = true;
        out->wabereq = (buf[7] >> 6) & 0x03;
        out->wacereq = (buf[7] >> 4) & 0x03;
        out->nominalFormFactor = buf[7] & 0x0f;
    }

    if (end > 8) {
        out->hasFlags = true;
        out->zoned = (buf[8] >> 4) & 0x03;
        out->rbwz = buf[8] & 0x08;
        out->bocs = buf[8] & 0x04;
        out->fuab = buf[8] & 0x02;
        out->vbuls = buf[8] & 0x01;
    }

    return 0;
}


/* The provisioning group descriptor starts after the 8 fixed bytes. */
#define VIR_SCSI_LBP_FIXED_END 8
#define VIR_SCSI_DESIGNATION_HEADER_LEN 4

int
virSCSIVPDLbpParse(const uint8_t *buf,
                   size_t len,
                   virSCSIVPDLbp *out,
                   GError **error)
{
    size_t end;

    memset(out, 0, sizeof(*out));

    if (virSCSIVPDHeaderParse(buf, len, VIR_SCSI_VPD_LOGICAL_BLOCK_PROVISIONING,
                              "Logical Block Provisioning", VIR_SCSI_LBP_FIXED_END,
                              &out->peripheralQualifier,
                              &out->peripheralDeviceType,
                              &out->needed, &end, error) < 0)
        return -1;

    out->thresholdExponent = buf[4];
    out->lbpu = buf[5] & 0x80;
    out->lbpws = buf[5] & 0x40;
    out->lbpws10 = buf[5] & 0x20;
    out->lbprzField = (buf[5] >> 2) & 0x07;
    out->lbprz = out->lbprzField & 0x01;
    out->ancSup = buf[5] & 0x02;
    out->dp = buf[5] & 0x01;
    out->minimumPercentage = buf[6] >> 3;
    out->provisioningType = buf[6] & 0x07;
    out->thresholdPercentage = buf[7];

    if (out->dp &&
        end >= VIR_SCSI_LBP_FIXED_END + VIR_SCSI_DESIGNATION_HEADER_LEN) {
        const uint8_t *pg = buf + VIR_SCSI_LBP_FIXED_END;
        size_t pgLen = pg[3];

        /* A designator cut short is no designator: leave it absent. */
        if (VIR_SCSI_LBP_FIXED_END + VIR_SCSI_DESIGNATION_HEADER_LEN + pgLen <= end) {
            out->hasProvisioningGroup = true;
            out->pgCodeSet = pg[0] & 0x0f;
            out->pgAssociation = (pg[1] >> 4) & 0x03;
            out->pgDesignatorType = pg[1] & 0x0f;
            out->pgDesignatorLength = pgLen;
            memcpy(out->pgDesignator, pg + VIR_SCSI_DESIGNATION_HEADER_LEN, pgLen);
        }
    }

    return 0;
}
