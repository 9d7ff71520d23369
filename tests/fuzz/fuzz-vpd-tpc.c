/*
 * fuzz-vpd-tpc.c: libFuzzer target for virSCSIVPDTpcParse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsitpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSIVPDTpc out;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDTpcParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.nDescriptors != 0)
            abort();
        return 0;
    }

    if (out.nSupportedDescriptors > sizeof(out.supportedDescriptors) ||
        out.nRodTypes > VIR_SCSI_TPC_MAX_ROD_TYPES ||
        out.nUnknownDescriptors + out.nShortDescriptors > out.nDescriptors)
        abort();
    (void)virSCSIVPDTpcSupportsDescriptor(&out, 0x02);
    (void)virSCSIVPDTpcFindRodType(&out, VIR_SCSI_ROD_TYPE_BLOCK_ZERO);
    return 0;
}
