/*
 * virscsicapacity.c: decoding READ CAPACITY(10), READ CAPACITY(16) and
 * GET LBA STATUS parameter data (SBC-4)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsicapacity.h"
#include "virscsibytes.h"
#include "virscsierror.h"


/* Returns -1 on 0 (no arithmetic possible), else whether it is unusual. */
static int
virSCSICheckBlockLength(uint32_t blockLength,
                        const char *command,
                        bool *unusual,
                        GError **error)
{
    if (blockLength == 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "%s returned a logical block length of 0", command);
        return -1;
    }

    *unusual = blockLength < VIR_SCSI_BLOCK_LENGTH_MIN_USUAL ||
               (blockLength & (blockLength - 1)) != 0;
    return 0;
}


int
virSCSIReadCapacity10Parse(const uint8_t *buf,
                           size_t len,
                           virSCSIReadCapacity10 *out,
                           GError **error)
{
    memset(out, 0, sizeof(*out));

    if (len < VIR_SCSI_READ_CAPACITY10_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "READ CAPACITY(10) data too short: %zu bytes, need %d",
                    len, VIR_SCSI_READ_CAPACITY10_LEN);
        return -1;
    }

    out->lastLba = virSCSIGetBE32(buf);
    out->blockLength = virSCSIGetBE32(buf + 4);

    if (virSCSICheckBlockLength(out->blockLength, "READ CAPACITY(10)",
                                &out->blockLengthUnusual, error) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    if (out->lastLba == VIR_SCSI_READ_CAPACITY10_USE_16)
        out->needReadCapacity16 = true;
    else
        out->capacityBlocks = (uint64_t)out->lastLba + 1;

    return 0;
}


int
virSCSIReadCapacity16Parse(const uint8_t *buf,
                           size_t len,
                           virSCSIReadCapacity16 *out,
                           GError **error)
{
    memset(out, 0, sizeof(*out));

    if (len < VIR_SCSI_READ_CAPACITY16_MIN_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "READ CAPACITY(16) data too short: %zu bytes, need %d",
                    len, VIR_SCSI_READ_CAPACITY16_MIN_LEN);
        return -1;
    }

    out->lastLba = virSCSIGetBE64(buf);
    out->blockLength = virSCSIGetBE32(buf + 8);

    if (virSCSICheckBlockLength(out->blockLength, "READ CAPACITY(16)",
                                &out->blockLengthUnusual, error) < 0) {
        goto error;
    }

    if (out->lastLba == UINT64_MAX) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "READ CAPACITY(16) returned last LBA 0x%" G_GINT64_MODIFIER "x: "
                    "the capacity does not fit in 64 bits",
                    (guint64)out->lastLba);
        goto error;
    }
    out->capacityBlocks = out->lastLba + 1;

    if (len > 12) {
        out->hasProtection = true;
        out->rcBasis = (buf[12] >> 4) & 0x03;
        out->pType = (buf[12] >> 1) & 0x07;
        out->protEn = !!(buf[12] & 0x01);
    }

    if (len > 13) {
        out->hasExponents = true;
        out->pIExponent = buf[13] >> 4;
        out->lbPerPbExponent = buf[13] & 0x0F;
    }

    if (len > 15) {
        out->hasProvisioning = true;
        out->lbpme = !!(buf[14] & 0x80);
        out->lbprz = !!(buf[14] & 0x40);
        out->lowestAlignedLba = virSCSIGetBE16(buf + 14) & 0x3FFF;
    }

    return 0;

 error:
    memset(out, 0, sizeof(*out));
    return -1;
}


int
virSCSILbaStatusParse(const uint8_t *buf,
                      size_t len,
                      virSCSILbaStatus *out,
                      GError **error)
{
    uint64_t claimed;
    size_t limit;
    size_t n;
    size_t i;
    uint64_t prevLast = 0;

    memset(out, 0, sizeof(*out));

    if (len < VIR_SCSI_LBA_STATUS_HEADER_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "GET LBA STATUS data too short: %zu bytes, need %d",
                    len, VIR_SCSI_LBA_STATUS_HEADER_LEN);
        return -1;
    }

    /* PARAMETER DATA LENGTH counts the bytes after itself. */
    claimed = 4 + (uint64_t)virSCSIGetBE32(buf);
    out->needed = claimed > SIZE_MAX ? SIZE_MAX : (size_t)claimed;
    limit = MIN(len, out->needed);

    if (limit <= VIR_SCSI_LBA_STATUS_HEADER_LEN)
        return 0;

    n = (limit - VIR_SCSI_LBA_STATUS_HEADER_LEN) /
        VIR_SCSI_LBA_STATUS_DESCRIPTOR_LEN;
    if (n == 0)
        return 0;

    out->descriptors = g_new0(virSCSILbaStatusDescriptor, n);

    for (i = 0; i < n; i++) {
        const uint8_t *p = buf + VIR_SCSI_LBA_STATUS_HEADER_LEN +
                           i * VIR_SCSI_LBA_STATUS_DESCRIPTOR_LEN;
        virSCSILbaStatusDescriptor *d = &out->descriptors[i];

        d->lba = virSCSIGetBE64(p);
        d->nblocks = virSCSIGetBE32(p + 8);
        d->provisioningStatus = p[12] & 0x0F;
        d->additionalStatus = p[13];

        if (d->nblocks == 0) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                        "GET LBA STATUS descriptor %zu has no blocks", i);
            goto error;
        }

        /* The extent's last LBA, lba + nblocks - 1, must exist. */
        if (d->nblocks - 1 > UINT64_MAX - d->lba) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                        "GET LBA STATUS descriptor %zu runs past the last "
                        "possible LBA", i);
            goto error;
        }

        if (i > 0 && d->lba <= prevLast) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                        "GET LBA STATUS descriptor %zu (LBA 0x%" G_GINT64_MODIFIER "x) "
                        "does not follow the previous extent (ending at 0x%"
                        G_GINT64_MODIFIER "x)",
                        i, (guint64)d->lba, (guint64)prevLast);
            goto error;
        }

        prevLast = d->lba + (d->nblocks - 1);
    }

    out->ndescriptors = n;
    return 0;

 error:
    virSCSILbaStatusClear(out);
    return -1;
}


void
virSCSILbaStatusClear(virSCSILbaStatus *status)
{
    if (!status)
        return;
    g_free(status->descriptors);
    memset(status, 0, sizeof(*status));
}


const char *
virSCSILbaProvisioningStatusName(uint8_t status)
{
    switch ((virSCSILbaProvisioningStatus)status) {
    case VIR_SCSI_LBA_MAPPED_OR_UNKNOWN:
        return "mapped or unknown";
    case VIR_SCSI_LBA_DEALLOCATED:
        return "deallocated";
    case VIR_SCSI_LBA_ANCHORED:
        return "anchored";
    case VIR_SCSI_LBA_MAPPED:
        return "mapped";
    case VIR_SCSI_LBA_UNKNOWN:
        return "unknown";
    }

    return "reserved";
}
