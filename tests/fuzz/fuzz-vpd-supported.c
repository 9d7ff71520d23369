/*
 * fuzz-vpd-supported.c: libFuzzer target for virSCSIVPDSupportedParse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsiinquiry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSIVPDSupported sup;
    g_autoptr(GError) err = NULL;
    size_t i;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDSupportedParse(buf, size, &sup, &err) < 0) {
        if (!err || sup.npages || sup.needed)
            abort();
        return 0;
    }

    if (buf[1] != VIR_SCSI_VPD_SUPPORTED_PAGES ||
        sup.npages > G_N_ELEMENTS(sup.pages) ||
        4 + sup.npages > MIN(size, sup.needed)) {
        abort();
    }
    for (i = 0; i < sup.npages; i++) {
        if (sup.pages[i] != buf[4 + i] ||
            !virSCSIVPDSupportedHas(&sup, sup.pages[i])) {
            abort();
        }
    }
    return 0;
}
