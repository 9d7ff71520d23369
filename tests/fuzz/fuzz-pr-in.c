/*
 * fuzz-pr-in.c: libFuzzer target for the PERSISTENT RESERVE IN decoders
 *               (READ KEYS, READ RESERVATION, REPORT CAPABILITIES)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsipr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    virSCSIPrKeys keys;
    virSCSIPrReservation res;
    virSCSIPrCapabilities caps;
    GError *err = NULL;
    size_t i;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIPrKeysParse(buf, size, &keys, &err) < 0) {
        if (!err || keys.keys || keys.nkeys)
            abort();
        g_clear_error(&err);
    } else {
        /* Keys only from bytes returned, never more than claimed. */
        if (keys.nkeys > keys.available ||
            (keys.nkeys && 8 + keys.nkeys * 8 > size))
            abort();
        for (i = 0; i < keys.nkeys; i++)
            (void)virSCSIPrKeysHas(&keys, keys.keys[i]);
        virSCSIPrKeysClear(&keys);
    }

    if (virSCSIPrReservationParse(buf, size, &res, &err) < 0) {
        if (!err || res.reserved)
            abort();
        g_clear_error(&err);
    } else if (res.reserved && (size < 22 || res.type > 0x0F)) {
        abort();
    } else {
        (void)virSCSIPrTypeName(res.type);
    }

    if (virSCSIPrCapabilitiesParse(buf, size, &caps, &err) < 0) {
        if (!err || caps.typeMask)
            abort();
        g_clear_error(&err);
    } else if (caps.typeMask & ~0x01FFu) {
        abort();
    }
    return 0;
}
