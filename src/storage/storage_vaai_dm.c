/*
 * storage_vaai_dm.c: device-mapper devices of a vaai pool's volumes (pure)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "storage_vaai_dm.h"
#include "storage_vaai_format.h"


bool
virStorageVaaiDmPrefixValid(const char *prefix)
{
    size_t len;
    size_t i;

    if (!prefix || (len = strlen(prefix)) == 0 || len > 32 || prefix[0] == '.')
        return false;
    for (i = 0; i < len; i++) {
        if (!g_ascii_isalnum(prefix[i]) && !strchr("_.+", prefix[i]))
            return false;
    }
    return true;
}


static bool
virStorageVaaiDmUuidValid(const char *uuid,
                          size_t len)
{
    size_t i;

    if (len != VIR_STORAGE_VAAI_DM_UUID_LEN)
        return false;
    for (i = 0; i < len; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (uuid[i] != '-')
                return false;
        } else if (!g_ascii_isxdigit(uuid[i])) {
            return false;
        }
    }
    return true;
}


char *
virStorageVaaiDmName(const char *prefix,
                     const char *poolUuid,
                     const char *volUuid)
{
    if (!virStorageVaaiDmPrefixValid(prefix) ||
        !poolUuid || !virStorageVaaiDmUuidValid(poolUuid, strlen(poolUuid)) ||
        !volUuid || !virStorageVaaiDmUuidValid(volUuid, strlen(volUuid)))
        return NULL;
    return g_strdup_printf("%s-%s-%s", prefix, poolUuid, volUuid);
}


char *
virStorageVaaiDmPoolPrefix(const char *prefix,
                           const char *poolUuid)
{
    if (!virStorageVaaiDmPrefixValid(prefix) ||
        !poolUuid || !virStorageVaaiDmUuidValid(poolUuid, strlen(poolUuid)))
        return NULL;
    return g_strdup_printf("%s-%s-", prefix, poolUuid);
}


char *
virStorageVaaiDmNamePool(const char *nameOrPath)
{
    const char *name;
    size_t len;
    const size_t u = VIR_STORAGE_VAAI_DM_UUID_LEN;

    if (!nameOrPath)
        return NULL;
    name = strrchr(nameOrPath, '/');
    name = name ? name + 1 : nameOrPath;
    len = strlen(name);
    /* P-POOL-VOL: at least one prefix character, two dashes, two UUIDs */
    if (len < 1 + 1 + u + 1 + u)
        return NULL;
    if (name[len - u - 1] != '-' || name[len - 2 * u - 2] != '-' ||
        !virStorageVaaiDmUuidValid(name + len - u, u) ||
        !virStorageVaaiDmUuidValid(name + len - 2 * u - 1, u))
        return NULL;
    {
        g_autofree char *prefix = g_strndup(name, len - 2 * u - 2);

        if (!virStorageVaaiDmPrefixValid(prefix))
            return NULL;
    }
    return g_strndup(name + len - 2 * u - 1, u);
}


char *
virStorageVaaiDmTable(const char *device,
                      uint64_t start,
                      uint64_t length,
                      GError **error)
{
    size_t i;

    if (!device || !*device) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "device-mapper table: no device");
        return NULL;
    }
    for (i = 0; device[i]; i++) {
        if (g_ascii_isspace(device[i]) || g_ascii_iscntrl(device[i])) {
            g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                        "device-mapper table: device '%s' holds blanks", device);
            return NULL;
        }
    }
    if (length == 0 || length % 512 || start % 512) {
        g_set_error(error, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG,
                    "device-mapper table: %" G_GUINT64_FORMAT " bytes at %" G_GUINT64_FORMAT
                    " are not whole 512-byte sectors", length, start);
        return NULL;
    }
    return g_strdup_printf("0 %" G_GUINT64_FORMAT " linear %s %" G_GUINT64_FORMAT,
                           length / 512, device, start / 512);
}


GHashTable *
virStorageVaaiDmParseTables(const char *output,
                            const char *namePrefix)
{
    GHashTable *tables = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!output)
        return tables;
    lines = g_strsplit(output, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *line = lines[i];
        const char *colon = strstr(line, ": ");
        g_autofree char *name = NULL;
        g_autofree char *table = NULL;
        const char *old;

        if (!colon || colon == line)
            continue;
        name = g_strndup(line, colon - line);
        if (namePrefix && !g_str_has_prefix(name, namePrefix))
            continue;
        table = g_strstrip(g_strdup(colon + 2));
        if ((old = g_hash_table_lookup(tables, name)))
            g_hash_table_insert(tables, g_steal_pointer(&name),
                                g_strdup_printf("%s\n%s", old, table));
        else
            g_hash_table_insert(tables, g_steal_pointer(&name), g_steal_pointer(&table));
    }
    return tables;
}


int
virStorageVaaiDmParseOpenCount(const char *output)
{
    g_autofree char *s = NULL;
    char *end = NULL;
    gint64 n;

    if (!output)
        return -1;
    s = g_strstrip(g_strdup(output));
    if (!*s)
        return -1;
    n = g_ascii_strtoll(s, &end, 10);
    if (*end || n < 0 || n > G_MAXINT)
        return -1;
    return (int)n;
}
