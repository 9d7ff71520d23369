/*
 * virscsicdb.c: SCSI command descriptor block encoders
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Field positions are those of SPC-4 (INQUIRY, THIRD-PARTY COPY IN/OUT,
 * REPORT SUPPORTED OPERATION CODES) and SBC-4 (everything else); each
 * encoder names the bytes it fills.  Bytes not named are reserved, or
 * fields we always leave 0 (CONTROL, GROUP NUMBER, *PROTECT).
 */

#include <string.h>

#include "virscsicdb.h"
#include "virscsibytes.h"
#include "virscsierror.h"

/* Bits of byte 1 shared by READ(16), WRITE(16) and COMPARE AND WRITE. */
#define VIR_SCSI_CDB_DPO 0x10
#define VIR_SCSI_CDB_FUA 0x08

static void
virSCSICdbClear(uint8_t *cdb)
{
    memset(cdb, 0, VIR_SCSI_CDB_MAX);
}


size_t
virSCSICdbLength(uint8_t opcode)
{
    /* Indexed by GROUP CODE.  Group 3 is reserved / variable length
     * (0x7F), 6 and 7 are vendor specific: the opcode alone does not say. */
    static const uint8_t lengths[8] = { 6, 10, 10, 0, 16, 12, 0, 0 };

    return lengths[opcode >> 5];
}


bool
virSCSICdbChangesMedium(uint8_t opcode)
{
    switch (opcode) {
    case 0x04:                                  /* FORMAT UNIT */
    case 0x0A: case 0x2A: case 0xAA: case 0x8A: /* WRITE(6, 10, 12, 16) */
    case 0x2E: case 0xAE: case 0x8E:            /* WRITE AND VERIFY(10, 12, 16) */
    case 0x3B:                                  /* WRITE BUFFER */
    case VIR_SCSI_OP_WRITE_SAME_10:
    case VIR_SCSI_OP_WRITE_SAME_16:
    case VIR_SCSI_OP_UNMAP:
    case VIR_SCSI_OP_COMPARE_AND_WRITE:
    case VIR_SCSI_OP_THIRD_PARTY_COPY_OUT:
    case 0x7F:                                  /* variable length: WRITE(32), ... */
        return true;
    default:
        return false;
    }
}


size_t
virSCSICdbTestUnitReady(uint8_t *cdb)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_TEST_UNIT_READY;
    return 6;
}


/*
 * SPC-4 made ALLOCATION LENGTH 16 bits (bytes 3-4); SPC-2 devices read
 * only byte 4, so callers that want to be safe with very old devices keep
 * the first request under 256 bytes.
 */
static size_t
virSCSICdbInquiry(uint8_t *cdb,
                  bool evpd,
                  uint8_t pageCode,
                  uint16_t allocLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_INQUIRY;
    if (evpd)
        cdb[1] = 0x01;
    cdb[2] = pageCode;
    virSCSIPutBE16(cdb + 3, allocLen);
    return 6;
}


size_t
virSCSICdbInquiryStandard(uint8_t *cdb,
                          uint16_t allocLen)
{
    /* A non-zero PAGE CODE with EVPD=0 is an error (SPC-4), hence
     * no page argument here. */
    return virSCSICdbInquiry(cdb, false, 0, allocLen);
}


size_t
virSCSICdbInquiryVPD(uint8_t *cdb,
                     uint8_t pageCode,
                     uint16_t allocLen)
{
    return virSCSICdbInquiry(cdb, true, pageCode, allocLen);
}


size_t
virSCSICdbReadCapacity10(uint8_t *cdb)
{
    /* Bytes 2-5 (LOGICAL BLOCK ADDRESS) and byte 8 (PMI) are obsolete in
     * SBC-3 and must be 0. */
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_READ_CAPACITY_10;
    return 10;
}


size_t
virSCSICdbReadCapacity16(uint8_t *cdb,
                         uint32_t allocLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_SERVICE_ACTION_IN_16;
    cdb[1] = VIR_SCSI_SA_READ_CAPACITY_16;
    /* bytes 2-9: obsolete LBA, byte 14: obsolete PMI */
    virSCSIPutBE32(cdb + 10, allocLen);
    return 16;
}


size_t
virSCSICdbGetLbaStatus(uint8_t *cdb,
                       uint64_t startLba,
                       uint32_t allocLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_SERVICE_ACTION_IN_16;
    cdb[1] = VIR_SCSI_SA_GET_LBA_STATUS;
    virSCSIPutBE64(cdb + 2, startLba);
    virSCSIPutBE32(cdb + 10, allocLen);
    /* byte 14: REPORT TYPE left 0 (all LBAs) */
    return 16;
}


/*
 * SBC-4, WRITE SAME(16): ANCHOR=1 with UNMAP=0 is terminated with
 * INVALID FIELD IN CDB, so refuse it here where the mistake is made.
 */
