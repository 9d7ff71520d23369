/*
 * virscsiinquiry.c: decoding standard INQUIRY data and the VPD pages
 * 0x00 (supported pages), 0x80 (unit serial number) and 0x83 (device
 * identification)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsiinquiry.h"
#include "virscsibytes.h"
#include "virscsierror.h"

#define VIR_SCSI_DESIGNATOR_HEADER_LEN 4


static bool
virSCSIIsPad(uint8_t c)
{
    /* SPC pads with spaces; some devices pad with NULs instead. */
    return c == ' ' || c == '\0';
}


/*
 * Copy @n device bytes into @dst (room for @n + 1) as a printable C
 * string: padding trimmed at the end (and at the start if @trimLeading),
 * anything outside printable ASCII replaced so that the result is safe
 * to log and to put in XML.
 */
static void
virSCSICopyString(char *dst,
                  const uint8_t *src,
                  size_t n,
                  bool trimLeading)
{
    size_t start = 0;
    size_t end = n;
    size_t i;

    while (end > 0 && virSCSIIsPad(src[end - 1]))
        end--;
    if (trimLeading) {
        while (start < end && virSCSIIsPad(src[start]))
            start++;
    }

    for (i = start; i < end; i++) {
        uint8_t c = src[i];

        *dst++ = (c >= 0x20 && c <= 0x7E) ? (char)c : '?';
    }
    *dst = '\0';
}


int
virSCSIInquiryParse(const uint8_t *buf,
                    size_t len,
                    virSCSIInquiry *out,
                    GError **error)
{
    size_t limit;

    memset(out, 0, sizeof(*out));

    if (len < VIR_SCSI_INQUIRY_MIN_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "standard INQUIRY data too short: %zu bytes, need %d",
                    len, VIR_SCSI_INQUIRY_MIN_LEN);
        return -1;
    }

    out->peripheralQualifier = buf[0] >> 5;
    out->peripheralDeviceType = buf[0] & 0x1F;
    out->rmb = !!(buf[1] & 0x80);
    out->luCong = !!(buf[1] & 0x40);
    out->version = buf[2];
    out->normAca = !!(buf[3] & 0x20);
    out->hiSup = !!(buf[3] & 0x10);
    out->responseDataFormat = buf[3] & 0x0F;
    out->additionalLength = buf[4];
    out->needed = VIR_SCSI_INQUIRY_MIN_LEN + (size_t)buf[4];

    /* Bytes past ADDITIONAL LENGTH are not INQUIRY data even if sent. */
    limit = MIN(len, out->needed);

    if (limit > 5) {
        out->hasByte5 = true;
        out->sccs = !!(buf[5] & 0x80);
        out->acc = !!(buf[5] & 0x40);
        out->tpgs = (buf[5] >> 4) & 0x03;
        out->threePC = !!(buf[5] & 0x08);
        out->protect = !!(buf[5] & 0x01);
    }

    if (limit > 6) {
        out->hasByte6 = true;
        out->encServ = !!(buf[6] & 0x40);
        out->multiP = !!(buf[6] & 0x10);
    }

    if (limit > 7) {
        out->hasByte7 = true;
        out->cmdQue = !!(buf[7] & 0x02);
    }

    if (limit >= 16) {
        out->hasVendor = true;
        virSCSICopyString(out->vendor, buf + 8, 8, false);
    }

    if (limit >= 32) {
        out->hasProduct = true;
        virSCSICopyString(out->product, buf + 16, 16, false);
    }

    if (limit >= 36) {
        out->hasRevision = true;
        virSCSICopyString(out->revision, buf + 32, 4, false);
    }

    return 0;
}


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
                      GError **error)
{
    if (!buf || len < VIR_SCSI_VPD_HEADER_LEN) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                    "%s VPD page (0x%02x): %zu bytes, shorter than the %d-byte header",
                    pageName, pageCode, len, VIR_SCSI_VPD_HEADER_LEN);
        return -1;
    }

    /*
     * A device that ignores EVPD returns standard INQUIRY data, and some
     * return another page than asked: decoding either as this page would
     * produce plausible nonsense.
     */
    if (buf[1] != pageCode) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                    "%s VPD page (0x%02x): got page code 0x%02x",
                    pageName, pageCode, buf[1]);
        return -1;
    }

    *peripheralQualifier = buf[0] >> 5;
    *peripheralDeviceType = buf[0] & 0x1F;

    /* SPC-4 6.6.1: nothing behind this LUN, the page describes nothing. */
    if (*peripheralQualifier == VIR_SCSI_PQ_NO_LU) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_UNSUPPORTED,
                    "%s VPD page (0x%02x): no logical unit "
                    "(peripheral qualifier 3, device type 0x%02x)",
                    pageName, pageCode, *peripheralDeviceType);
        return -1;
    }

    *needed = VIR_SCSI_VPD_HEADER_LEN + (size_t)virSCSIGetBE16(buf + 2);
    *end = MIN(len, *needed);

    if (*end < minEnd) {
        if (*needed < minEnd) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED,
                        "%s VPD page (0x%02x): page length %zu, the page needs at least %zu",
                        pageName, pageCode, *needed - VIR_SCSI_VPD_HEADER_LEN,
                        minEnd - VIR_SCSI_VPD_HEADER_LEN);
        } else {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED,
                        "%s VPD page (0x%02x): %zu bytes returned, the mandatory fields "
                        "need %zu", pageName, pageCode, len, minEnd);
        }
        return -1;
    }
    return 0;
}


