/*
 * virscsiinquiry.h: decoding standard INQUIRY data and the VPD pages
 * 0x00 (supported pages), 0x80 (unit serial number) and 0x83 (device
 * identification)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "virscsiconst.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#define VIR_SCSI_VPD_SUPPORTED_PAGES   0x00
#define VIR_SCSI_VPD_UNIT_SERIAL       0x80
#define VIR_SCSI_VPD_DEVICE_ID         0x83

/* SPC-4 table 140: PERIPHERAL QUALIFIER */
#define VIR_SCSI_PQ_CONNECTED          0x0 /* a LU is (or may be) there */
#define VIR_SCSI_PQ_NOT_CONNECTED      0x1 /* supported, not connected now */
#define VIR_SCSI_PQ_NO_LU              0x3 /* no LU can be on this LUN */

/* SPC-4 table 141: the PERIPHERAL DEVICE TYPEs this project meets */
#define VIR_SCSI_PDT_DISK              0x00 /* SBC direct access block */
#define VIR_SCSI_PDT_RAID              0x0C /* storage array controller */
#define VIR_SCSI_PDT_ENCLOSURE         0x0D
#define VIR_SCSI_PDT_WLUN              0x1E /* well known logical unit */
#define VIR_SCSI_PDT_NONE              0x1F /* unknown or no device type */


/* ---- standard INQUIRY data (SPC-4 6.6.2) ---- */

/* Bytes 0-4: what a device must always return. */
#define VIR_SCSI_INQUIRY_MIN_LEN       5
/* Through the PRODUCT REVISION LEVEL. */
#define VIR_SCSI_INQUIRY_STD_LEN       36

typedef struct _virSCSIInquiry virSCSIInquiry;
struct _virSCSIInquiry {
    uint8_t peripheralQualifier;    /* byte 0 b7-5 */
    uint8_t peripheralDeviceType;   /* byte 0 b4-0 */
    bool rmb;                       /* byte 1 b7: removable medium */
    bool luCong;                    /* byte 1 b6 */
    uint8_t version;                /* byte 2: 0x06 = SPC-4 */
    bool normAca;                   /* byte 3 b5 */
    bool hiSup;                     /* byte 3 b4 */
    uint8_t responseDataFormat;     /* byte 3 b3-0: 2 for any modern device */
    uint8_t additionalLength;       /* byte 4 */

    /* 5 + ADDITIONAL LENGTH: what the device would send */
    size_t needed;

    bool hasByte5;
    bool sccs;                      /* b7 */
    bool acc;                       /* b6 */
    uint8_t tpgs;                   /* b5-4: ALUA support */
    bool threePC;                   /* b3: a copy manager (EXTENDED COPY) */
    bool protect;                   /* b0 */

    bool hasByte6;
    bool encServ;                   /* b6 */
    bool multiP;                    /* b4 */

    bool hasByte7;
    bool cmdQue;                    /* b1 */

    /*
     * Each string is present only when the device returned the whole
     * field.  Trailing spaces (and NULs, which some devices pad with) are
     * trimmed, other non-printable bytes become '?'.
     */
    bool hasVendor;
    char vendor[8 + 1];             /* T10 VENDOR IDENTIFICATION, 8-15 */
    bool hasProduct;
    char product[16 + 1];           /* PRODUCT IDENTIFICATION, 16-31 */
    bool hasRevision;
    char revision[4 + 1];           /* PRODUCT REVISION LEVEL, 32-35 */
};

int
virSCSIInquiryParse(const uint8_t *buf,
                    size_t len,
                    virSCSIInquiry *out,
                    GError **error);


/* ---- VPD pages: the common 4-byte header (SPC-4 7.8.1) ----
 *
 * Every VPD decoder (here and in virscsiblockvpd.h) fails with
 * VIR_SCSI_ERROR_TRUNCATED on fewer than the 4 header bytes,
 * VIR_SCSI_ERROR_MALFORMED when byte 1 is not the page asked for (a device
 * that ignored EVPD or the page code), and VIR_SCSI_ERROR_UNSUPPORTED when
 * the PERIPHERAL QUALIFIER is 3 (no logical unit on this LUN: the page
 * describes nothing).  The peripheral qualifier and type are recorded so
 * that the caller can check them against the standard INQUIRY data of
 * the same LUN.
 */