static int
virSCSICdbWriteSameCheckFlags(unsigned int flags,
                              unsigned int allowed,
                              const char *name,
                              GError **error)
{
    if (flags & ~allowed) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: unsupported flags 0x%x", name, flags & ~allowed);
        return -1;
    }

    if ((flags & VIR_SCSI_WRITE_SAME_ANCHOR) &&
        !(flags & VIR_SCSI_WRITE_SAME_UNMAP)) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: ANCHOR requires UNMAP", name);
        return -1;
    }

    return 0;
}


int
virSCSICdbWriteSame10(uint8_t *cdb,
                      uint64_t lba,
                      uint32_t nblocks,
                      unsigned int flags,
                      GError **error)
{
    virSCSICdbClear(cdb);

    /* NDOB exists only in WRITE SAME(16). */
    if (virSCSICdbWriteSameCheckFlags(flags,
                                      VIR_SCSI_WRITE_SAME_UNMAP |
                                      VIR_SCSI_WRITE_SAME_ANCHOR,
                                      "WRITE SAME(10)", error) < 0)
        return -1;

    if (lba > UINT32_MAX) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "WRITE SAME(10): LBA %" G_GUINT64_FORMAT
                    " does not fit in 32 bits", lba);
        return -1;
    }

    if (nblocks > UINT16_MAX) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "WRITE SAME(10): %u blocks do not fit in 16 bits",
                    nblocks);
        return -1;
    }

    cdb[0] = VIR_SCSI_OP_WRITE_SAME_10;
    cdb[1] = flags;
    virSCSIPutBE32(cdb + 2, lba);
    /* byte 6: GROUP NUMBER */
    virSCSIPutBE16(cdb + 7, nblocks);
    return 10;
}


int
virSCSICdbWriteSame16(uint8_t *cdb,
                      uint64_t lba,
                      uint32_t nblocks,
                      unsigned int flags,
                      GError **error)
{
    virSCSICdbClear(cdb);

    if (virSCSICdbWriteSameCheckFlags(flags,
                                      VIR_SCSI_WRITE_SAME_NDOB |
                                      VIR_SCSI_WRITE_SAME_UNMAP |
                                      VIR_SCSI_WRITE_SAME_ANCHOR,
                                      "WRITE SAME(16)", error) < 0)
        return -1;

    cdb[0] = VIR_SCSI_OP_WRITE_SAME_16;
    cdb[1] = flags;
    virSCSIPutBE64(cdb + 2, lba);
    virSCSIPutBE32(cdb + 10, nblocks);
    /* byte 14: GROUP NUMBER */
    return 16;
}


size_t
virSCSICdbUnmap(uint8_t *cdb,
                bool anchor,
                uint16_t paramLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_UNMAP;
    if (anchor)
        cdb[1] = 0x01;
    /* byte 6: GROUP NUMBER */
    virSCSIPutBE16(cdb + 7, paramLen);
    return 10;
}


int
virSCSICdbCompareAndWrite(uint8_t *cdb,
                          uint64_t lba,
                          unsigned int nblocks,
                          bool dpo,
                          bool fua,
                          GError **error)
{
    virSCSICdbClear(cdb);

    /* Zero is not an error for the device (SBC-4), but it compares and
     * writes nothing: a lock that takes nothing is a caller's bug. */
    if (nblocks == 0 || nblocks > UINT8_MAX) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "COMPARE AND WRITE: %u blocks, must be 1 to 255",
                    nblocks);
        return -1;
    }

    cdb[0] = VIR_SCSI_OP_COMPARE_AND_WRITE;
    if (dpo)
        cdb[1] |= VIR_SCSI_CDB_DPO;
    if (fua)
        cdb[1] |= VIR_SCSI_CDB_FUA;
    virSCSIPutBE64(cdb + 2, lba);
    /* bytes 10-12 reserved */
    cdb[13] = nblocks;
    /* byte 14: GROUP NUMBER */
    return 16;
}


static size_t
virSCSICdbReadWrite16(uint8_t *cdb,
                      uint8_t opcode,
                      uint64_t lba,
                      uint32_t nblocks,
                      bool dpo,
                      bool fua)
{
    virSCSICdbClear(cdb);
    cdb[0] = opcode;
    if (dpo)
        cdb[1] |= VIR_SCSI_CDB_DPO;
    if (fua)
        cdb[1] |= VIR_SCSI_CDB_FUA;
    virSCSIPutBE64(cdb + 2, lba);
    virSCSIPutBE32(cdb + 10, nblocks);
    /* byte 14: GROUP NUMBER */
    return 16;
}


size_t
virSCSICdbRead16(uint8_t *cdb,
                 uint64_t lba,
                 uint32_t nblocks,
                 bool dpo,
                 bool fua)
{
    return virSCSICdbReadWrite16(cdb, VIR_SCSI_OP_READ_16,
                                 lba, nblocks, dpo, fua);
}


