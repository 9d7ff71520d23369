/*
 * fuzz-rod-token-info.c: libFuzzer target for virSCSIRodTokenInfoParse()
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
    virSCSIRodTokenInfo out;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIRodTokenInfoParse(buf, size, &out, &err) < 0) {
        /* A failure must say why, and never claim more than it was given. */
        if (!err)
            abort();
        if (out.hasToken || out.senseLen != 0)
            abort();
        return 0;
    }

    if (out.senseLen > out.senseDataLength ||
        32 + out.senseLen > size ||
        (out.hasToken &&
         (32 + (size_t)out.senseDataFieldLength + 4 + 2 + VIR_SCSI_ROD_TOKEN_LEN > size ||
          out.rodTokenDescriptorsLength < 2 + VIR_SCSI_ROD_TOKEN_LEN)))
        abort();
    return 0;
}