int
virSCSIVPDSupportedParse(const uint8_t *buf,
                         size_t len,
                         virSCSIVPDSupported *out,
                         GError **error)
{
    size_t limit;
    size_t i;

    memset(out, 0, sizeof(*out));

    if (virSCSIVPDHeaderParse(buf, len, VIR_SCSI_VPD_SUPPORTED_PAGES, "supported VPD pages",
                              VIR_SCSI_VPD_HEADER_LEN,
                              &out->peripheralQualifier,
                              &out->peripheralDeviceType,
                              &out->needed, &limit, error) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    for (i = VIR_SCSI_VPD_HEADER_LEN;
         i < limit && out->npages < G_N_ELEMENTS(out->pages);
         i++) {
        out->pages[out->npages++] = buf[i];
    }

    return 0;
}


bool
virSCSIVPDSupportedHas(const virSCSIVPDSupported *supported,
                       uint8_t page)
{
    size_t i;

    for (i = 0; i < supported->npages; i++) {
        if (supported->pages[i] == page)
            return true;
    }
    return false;
}


int
virSCSIVPDSerialParse(const uint8_t *buf,
                      size_t len,
                      virSCSIVPDSerial *out,
                      GError **error)
{
    size_t limit;
    size_t n;

    memset(out, 0, sizeof(*out));

    if (virSCSIVPDHeaderParse(buf, len, VIR_SCSI_VPD_UNIT_SERIAL, "unit serial number",
                              VIR_SCSI_VPD_HEADER_LEN,
                              &out->peripheralQualifier,
                              &out->peripheralDeviceType,
                              &out->needed, &limit, error) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    n = limit - VIR_SCSI_VPD_HEADER_LEN;
    out->serial = g_new(char, n + 1);
    /* The serial number is right-aligned: leading spaces are padding. */
    virSCSICopyString(out->serial, buf + VIR_SCSI_VPD_HEADER_LEN, n, true);

    return 0;
}


void
virSCSIVPDSerialClear(virSCSIVPDSerial *serial)
{
    if (!serial)
        return;
    g_free(serial->serial);
    memset(serial, 0, sizeof(*serial));
}


static bool
virSCSIVPDDesignatorCheck(const virSCSIVPDDesignator *d)
{
    switch (d->designatorType) {
    case VIR_SCSI_DESIG_NAA:
        if (d->codeSet != VIR_SCSI_CODE_SET_BINARY || d->length < 1)
            return false;
        switch (d->designator[0] >> 4) {
        case VIR_SCSI_NAA_IEEE_EXTENDED:
        case VIR_SCSI_NAA_LOCALLY_ASSIGNED:
        case VIR_SCSI_NAA_IEEE_REGISTERED:
            return d->length == 8;
        case VIR_SCSI_NAA_IEEE_REGISTERED_EXTENDED:
            return d->length == 16;
        default:
            /* A reserved NAA: its length cannot be checked, do not trust. */
            return false;
        }

    case VIR_SCSI_DESIG_EUI64:
        return d->codeSet == VIR_SCSI_CODE_SET_BINARY &&
               (d->length == 8 || d->length == 12 || d->length == 16);

    case VIR_SCSI_DESIG_T10_VENDOR_ID:
        return d->length >= 8;

    case VIR_SCSI_DESIG_SCSI_NAME:
        /* SPC-4 7.8.6.11: null-terminated, null-padded to a multiple of 4 */
        return d->codeSet == VIR_SCSI_CODE_SET_UTF8 &&
               d->length >= 4 && d->length % 4 == 0 &&
               d->designator[d->length - 1] == '\0';

    default:
        return true;
    }
}


/*
 * Walk the designation descriptors within @limit, storing them into
 * @designators when non-NULL, and return how many there are.
 */
static size_t
virSCSIVPDDeviceIdWalk(const uint8_t *buf,
                       size_t limit,
                       virSCSIVPDDesignator *designators)
{
    size_t off = VIR_SCSI_VPD_HEADER_LEN;
    size_t n = 0;

    while (off < limit && limit - off >= VIR_SCSI_DESIGNATOR_HEADER_LEN) {
        const uint8_t *p = buf + off;
        size_t dlen = p[3];

        if (dlen > limit - off - VIR_SCSI_DESIGNATOR_HEADER_LEN)
            break;

        if (designators) {
            virSCSIVPDDesignator *d = &designators[n];

            d->protocolIdentifier = p[0] >> 4;
            d->codeSet = p[0] & 0x0F;
            d->piv = !!(p[1] & 0x80);
            d->association = (p[1] >> 4) & 0x03;
            d->designatorType = p[1] & 0x0F;
            d->length = p[3];
            memcpy(d->designator, p + VIR_SCSI_DESIGNATOR_HEADER_LEN, dlen);
            d->valid = virSCSIVPDDesignatorCheck(d);
        }

        n++;
        off += VIR_SCSI_DESIGNATOR_HEADER_LEN + dlen;
    }

    return n;
}


int
virSCSIVPDDeviceIdParse(const uint8_t *buf,
                        size_t len,
                        virSCSIVPDDeviceId *out,
                        GError **error)
{
    size_t limit;
    size_t n;

    memset(out, 0, sizeof(*out));

    if (virSCSIVPDHeaderParse(buf, len, VIR_SCSI_VPD_DEVICE_ID, "device identification",
                              VIR_SCSI_VPD_HEADER_LEN,
                              &out->peripheralQualifier,
                              &out->peripheralDeviceType,
                              &out->needed, &limit, error) < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }

    n = virSCSIVPDDeviceIdWalk(buf, limit, NULL);
    if (n > 0) {
        out->designators = g_new0(virSCSIVPDDesignator, n);
        out->ndesignators = virSCSIVPDDeviceIdWalk(buf, limit,
                                                   out->designators);
    }

    return 0;
}


void
virSCSIVPDDeviceIdClear(virSCSIVPDDeviceId *devid)
{
    if (!devid)
        return;
    g_free(devid->designators);
    memset(devid, 0, sizeof(*devid));
}


/* Higher is better; 0 means the designator cannot name the LU in XCOPY. */
static unsigned int
virSCSIVPDDesignatorRank(const virSCSIVPDDesignator *d)
{
    if (!d->valid ||
        d->association != VIR_SCSI_ASSOC_LU ||
        d->length > VIR_SCSI_XCOPY_DESIGNATOR_MAX) {
        return 0;
    }

    switch (d->designatorType) {
    case VIR_SCSI_DESIG_NAA:
        switch (d->designator[0] >> 4) {
        case VIR_SCSI_NAA_IEEE_REGISTERED_EXTENDED:
            return 100;
        case VIR_SCSI_NAA_IEEE_REGISTERED:
            return 90;
        case VIR_SCSI_NAA_IEEE_EXTENDED:
            return 80;
        case VIR_SCSI_NAA_LOCALLY_ASSIGNED:
            return 70;
        default:
            return 0;
        }
    case VIR_SCSI_DESIG_SCSI_NAME:
        return 60;
    case VIR_SCSI_DESIG_EUI64:
        /* 16 > 12 > 8 bytes: longer ones carry more of the identifier. */
        return 40 + d->length / 4;
    case VIR_SCSI_DESIG_T10_VENDOR_ID:
        return 30;
    default:
        return 0;
    }
}


const virSCSIVPDDesignator *
virSCSIVPDDeviceIdBestDesignator(const virSCSIVPDDeviceId *devid)
{
    const virSCSIVPDDesignator *best = NULL;
    unsigned int bestRank = 0;
    size_t i;

    for (i = 0; i < devid->ndesignators; i++) {
        unsigned int rank = virSCSIVPDDesignatorRank(&devid->designators[i]);

        if (rank > bestRank) {
            best = &devid->designators[i];
            bestRank = rank;
        }
    }

    return best;
}


static void
virSCSIAppendHex(GString *str,
                 const uint8_t *p,
                 size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        g_string_append_printf(str, "%02x", p[i]);
}


static void
virSCSIAppendText(GString *str,
                  const uint8_t *p,
                  size_t n)
{
    g_autofree char *text = g_new(char, n + 1);

    virSCSICopyString(text, p, n, false);
    g_string_append(str, text);
}


char *
virSCSIVPDDesignatorFormat(const virSCSIVPDDesignator *desig)
{
    GString *str = g_string_new(NULL);
    const uint8_t *p = desig->designator;
    size_t n = desig->length;

    switch (desig->designatorType) {
    case VIR_SCSI_DESIG_NAA:
        g_string_append(str, "naa.");
        virSCSIAppendHex(str, p, n);
        break;

    case VIR_SCSI_DESIG_EUI64:
        g_string_append(str, "eui.");
        virSCSIAppendHex(str, p, n);
        break;

    case VIR_SCSI_DESIG_T10_VENDOR_ID:
        g_string_append(str, "t10.");
        virSCSIAppendText(str, p, n);
        break;

    case VIR_SCSI_DESIG_SCSI_NAME: {
        /* Already "iqn.", "naa." or "eui." prefixed by the standard. */
        const uint8_t *nul = memchr(p, '\0', n);

        virSCSIAppendText(str, p, nul ? (size_t)(nul - p) : n);
        break;
    }

    default:
        if (desig->codeSet == VIR_SCSI_CODE_SET_ASCII ||
            desig->codeSet == VIR_SCSI_CODE_SET_UTF8) {
            virSCSIAppendText(str, p, n);
        } else {
            g_string_append(str, "0x");
            virSCSIAppendHex(str, p, n);
        }
        break;
    }

    return g_string_free(str, FALSE);
}
