/*
 * storage_vaai_host.c: who this host is on a shared pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "storage_vaai_host.h"

#include "storage_vaai_format.h"

#define VIR_STORAGE_VAAI_MACHINE_ID "/etc/machine-id"

bool
virStorageVaaiHostInit(virStorageVaaiHost *host,
                       const char *uuid,
                       const char *name,
                       GError **error)
{
    g_autofree char *machineId = NULL;
    const char *from = "the caller";

    memset(host, 0, sizeof(*host));
    if (!uuid && (uuid = g_getenv("VAAI_HOST_UUID")))
        from = "$VAAI_HOST_UUID";
    if (!uuid &&
        g_file_get_contents(VIR_STORAGE_VAAI_MACHINE_ID, &machineId, NULL, NULL)) {
        uuid = g_strstrip(machineId);
        from = VIR_STORAGE_VAAI_MACHINE_ID;
    }
    if (!uuid) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "no host UUID: none given, no $VAAI_HOST_UUID and no %s",
                    VIR_STORAGE_VAAI_MACHINE_ID);
        return false;
    }
    if (!virStorageVaaiUuidParse(uuid, host->uuid)) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "the host UUID '%s' from %s is not a UUID", uuid, from);
        return false;
    }
    host->incarnation = ((uint64_t)g_random_int() << 32) | g_random_int();
    g_strlcpy(host->name, name ? name : g_get_host_name(), sizeof(host->name));
    return true;
}
