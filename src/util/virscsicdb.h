/*
 * virscsicdb.h: SCSI command descriptor block encoders
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

/*
 * Every encoder writes into a caller's buffer of VIR_SCSI_CDB_MAX bytes,
 * zeroes all of it first, and returns the length of the CDB it built.
 * Encoders whose arguments can be out of range return an int instead: the
 * length, or -1 with VIR_SCSI_ERROR_INVALID_ARG.  Even then the buffer has
 * been zeroed, so a CDB sent by a caller that ignored the error is a
 * harmless TEST UNIT READY.
 *
 * The CONTROL byte (the last byte of every CDB) is always 0, and so are
 * the GROUP NUMBER fields: nothing in VAAI uses them.
 */
#define VIR_SCSI_CDB_MAX 16

typedef enum {
    VIR_SCSI_OP_TEST_UNIT_READY = 0x00,
    VIR_SCSI_OP_INQUIRY = 0x12,
    VIR_SCSI_OP_READ_CAPACITY_10 = 0x25,
    VIR_SCSI_OP_WRITE_SAME_10 = 0x41,
    VIR_SCSI_OP_UNMAP = 0x42,
    VIR_SCSI_OP_PERSISTENT_RESERVE_IN = 0x5E,
    VIR_SCSI_OP_PERSISTENT_RESERVE_OUT = 0x5F,
    VIR_SCSI_OP_THIRD_PARTY_COPY_OUT = 0x83,  /* EXTENDED COPY, POPULATE TOKEN, ... */
    VIR_SCSI_OP_THIRD_PARTY_COPY_IN = 0x84,   /* RECEIVE COPY RESULTS, ... */
    VIR_SCSI_OP_READ_16 = 0x88,
    VIR_SCSI_OP_COMPARE_AND_WRITE = 0x89,
    VIR_SCSI_OP_WRITE_16 = 0x8A,
    VIR_SCSI_OP_WRITE_SAME_16 = 0x93,
    VIR_SCSI_OP_SERVICE_ACTION_IN_16 = 0x9E,  /* READ CAPACITY(16), GET LBA STATUS */
    VIR_SCSI_OP_MAINTENANCE_IN = 0xA3,        /* REPORT SUPPORTED OPERATION CODES */
} virSCSIOpcode;

/* Service actions of SERVICE ACTION IN(16), 0x9E (SBC-4). */
typedef enum {
    VIR_SCSI_SA_READ_CAPACITY_16 = 0x10,
    VIR_SCSI_SA_GET_LBA_STATUS = 0x12,
} virSCSIServiceActionIn16;

/* Service actions of THIRD-PARTY COPY OUT, 0x83 (SPC-4, SBC-4). */
typedef enum {
    VIR_SCSI_SA_EXTENDED_COPY_LID1 = 0x00,
    VIR_SCSI_SA_EXTENDED_COPY_LID4 = 0x01,
    VIR_SCSI_SA_POPULATE_TOKEN = 0x10,
    VIR_SCSI_SA_WRITE_USING_TOKEN = 0x11,
    VIR_SCSI_SA_COPY_OPERATION_ABORT = 0x1C,
} virSCSIThirdPartyCopyOutSa;

/* Service actions of THIRD-PARTY COPY IN, 0x84 (SPC-4). */
typedef enum {
    VIR_SCSI_SA_COPY_STATUS_LID1 = 0x00,
    VIR_SCSI_SA_RECEIVE_DATA_LID1 = 0x01,
    VIR_SCSI_SA_OPERATING_PARAMETERS = 0x03,
    VIR_SCSI_SA_FAILED_SEGMENT_DETAILS_LID1 = 0x04,
    VIR_SCSI_SA_COPY_STATUS_LID4 = 0x05,
    VIR_SCSI_SA_RECEIVE_DATA_LID4 = 0x06,
    VIR_SCSI_SA_RECEIVE_ROD_TOKEN_INFORMATION = 0x07,
    VIR_SCSI_SA_REPORT_ALL_ROD_TOKENS = 0x08,
} virSCSIThirdPartyCopyInSa;

/* Service actions of MAINTENANCE IN, 0xA3 (SPC-4). */
typedef enum {
    VIR_SCSI_SA_REPORT_SUPPORTED_OPERATION_CODES = 0x0C,
} virSCSIMaintenanceInSa;

