/*
 * fuzz-vpd-serial.c: libFuzzer target for virSCSIVPDSerialParse()
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
    g_auto(virSCSIVPDSerial) serial = { 0 };
    g_autoptr(GError) err = NULL;
    size_t n;
    size_t i;

    if (size)
        memcpy(buf, data, size);

    if (virSCSIVPDSerialParse(buf, size, &serial, &err) < 0) {
        if (!err || serial.serial)
            abort();
        return 0;
    }

    if (!serial.serial)
        abort();
    n = strlen(serial.serial);
    if (4 + n > MIN(size, serial.needed))
        abort();
    for (i = 0; i < n; i++) {
        if (serial.serial[i] < 0x21 && (i == 0 || i == n - 1))
            abort();
        if (serial.serial[i] < 0x20 || serial.serial[i] > 0x7E)
            abort();
    }
    return 0;
}
