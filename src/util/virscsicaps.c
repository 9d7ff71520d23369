/*
 * virscsicaps.c: what a LUN is and what it can do, probed once
 *
 * The I/O half of capability negotiation: it asks, decodes and keeps the
 * answers; virscsiplan.c decides what to do with them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsicaps.h"
#include "virscsibytes.h"
#include "virscsierror.h"

/* First allocation length for VPD pages and copy parameters: fits every
 * page this project reads on the targets we know, in one round trip. */
#define VIR_SCSI_PROBE_ALLOC 512

/* Page lengths are 16 bits and so is INQUIRY's allocation length. */
#define VIR_SCSI_PROBE_ALLOC_MAX 0xFFFF

/* LIO refuses RECEIVE COPY RESULTS with less than 54 bytes. */
#define VIR_SCSI_PROBE_COPY_ALLOC 1024

#define VIR_SCSI_INQUIRY_ALLOC 96

#define VIR_SCSI_PERIPHERAL_DISK 0x00

static void
virSCSICapsWarn(virSCSILunCaps *caps,
                const char *fmt,
                ...) G_GNUC_PRINTF(2, 3);

static void
virSCSICapsWarn(virSCSILunCaps *caps,
                const char *fmt,
                ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(caps->warnings, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}


/* Run a data-in command; *received is what the device really sent. */
static int
virSCSICapsDataIn(virSCSITransport *transport,
                  const uint8_t *cdb,
                  size_t cdbLen,
                  uint8_t *buf,
                  size_t bufLen,
                  size_t *received,
                  GError **error)
{
    memset(buf, 0, bufLen);
    return virSCSITransportRunCdb(transport, cdb, cdbLen, VIR_SCSI_XFER_FROM_DEV,
                                  buf, bufLen, 0, received, error);
}


/*
 * Read a VPD page: once with a modest allocation, again with what the
 * page says it needs if the first reply was cut short.  The decoders
 * still never trust the length beyond what arrived.
 */
static uint8_t *
virSCSICapsReadVPD(virSCSITransport *transport,
                   uint8_t page,
                   size_t *len,
                   GError **error)
{
    size_t alloc = VIR_SCSI_PROBE_ALLOC;
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autofree uint8_t *buf = NULL;
    size_t got = 0;
    size_t attempt;

    for (attempt = 0; attempt < 2; attempt++) {
        size_t cdbLen = virSCSICdbInquiryVPD(cdb, page, alloc);
        size_t needed;

        g_free(buf);
        buf = g_new0(uint8_t, alloc);
        if (virSCSICapsDataIn(transport, cdb, cdbLen, buf, alloc, &got, error) < 0)
            return NULL;
        if (got < 4)
            break;
        needed = 4 + (size_t)virSCSIGetBE16(buf + 2);
        if (needed <= got || got < alloc || alloc == VIR_SCSI_PROBE_ALLOC_MAX)
            break;
        alloc = MIN(needed, VIR_SCSI_PROBE_ALLOC_MAX);
    }
    *len = got;
    return g_steal_pointer(&buf);
}


static int
virSCSICapsProbeInquiry(virSCSITransport *transport,
                        virSCSILunCaps *caps,
                        GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    uint8_t buf[VIR_SCSI_INQUIRY_ALLOC];
    size_t cdbLen = virSCSICdbInquiryStandard(cdb, sizeof(buf));
    size_t got = 0;

    if (virSCSICapsDataIn(transport, cdb, cdbLen, buf, sizeof(buf), &got, error) < 0 ||
        virSCSIInquiryParse(buf, got, &caps->inquiry, error) < 0) {
        g_prefix_error(error, "cannot identify the LUN, INQUIRY failed: ");
        return -1;
    }
    if (caps->inquiry.peripheralQualifier != 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: no logical unit is connected there (peripheral qualifier %u)",
                    transport->target, caps->inquiry.peripheralQualifier);
        return -1;
    }
    if (caps->inquiry.peripheralDeviceType != VIR_SCSI_PERIPHERAL_DISK) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s is not a disk (peripheral device type 0x%02x)",
                    transport->target, caps->inquiry.peripheralDeviceType);
        return -1;
    }
    return 0;
}


typedef int (*virSCSICapsPageDecoder)(virSCSILunCaps *caps,
                                      const uint8_t *buf,
                                      size_t len,
                                      GError **error);