/*
 * WRITE SAME flags.  The values are the bits of CDB byte 1, so they are
 * the same for WRITE SAME(10) and (16).
 */
typedef enum {
    VIR_SCSI_WRITE_SAME_NDOB = 0x01,    /* no data-out buffer: write zeros (16 only) */
    VIR_SCSI_WRITE_SAME_UNMAP = 0x08,   /* unmap the blocks if the device can */
    VIR_SCSI_WRITE_SAME_ANCHOR = 0x10,  /* anchor instead of deallocate (needs UNMAP) */
} virSCSIWriteSameFlags;

/* REPORTING OPTIONS of REPORT SUPPORTED OPERATION CODES (SPC-4). */
typedef enum {
    VIR_SCSI_RSOC_ALL = 0,              /* every command; opcode and SA ignored */
    VIR_SCSI_RSOC_ONE_NO_SA = 1,        /* one opcode that has no service actions */
    VIR_SCSI_RSOC_ONE_WITH_SA = 2,      /* one opcode + service action */
    VIR_SCSI_RSOC_ONE_EITHER = 3,       /* one opcode, with or without SA (SPC-4) */
} virSCSIRsocOptions;

/*
 * virSCSICdbLength:
 * @opcode: an operation code
 *
 * Returns the CDB length that the GROUP CODE (bits 7-5) of @opcode implies
 * (SPC-4): 6, 10, 12 or 16, or 0 for the groups whose length is
 * not fixed (variable length, vendor specific).
 */
size_t
virSCSICdbLength(uint8_t opcode);

/*
 * virSCSICdbChangesMedium:
 * @opcode: an operation code
 *
 * Whether a command with @opcode may change what the medium holds: the
 * WRITE family, WRITE SAME, UNMAP, COMPARE AND WRITE, FORMAT UNIT, every
 * third-party copy out command (EXTENDED COPY, WRITE USING TOKEN) and,
 * to be safe, variable-length CDBs and WRITE BUFFER.  These are the
 * commands a host that may no longer write must not send.
 */
bool
virSCSICdbChangesMedium(uint8_t opcode);

/*
 * virSCSICdbTestUnitReady:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 *
 * TEST UNIT READY (0x00): six zero bytes.  Returns 6.
 */
size_t
virSCSICdbTestUnitReady(uint8_t *cdb);

/*
 * virSCSICdbInquiryStandard:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @allocLen: ALLOCATION LENGTH (bytes 3-4)
 *
 * INQUIRY (0x12) for the standard data: EVPD=0, PAGE CODE=0.  Returns 6.
 */
size_t
virSCSICdbInquiryStandard(uint8_t *cdb,
                          uint16_t allocLen);

/*
 * virSCSICdbInquiryVPD:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @pageCode: the VPD page to return (byte 2)
 * @allocLen: ALLOCATION LENGTH (bytes 3-4)
 *
 * INQUIRY (0x12) with EVPD=1 for VPD page @pageCode.  Returns 6.
 */
size_t
virSCSICdbInquiryVPD(uint8_t *cdb,
                     uint8_t pageCode,
                     uint16_t allocLen);

/*
 * virSCSICdbReadCapacity10:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 *
 * READ CAPACITY(10) (0x25), PMI=0: the reply is always 8 bytes.
 * Returns 10.
 */
size_t
virSCSICdbReadCapacity10(uint8_t *cdb);

/*
 * virSCSICdbReadCapacity16:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @allocLen: ALLOCATION LENGTH (bytes 10-13)
 *
 * READ CAPACITY(16) (0x9E, SA 0x10), PMI=0.  Returns 16.
 */
size_t
virSCSICdbReadCapacity16(uint8_t *cdb,
                         uint32_t allocLen);

/*
 * virSCSICdbGetLbaStatus:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @startLba: STARTING LOGICAL BLOCK ADDRESS (bytes 2-9)
 * @allocLen: ALLOCATION LENGTH (bytes 10-13)
 *
 * GET LBA STATUS(16) (0x9E, SA 0x12).  REPORT TYPE (byte 14, SBC-4) is
 * left 0, "all LBAs", which is also what SBC-3 devices (where the byte is
 * reserved) do.  Returns 16.
 */
