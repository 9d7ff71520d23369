/*
 * fuzz-inquiry-std.c: libFuzzer target for virSCSIInquiryParse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsiinquiry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzzCheckString(const char *s,
                size_t max)
{
    size_t n = strlen(s);
    size_t i;

    if (n > max)
        abort();
    for (i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7E)
            abort();
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSIInquiry inq;
    g_autoptr(GError) err = NULL;
    size_t limit;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIInquiryParse(buf, size, &inq, &err) < 0) {
        if (!err || inq.needed || inq.hasVendor)
            abort();
        return 0;
    }

    limit = MIN(size, inq.needed);
    if (inq.needed != 5 + (size_t)buf[4] ||
        inq.hasByte5 != (limit > 5) ||
        inq.hasVendor != (limit >= 16) ||
        inq.hasProduct != (limit >= 32) ||
        inq.hasRevision != (limit >= 36)) {
        abort();
    }

    fuzzCheckString(inq.vendor, 8);
    fuzzCheckString(inq.product, 16);
    fuzzCheckString(inq.revision, 4);
    return 0;
}