static int
virSCSICapsDecodeSupported(virSCSILunCaps *caps, const uint8_t *buf,
                           size_t len, GError **error)
{
    if (virSCSIVPDSupportedParse(buf, len, &caps->vpdPages, error) < 0)
        return -1;
    caps->hasVPDPages = true;
    return 0;
}


static int
virSCSICapsDecodeSerial(virSCSILunCaps *caps, const uint8_t *buf,
                        size_t len, GError **error)
{
    g_auto(virSCSIVPDSerial) serial = { 0 };

    if (virSCSIVPDSerialParse(buf, len, &serial, error) < 0)
        return -1;
    caps->serial = g_steal_pointer(&serial.serial);
    return 0;
}


static int
virSCSICapsDecodeDeviceId(virSCSILunCaps *caps, const uint8_t *buf,
                          size_t len, GError **error)
{
    const virSCSIVPDDesignator *best;

    if (virSCSIVPDDeviceIdParse(buf, len, &caps->deviceId, error) < 0)
        return -1;
    caps->hasDeviceId = true;

    /* Only a designator that fits a CSCD descriptor qualifies. */
    if (!(best = virSCSIVPDDeviceIdBestDesignator(&caps->deviceId)))
        return 0;
    caps->designatorText = virSCSIVPDDesignatorFormat(best);
    caps->designator = best;
    return 0;
}


static int
virSCSICapsDecodeBlockLimits(virSCSILunCaps *caps, const uint8_t *buf,
                             size_t len, GError **error)
{
    if (virSCSIVPDBlockLimitsParse(buf, len, &caps->blockLimits, error) < 0)
        return -1;
    caps->hasBlockLimits = true;
    return 0;
}


static int
virSCSICapsDecodeBdc(virSCSILunCaps *caps, const uint8_t *buf,
                     size_t len, GError **error)
{
    if (virSCSIVPDBlockCharacteristicsParse(buf, len, &caps->bdc, error) < 0)
        return -1;
    caps->hasBdc = true;
    return 0;
}


static int
virSCSICapsDecodeLbp(virSCSILunCaps *caps, const uint8_t *buf,
                     size_t len, GError **error)
{
    if (virSCSIVPDLbpParse(buf, len, &caps->lbp, error) < 0)
        return -1;
    caps->hasLbp = true;
    return 0;
}


static int
virSCSICapsDecodeTpc(virSCSILunCaps *caps, const uint8_t *buf,
                     size_t len, GError **error)
{
    if (virSCSIVPDTpcParse(buf, len, &caps->tpc, error) < 0)
        return -1;
    caps->hasTpc = true;
    return 0;
}


typedef struct {
    uint8_t page;
    const char *name;
    virSCSICapsPageDecoder decode;
} virSCSICapsPage;

static const virSCSICapsPage virSCSICapsPages[] = {
    { 0x80, "Unit Serial Number", virSCSICapsDecodeSerial },
    { 0x83, "Device Identification", virSCSICapsDecodeDeviceId },
    { 0xB0, "Block Limits", virSCSICapsDecodeBlockLimits },
    { 0xB1, "Block Device Characteristics", virSCSICapsDecodeBdc },
    { 0xB2, "Logical Block Provisioning", virSCSICapsDecodeLbp },
    { 0x8F, "Third-Party Copy", virSCSICapsDecodeTpc },
};


static void
virSCSICapsProbePage(virSCSITransport *transport,
                     virSCSILunCaps *caps,
                     const virSCSICapsPage *page,
                     bool advertised)
{
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = NULL;
    size_t len = 0;

    if (!(buf = virSCSICapsReadVPD(transport, page->page, &len, &err)) ||
        page->decode(caps, buf, len, &err) < 0) {
        /* A page the LUN did not list is allowed to fail quietly. */
        if (advertised)
            virSCSICapsWarn(caps, "VPD page 0x%02x (%s) is listed as supported "
                            "but could not be used: %s",
                            page->page, page->name, err->message);
    }
}