size_t
virSCSICdbGetLbaStatus(uint8_t *cdb,
                       uint64_t startLba,
                       uint32_t allocLen);

/*
 * virSCSICdbWriteSame10:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @lba: LOGICAL BLOCK ADDRESS (bytes 2-5), at most 0xFFFFFFFF
 * @nblocks: NUMBER OF LOGICAL BLOCKS (bytes 7-8), at most 65535; 0 means
 *           "to the last LBA" unless the device has WSNZ=1
 * @flags: bitwise OR of virSCSIWriteSameFlags, NDOB excluded
 * @error: return location for a GError
 *
 * WRITE SAME(10) (0x41).  The data-out buffer is one logical block.
 *
 * Returns 10, or -1 when @lba or @nblocks does not fit, or @flags holds
 * NDOB, ANCHOR without UNMAP, or an unknown bit.
 */
int
virSCSICdbWriteSame10(uint8_t *cdb,
                      uint64_t lba,
                      uint32_t nblocks,
                      unsigned int flags,
                      GError **error);

/*
 * virSCSICdbWriteSame16:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @lba: LOGICAL BLOCK ADDRESS (bytes 2-9)
 * @nblocks: NUMBER OF LOGICAL BLOCKS (bytes 10-13); 0 means "to the last
 *           LBA" unless the device has WSNZ=1
 * @flags: bitwise OR of virSCSIWriteSameFlags
 * @error: return location for a GError
 *
 * WRITE SAME(16) (0x93).  The data-out buffer is one logical block, or
 * nothing with VIR_SCSI_WRITE_SAME_NDOB.
 *
 * Returns 16, or -1 when @flags holds ANCHOR without UNMAP or an unknown
 * bit.
 */
int
virSCSICdbWriteSame16(uint8_t *cdb,
                      uint64_t lba,
                      uint32_t nblocks,
                      unsigned int flags,
                      GError **error);

/*
 * virSCSICdbUnmap:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @anchor: ANCHOR (byte 1 bit 0): anchor the LBAs instead of deallocating
 * @paramLen: PARAMETER LIST LENGTH (bytes 7-8), the size of the list built
 *            by virSCSIParamUnmap()
 *
 * UNMAP (0x42).  Returns 10.
 */
size_t
virSCSICdbUnmap(uint8_t *cdb,
                bool anchor,
                uint16_t paramLen);

/*
 * virSCSICdbCompareAndWrite:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @lba: LOGICAL BLOCK ADDRESS (bytes 2-9)
 * @nblocks: NUMBER OF LOGICAL BLOCKS (byte 13), 1 to 255; the data-out
 *           buffer is twice that many blocks (expected, then new data)
 * @dpo: DPO (byte 1, 0x10): do not keep the blocks in the device's cache
 * @fua: FUA (byte 1, 0x08): write through to the medium
 * @error: return location for a GError
 *
 * COMPARE AND WRITE (0x89), WRPROTECT=0.
 *
 * Returns 16, or -1 when @nblocks is 0 or above 255.
 */
int
virSCSICdbCompareAndWrite(uint8_t *cdb,
                          uint64_t lba,
                          unsigned int nblocks,
                          bool dpo,
                          bool fua,
                          GError **error);

/*
 * virSCSICdbRead16:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @lba: LOGICAL BLOCK ADDRESS (bytes 2-9)
 * @nblocks: TRANSFER LENGTH in blocks (bytes 10-13)
 * @dpo: DPO (byte 1, 0x10): do not keep the blocks in the device's cache
 * @fua: FUA (byte 1, 0x08): read from the medium, not the cache
 *
 * READ(16) (0x88), RDPROTECT=0.  Returns 16.
 */
size_t
virSCSICdbRead16(uint8_t *cdb,
                 uint64_t lba,
                 uint32_t nblocks,
                 bool dpo,
                 bool fua);

/*
 * virSCSICdbWrite16:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @lba: LOGICAL BLOCK ADDRESS (bytes 2-9)
 * @nblocks: TRANSFER LENGTH in blocks (bytes 10-13)
 * @dpo: DPO (byte 1, 0x10): do not keep the blocks in the device's cache
 * @fua: FUA (byte 1, 0x08): write through to the medium
 *
 * WRITE(16) (0x8A), WRPROTECT=0.  Returns 16.
 */
