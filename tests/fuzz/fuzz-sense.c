/*
 * fuzz-sense.c: libFuzzer target for virSCSISenseParse()
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "virscsisense.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data,
                       size_t size)
{
    /* An exact-size heap copy, so that ASan flags any read past the end. */
    g_autofree uint8_t *buf = g_malloc(size);
    g_autofree char *text = NULL;
    virSCSISense s;
    g_autoptr(GError) err = NULL;

    if (size)
        memcpy(buf, data, size);

    if (virSCSISenseParse(buf, size, &s, &err) < 0) {
        /* A failure must say why and leave nothing half-decoded. */
        if (!err || s.responseCode || s.hasAsc || s.hasInformation)
            abort();
        return 0;
    }

    if (err || s.responseCode < 0x70 || s.responseCode > 0x73 ||
        s.senseKey > 0x0F) {
        abort();
    }
    /* Nothing may come from beyond what the device says is sense. */
    if (size >= 8 && s.needed != 8 + (size_t)buf[7])
        abort();
    if (!s.descriptorFormat && s.hasSenseKeySpecific && MIN(size, s.needed) < 18)
        abort();
    if (s.hasInformation && !s.descriptorFormat && s.information > G_MAXUINT32)
        abort();

    text = virSCSISenseDescribe(&s);
    if (!text || !*text)
        abort();
    (void)virSCSISenseAscqText(s.asc, s.ascq);
    (void)virSCSISenseAscq(&s);
    (void)virSCSIStatusName(size ? buf[0] : 0);
    return 0;
}
