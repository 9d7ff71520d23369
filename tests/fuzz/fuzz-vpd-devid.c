/*
 * fuzz-vpd-devid.c: libFuzzer target for virSCSIVPDDeviceIdParse()
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
    g_auto(virSCSIVPDDeviceId) devid = { 0 };
    g_autoptr(GError) err = NULL;
    const virSCSIVPDDesignator *best;
    size_t used = 4;
    size_t i;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDDeviceIdParse(buf, size, &devid, &err) < 0) {
        if (!err || devid.designators || devid.ndesignators)
            abort();
        return 0;
    }

    if (!devid.designators != !devid.ndesignators)
        abort();

    for (i = 0; i < devid.ndesignators; i++) {
        const virSCSIVPDDesignator *d = &devid.designators[i];
        g_autofree char *text = virSCSIVPDDesignatorFormat(d);

        /* Each designator is copied from where the walk says it is. */
        if (memcmp(d->designator, buf + used + 4, d->length) != 0)
            abort();
        used += 4 + d->length;
        if (!text)
            abort();
    }
    if (used > MIN(size, devid.needed))
        abort();

    best = virSCSIVPDDeviceIdBestDesignator(&devid);
    if (best) {
        g_autofree char *text = virSCSIVPDDesignatorFormat(best);

        if (!best->valid || best->association != VIR_SCSI_ASSOC_LU ||
            best->length > VIR_SCSI_XCOPY_DESIGNATOR_MAX || !text) {
            abort();
        }
    }
    return 0;
}