size_t
virSCSICdbWrite16(uint8_t *cdb,
                  uint64_t lba,
                  uint32_t nblocks,
                  bool dpo,
                  bool fua);

/*
 * virSCSICdbExtendedCopyLid1:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @paramLen: PARAMETER LIST LENGTH (bytes 10-13), the size of the list
 *            built by virSCSIParamExtendedCopyLid1()
 *
 * EXTENDED COPY(LID1) (0x83, SA 0x00).  The list identifier travels in
 * the parameter list, not in the CDB.  Returns 16.
 */
size_t
virSCSICdbExtendedCopyLid1(uint8_t *cdb,
                           uint32_t paramLen);

/*
 * virSCSICdbPopulateToken:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @listId: LIST IDENTIFIER (bytes 6-9), to fetch the token with later
 * @paramLen: PARAMETER LIST LENGTH (bytes 10-13), the size of the list
 *            built by virSCSIParamPopulateToken()
 *
 * POPULATE TOKEN (0x83, SA 0x10).  Returns 16.
 */
size_t
virSCSICdbPopulateToken(uint8_t *cdb,
                        uint32_t listId,
                        uint32_t paramLen);

/*
 * virSCSICdbWriteUsingToken:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @listId: LIST IDENTIFIER (bytes 6-9)
 * @paramLen: PARAMETER LIST LENGTH (bytes 10-13), the size of the list
 *            built by virSCSIParamWriteUsingToken()
 *
 * WRITE USING TOKEN (0x83, SA 0x11).  Returns 16.
 */
size_t
virSCSICdbWriteUsingToken(uint8_t *cdb,
                          uint32_t listId,
                          uint32_t paramLen);

/*
 * virSCSICdbReceiveCopyStatusLid1:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @listId: LIST IDENTIFIER of the EXTENDED COPY(LID1) to ask about (byte 2)
 * @allocLen: ALLOCATION LENGTH (bytes 10-13)
 *
 * RECEIVE COPY RESULTS (0x84), SA 0x00 COPY STATUS(LID1).  Returns 16.
 */
size_t
virSCSICdbReceiveCopyStatusLid1(uint8_t *cdb,
                                uint8_t listId,
                                uint32_t allocLen);

/*
 * virSCSICdbReceiveCopyOperatingParameters:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @allocLen: ALLOCATION LENGTH (bytes 10-13); LIO wants at least 54
 *
 * RECEIVE COPY RESULTS (0x84), SA 0x03 OPERATING PARAMETERS.  Returns 16.
 */
size_t
virSCSICdbReceiveCopyOperatingParameters(uint8_t *cdb,
                                         uint32_t allocLen);

/*
 * virSCSICdbReceiveRodTokenInformation:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @listId: LIST IDENTIFIER of the POPULATE TOKEN or WRITE USING TOKEN
 *          (bytes 2-5)
 * @allocLen: ALLOCATION LENGTH (bytes 10-13)
 *
 * RECEIVE ROD TOKEN INFORMATION (0x84, SA 0x07).  Returns 16.
 */
size_t
virSCSICdbReceiveRodTokenInformation(uint8_t *cdb,
                                     uint32_t listId,
                                     uint32_t allocLen);

/*
 * virSCSICdbReportSupportedOpcodes:
 * @cdb: buffer of VIR_SCSI_CDB_MAX bytes
 * @options: REPORTING OPTIONS (byte 2 bits 2-0)
 * @rctd: RCTD (byte 2 bit 7): append command timeouts descriptors
 * @opcode: REQUESTED OPERATION CODE (byte 3), ignored by VIR_SCSI_RSOC_ALL
 * @serviceAction: REQUESTED SERVICE ACTION (bytes 4-5)
 * @allocLen: ALLOCATION LENGTH (bytes 6-9)
 * @error: return location for a GError
 *
 * REPORT SUPPORTED OPERATION CODES (0xA3, SA 0x0C).
 *
 * Returns 12, or -1 when @options is not one of virSCSIRsocOptions.
 */
int
virSCSICdbReportSupportedOpcodes(uint8_t *cdb,
                                 virSCSIRsocOptions options,
                                 bool rctd,
                                 uint8_t opcode,
                                 uint16_t serviceAction,
                                 uint32_t allocLen,
                                 GError **error);
