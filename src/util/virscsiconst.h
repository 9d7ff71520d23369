/*
 * virscsiconst.h: protocol sizes shared by several SCSI modules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

/* An identification CSCD descriptor (0xE4) holds at most 20 designator
 * bytes: the longest designator that can name a LUN in EXTENDED COPY. */
#define VIR_SCSI_XCOPY_DESIGNATOR_MAX 20

/* A ROD token is 512 bytes (SPC-4 8.3.6). */
#define VIR_SCSI_ROD_TOKEN_LEN 512

/* The well-known ROD token type that WRITE USING TOKEN turns into zeros. */
#define VIR_SCSI_ROD_TYPE_BLOCK_ZERO 0xFFFF0001U

/* EXTENDED COPY descriptor type codes (SPC-4 table 111/119). */
#define VIR_SCSI_XCOPY_DESC_BLOCK_TO_BLOCK 0x02
#define VIR_SCSI_XCOPY_DESC_IDENTIFICATION 0xE4