static void
virSCSICapsProbeVPD(virSCSITransport *transport,
                    virSCSILunCaps *caps)
{
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = NULL;
    size_t len = 0;
    size_t i;

    if (!(buf = virSCSICapsReadVPD(transport, 0x00, &len, &err)) ||
        virSCSICapsDecodeSupported(caps, buf, len, &err) < 0) {
        virSCSICapsWarn(caps, "VPD page 0x00 (Supported VPD Pages) could not be "
                        "read: %s; trying the pages anyway", err->message);
    }

    for (i = 0; i < G_N_ELEMENTS(virSCSICapsPages); i++) {
        const virSCSICapsPage *page = &virSCSICapsPages[i];
        bool advertised = caps->hasVPDPages &&
            virSCSIVPDSupportedHas(&caps->vpdPages, page->page);

        /* SPC: a page not listed in 0x00 is not supported.  Without the
         * list we cannot know, so ask. */
        if (caps->hasVPDPages && !advertised)
            continue;
        virSCSICapsProbePage(transport, caps, page, advertised);
    }
}


static int
virSCSICapsProbeCapacity(virSCSITransport *transport,
                         virSCSILunCaps *caps,
                         GError **error)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    uint8_t buf[32];
    size_t cdbLen;
    size_t got = 0;
    g_autoptr(GError) err16 = NULL;
    virSCSIReadCapacity16 rc16;
    virSCSIReadCapacity10 rc10;

    cdbLen = virSCSICdbReadCapacity16(cdb, sizeof(buf));
    if (virSCSICapsDataIn(transport, cdb, cdbLen, buf, sizeof(buf), &got, &err16) == 0 &&
        virSCSIReadCapacity16Parse(buf, got, &rc16, &err16) == 0) {
        caps->hasReadCapacity16 = true;
        caps->blockSize = rc16.blockLength;
        caps->capacityBlocks = rc16.capacityBlocks;
        if (rc16.hasExponents)
            caps->lbPerPbExponent = rc16.lbPerPbExponent;
        if (rc16.hasProvisioning) {
            caps->lbpme = rc16.lbpme;
            caps->lbprzReadCap = rc16.lbprz;
            caps->lowestAlignedLba = rc16.lowestAlignedLba;
        }
    } else {
        /* READ CAPACITY(16) is optional before SBC-3: fall back. */
        cdbLen = virSCSICdbReadCapacity10(cdb);
        if (virSCSICapsDataIn(transport, cdb, cdbLen, buf, 8, &got, error) < 0 ||
            virSCSIReadCapacity10Parse(buf, got, &rc10, error) < 0) {
            g_prefix_error(error, "%s: READ CAPACITY(16) failed (%s), then READ CAPACITY(10): ",
                           transport->target, err16->message);
            return -1;
        }
        if (rc10.needReadCapacity16) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                        "%s: READ CAPACITY(10) says the LUN is too large for it, "
                        "but READ CAPACITY(16) failed: %s",
                        transport->target, err16->message);
            return -1;
        }
        caps->blockSize = rc10.blockLength;
        caps->capacityBlocks = rc10.capacityBlocks;
    }

    /* Everything downstream divides by the block size and aligns to it. */
    if (caps->blockSize < 512 || (caps->blockSize & (caps->blockSize - 1))) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "%s: unsupported logical block length %u (need a power of "
                    "two of at least 512)", transport->target, caps->blockSize);
        return -1;
    }
    if (caps->capacityBlocks == 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "%s: the LUN reports a capacity of zero blocks",
                    transport->target);
        return -1;
    }
    return 0;
}


static void
virSCSICapsProbeCopyParams(virSCSITransport *transport,
                           virSCSILunCaps *caps)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autofree uint8_t *buf = g_new0(uint8_t, VIR_SCSI_PROBE_COPY_ALLOC);
    size_t cdbLen = virSCSICdbReceiveCopyOperatingParameters(cdb, VIR_SCSI_PROBE_COPY_ALLOC);
    g_autoptr(GError) err = NULL;
    size_t got = 0;

    if (!caps->inquiry.hasByte5 || !caps->inquiry.threePC)
        return;

    if (virSCSICapsDataIn(transport, cdb, cdbLen, buf, VIR_SCSI_PROBE_COPY_ALLOC,
                          &got, &err) < 0 ||
        virSCSICopyOpParamsParse(buf, got, &caps->copyParams, &err) < 0) {
        virSCSICapsWarn(caps, "the LUN reports a copy manager (3PC=1) but RECEIVE "
                        "COPY RESULTS (OPERATING PARAMETERS) failed: %s",
                        err->message);
        return;
    }
    caps->hasCopyParams = true;
}