#define VIR_SCSI_VPD_HEADER_LEN 4

/* The header, for every VPD decoder: checks it as above, records the
 * peripheral byte and the bytes the device wants to send (*@needed), and
 * works out where the page really ends in @buf (*@end: what was returned,
 * cut at the PAGE LENGTH).  The page must reach at least @minEnd (the end
 * of its mandatory fields): when it does not, the device either sent too
 * little (TRUNCATED: read again with *@needed bytes) or declared a page
 * length too small for the page to make sense (MALFORMED). */
int
virSCSIVPDHeaderParse(const uint8_t *buf,
                      size_t len,
                      uint8_t pageCode,
                      const char *pageName,
                      size_t minEnd,
                      uint8_t *peripheralQualifier,
                      uint8_t *peripheralDeviceType,
                      size_t *needed,
                      size_t *end,
                      GError **error);

/* ---- VPD 0x00: supported VPD pages (SPC-4 7.8.16) ---- */

typedef struct _virSCSIVPDSupported virSCSIVPDSupported;
struct _virSCSIVPDSupported {
    uint8_t peripheralQualifier;
    uint8_t peripheralDeviceType;
    size_t needed;                  /* 4 + PAGE LENGTH */
    size_t npages;                  /* entries of pages[] filled */
    uint8_t pages[256];             /* in the device's order; a page code
                                     * list longer than 256 is cut */
};

int
virSCSIVPDSupportedParse(const uint8_t *buf,
                         size_t len,
                         virSCSIVPDSupported *out,
                         GError **error);

bool
virSCSIVPDSupportedHas(const virSCSIVPDSupported *supported,
                       uint8_t page);


/* ---- VPD 0x80: unit serial number (SPC-4 7.8.18) ---- */

typedef struct _virSCSIVPDSerial virSCSIVPDSerial;
struct _virSCSIVPDSerial {
    uint8_t peripheralQualifier;
    uint8_t peripheralDeviceType;
    size_t needed;                  /* 4 + PAGE LENGTH */
    /*
     * PRODUCT SERIAL NUMBER, right-aligned ASCII: leading and trailing
     * spaces (and NULs) trimmed, other non-printable bytes become '?'.
     * Never NULL after a successful parse, possibly "".
     */
    char *serial;
};

/* @out must be zeroed or cleared: the parser overwrites it. */
int
virSCSIVPDSerialParse(const uint8_t *buf,
                      size_t len,
                      virSCSIVPDSerial *out,
                      GError **error);

void
virSCSIVPDSerialClear(virSCSIVPDSerial *serial);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virSCSIVPDSerial, virSCSIVPDSerialClear);


/* ---- VPD 0x83: device identification (SPC-4 7.8.6) ---- */

/* CODE SET */
#define VIR_SCSI_CODE_SET_BINARY       0x1
#define VIR_SCSI_CODE_SET_ASCII        0x2
#define VIR_SCSI_CODE_SET_UTF8         0x3

/* ASSOCIATION */
#define VIR_SCSI_ASSOC_LU              0x0 /* the logical unit itself */
#define VIR_SCSI_ASSOC_TARGET_PORT     0x1
#define VIR_SCSI_ASSOC_TARGET_DEVICE   0x2

/* DESIGNATOR TYPE */
#define VIR_SCSI_DESIG_VENDOR_SPECIFIC 0x0
#define VIR_SCSI_DESIG_T10_VENDOR_ID   0x1
#define VIR_SCSI_DESIG_EUI64           0x2
#define VIR_SCSI_DESIG_NAA             0x3
#define VIR_SCSI_DESIG_RELATIVE_TARGET_PORT 0x4
#define VIR_SCSI_DESIG_TARGET_PORT_GROUP 0x5
#define VIR_SCSI_DESIG_LU_GROUP        0x6
#define VIR_SCSI_DESIG_MD5_LU_ID       0x7
#define VIR_SCSI_DESIG_SCSI_NAME       0x8
#define VIR_SCSI_DESIG_PROTOCOL_SPECIFIC 0x9
#define VIR_SCSI_DESIG_UUID            0xA