size_t
virSCSICdbWrite16(uint8_t *cdb,
                  uint64_t lba,
                  uint32_t nblocks,
                  bool dpo,
                  bool fua)
{
    return virSCSICdbReadWrite16(cdb, VIR_SCSI_OP_WRITE_16,
                                 lba, nblocks, dpo, fua);
}


size_t
virSCSICdbExtendedCopyLid1(uint8_t *cdb,
                           uint32_t paramLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_THIRD_PARTY_COPY_OUT;
    cdb[1] = VIR_SCSI_SA_EXTENDED_COPY_LID1;
    virSCSIPutBE32(cdb + 10, paramLen);
    return 16;
}


/*
 * POPULATE TOKEN and WRITE USING TOKEN share one layout (SBC-4): LIST
 * IDENTIFIER in bytes 6-9, PARAMETER LIST LENGTH in 10-13, GROUP NUMBER
 * in byte 14.
 */
static size_t
virSCSICdbTokenCommand(uint8_t *cdb,
                       uint8_t sa,
                       uint32_t listId,
                       uint32_t paramLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_THIRD_PARTY_COPY_OUT;
    cdb[1] = sa;
    virSCSIPutBE32(cdb + 6, listId);
    virSCSIPutBE32(cdb + 10, paramLen);
    return 16;
}


size_t
virSCSICdbPopulateToken(uint8_t *cdb,
                        uint32_t listId,
                        uint32_t paramLen)
{
    return virSCSICdbTokenCommand(cdb, VIR_SCSI_SA_POPULATE_TOKEN,
                                  listId, paramLen);
}


size_t
virSCSICdbWriteUsingToken(uint8_t *cdb,
                          uint32_t listId,
                          uint32_t paramLen)
{
    return virSCSICdbTokenCommand(cdb, VIR_SCSI_SA_WRITE_USING_TOKEN,
                                  listId, paramLen);
}


/*
 * RECEIVE COPY RESULTS: the LID1 service actions (0x00-0x04) carry an
 * 8-bit LIST IDENTIFIER in byte 2, the LID4 ones (0x05-0x07) a 32-bit one
 * in bytes 2-5 (SPC-4).  ALLOCATION LENGTH is bytes 10-13 for all.
 */
static size_t
virSCSICdbThirdPartyCopyIn(uint8_t *cdb,
                           uint8_t sa,
                           uint32_t allocLen)
{
    virSCSICdbClear(cdb);
    cdb[0] = VIR_SCSI_OP_THIRD_PARTY_COPY_IN;
    cdb[1] = sa;
    virSCSIPutBE32(cdb + 10, allocLen);
    return 16;
}


size_t
virSCSICdbReceiveCopyStatusLid1(uint8_t *cdb,
                                uint8_t listId,
                                uint32_t allocLen)
{
    size_t len = virSCSICdbThirdPartyCopyIn(cdb, VIR_SCSI_SA_COPY_STATUS_LID1,
                                            allocLen);
    cdb[2] = listId;
    return len;
}


size_t
virSCSICdbReceiveCopyOperatingParameters(uint8_t *cdb,
                                         uint32_t allocLen)
{
    return virSCSICdbThirdPartyCopyIn(cdb, VIR_SCSI_SA_OPERATING_PARAMETERS,
                                      allocLen);
}


size_t
virSCSICdbReceiveRodTokenInformation(uint8_t *cdb,
                                     uint32_t listId,
                                     uint32_t allocLen)
{
    size_t len;

    len = virSCSICdbThirdPartyCopyIn(cdb,
                                     VIR_SCSI_SA_RECEIVE_ROD_TOKEN_INFORMATION,
                                     allocLen);
    virSCSIPutBE32(cdb + 2, listId);
    return len;
}


int
virSCSICdbReportSupportedOpcodes(uint8_t *cdb,
                                 virSCSIRsocOptions options,
                                 bool rctd,
                                 uint8_t opcode,
                                 uint16_t serviceAction,
                                 uint32_t allocLen,
                                 GError **error)
{
    virSCSICdbClear(cdb);

    /* An enum parameter can still carry any int: the field is 3 bits wide
     * and the values above ONE_EITHER are reserved. */
    if ((unsigned int)options > VIR_SCSI_RSOC_ONE_EITHER) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "REPORT SUPPORTED OPERATION CODES: reporting options %d",
                    (int)options);
        return -1;
    }

    cdb[0] = VIR_SCSI_OP_MAINTENANCE_IN;
    cdb[1] = VIR_SCSI_SA_REPORT_SUPPORTED_OPERATION_CODES;
    cdb[2] = options;
    if (rctd)
        cdb[2] |= 0x80;
    cdb[3] = opcode;
    virSCSIPutBE16(cdb + 4, serviceAction);
    virSCSIPutBE32(cdb + 6, allocLen);
    return 12;
}