static void
virSCSICapsProbeLbaStatus(virSCSITransport *transport,
                          virSCSILunCaps *caps)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    uint8_t buf[24];
    size_t cdbLen = virSCSICdbGetLbaStatus(cdb, 0, sizeof(buf));
    g_autoptr(GError) err = NULL;
    g_auto(virSCSILbaStatus) status = { 0 };
    size_t got = 0;

    /* SBC-3 requires GET LBA STATUS wherever LBPME is set; ask anyway,
     * since targets differ (LIO sets LBPME without implementing it). */
    if (virSCSICapsDataIn(transport, cdb, cdbLen, buf, sizeof(buf), &got, &err) < 0 ||
        virSCSILbaStatusParse(buf, got, &status, &err) < 0) {
        caps->getLbaStatus = VIR_SCSI_SUPPORT_NO;
        if (caps->lbpme &&
            !g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED) &&
            !g_error_matches(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_FIELD))
            virSCSICapsWarn(caps, "GET LBA STATUS failed: %s", err->message);
        return;
    }
    caps->getLbaStatus = VIR_SCSI_SUPPORT_YES;
}


/* Answers that contradict each other are reported, and the safer one
 * wins where it matters (virscsiplan.c reads LBPRZ from the LBP page). */
static void
virSCSICapsCrossCheck(virSCSILunCaps *caps)
{
    if (caps->hasLbp && caps->hasReadCapacity16 &&
        caps->lbp.lbprz != caps->lbprzReadCap)
        virSCSICapsWarn(caps, "LBPRZ differs between READ CAPACITY(16) (%d) and "
                        "the Logical Block Provisioning page (%d)",
                        caps->lbprzReadCap, caps->lbp.lbprz);
    if (caps->hasLbp && caps->hasReadCapacity16 && !caps->lbpme &&
        (caps->lbp.lbpu || caps->lbp.lbpws || caps->lbp.lbpws10))
        virSCSICapsWarn(caps, "the Logical Block Provisioning page allows unmap "
                        "commands but READ CAPACITY(16) reports LBPME=0");
    if (caps->hasBlockLimits && caps->blockLimits.hasUnmapFields &&
        caps->hasLbp && caps->lbp.lbpu &&
        (!caps->blockLimits.maxUnmapLbaCount ||
         !caps->blockLimits.maxUnmapBlockDescriptorCount))
        virSCSICapsWarn(caps, "LBPU=1 but the Block Limits page reports UNMAP "
                        "limits of 0 (not implemented)");
    if (caps->inquiry.hasByte5 && !caps->inquiry.threePC && caps->hasTpc)
        virSCSICapsWarn(caps, "a Third-Party Copy page is listed but 3PC=0");
}


virSCSILunCaps *
virSCSILunCapsProbe(virSCSITransport *transport,
                    GError **error)
{
    g_autoptr(virSCSILunCaps) caps = g_new0(virSCSILunCaps, 1);

    caps->target = g_strdup(transport->target);
    caps->transport = g_strdup(transport->ops->name);
    caps->warnings = g_ptr_array_new_with_free_func(g_free);

    if (virSCSICapsProbeInquiry(transport, caps, error) < 0)
        return NULL;
    virSCSICapsProbeVPD(transport, caps);
    if (virSCSICapsProbeCapacity(transport, caps, error) < 0)
        return NULL;
    virSCSICapsProbeCopyParams(transport, caps);
    virSCSICapsProbeLbaStatus(transport, caps);
    virSCSICapsCrossCheck(caps);

    return g_steal_pointer(&caps);
}


void
virSCSILunCapsFree(virSCSILunCaps *caps)
{
    if (!caps)
        return;
    g_free(caps->target);
    g_free(caps->transport);
    g_free(caps->serial);
    virSCSIVPDDeviceIdClear(&caps->deviceId);
    g_free(caps->designatorText);
    if (caps->warnings)
        g_ptr_array_unref(caps->warnings);
    g_free(caps);
}


bool
virSCSILunCapsSameLun(const virSCSILunCaps *a,
                      const virSCSILunCaps *b)
{
    if (!a->designator || !b->designator)
        return false;
    return a->designator->designatorType == b->designator->designatorType &&
           a->designator->length == b->designator->length &&
           memcmp(a->designator->designator, b->designator->designator,
                  a->designator->length) == 0;
}