/* NAA field: designator byte 0 b7-4 */
#define VIR_SCSI_NAA_IEEE_EXTENDED     0x2
#define VIR_SCSI_NAA_LOCALLY_ASSIGNED  0x3
#define VIR_SCSI_NAA_IEEE_REGISTERED   0x5
#define VIR_SCSI_NAA_IEEE_REGISTERED_EXTENDED 0x6

typedef struct _virSCSIVPDDesignator virSCSIVPDDesignator;
struct _virSCSIVPDDesignator {
    uint8_t protocolIdentifier;     /* byte 0 b7-4, meaningful with piv */
    uint8_t codeSet;                /* byte 0 b3-0 */
    bool piv;                       /* byte 1 b7 */
    uint8_t association;            /* byte 1 b5-4 */
    uint8_t designatorType;         /* byte 1 b3-0 */
    uint8_t length;                 /* byte 3 */
    uint8_t designator[255];        /* the first @length bytes */

    /*
     * False when the designator contradicts its own type, so it must not
     * be used to name anything: an NAA designator whose length is not the
     * one its NAA field implies (2/3/5: 8 bytes, 6: 16 bytes) or whose
     * NAA field is reserved, an NAA or EUI-64 designator not in binary,
     * an EUI-64 not 8, 12 or 16 bytes long, a T10 vendor ID shorter than
     * its 8-byte vendor field, a SCSI name string not in UTF-8 or not a
     * multiple of 4 bytes.  Other types are not checked.
     */
    bool valid;
};

typedef struct _virSCSIVPDDeviceId virSCSIVPDDeviceId;
struct _virSCSIVPDDeviceId {
    uint8_t peripheralQualifier;
    uint8_t peripheralDeviceType;
    size_t needed;                  /* 4 + PAGE LENGTH */
    size_t ndesignators;
    virSCSIVPDDesignator *designators;
};

/*
 * Designators are kept in page order.  The walk stops at the first one
 * whose header or length overruns the page (or the bytes returned).
 * @out must be zeroed or cleared: the parser overwrites it.
 */
int
virSCSIVPDDeviceIdParse(const uint8_t *buf,
                        size_t len,
                        virSCSIVPDDeviceId *out,
                        GError **error);

void
virSCSIVPDDeviceIdClear(virSCSIVPDDeviceId *devid);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virSCSIVPDDeviceId, virSCSIVPDDeviceIdClear);

/*
 * The designator that best names the logical unit in an EXTENDED COPY
 * CSCD descriptor, or NULL when there is none.  Only valid designators
 * with association 0 (the logical unit, not a port or the target) and at
 * most VIR_SCSI_XCOPY_DESIGNATOR_MAX bytes qualify.  By preference:
 *   1. NAA IEEE Registered Extended (NAA 6, 16 bytes)
 *   2. NAA IEEE Registered (NAA 5)
 *   3. NAA IEEE Extended (NAA 2)
 *   4. NAA Locally Assigned (NAA 3)
 *   5. SCSI name string (type 8)
 *   6. EUI-64 based (type 2), longer first
 *   7. T10 vendor ID based (type 1)
 * NAA first because it is what copy managers (LIO, arrays) match on and
 * is globally unique in 6 and 5; among equals the first in the page wins.
 */
const virSCSIVPDDesignator *
virSCSIVPDDeviceIdBestDesignator(const virSCSIVPDDeviceId *devid);

/*
 * A designator as text: "naa." / "eui." + lowercase hex for NAA and
 * EUI-64, "t10." + the sanitised ASCII for T10 vendor IDs, the string
 * itself (up to its NUL) for SCSI name strings, and otherwise the
 * sanitised text for an ASCII/UTF-8 code set or "0x" + hex for binary.
 */
char *
virSCSIVPDDesignatorFormat(const virSCSIVPDDesignator *desig);
