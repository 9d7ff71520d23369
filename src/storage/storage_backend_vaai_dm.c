/*
 * storage_backend_vaai_dm.c: device-mapper devices of the volumes of a
 *                            vaai pool on a local LUN
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#define LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
#include "storage_backend_vaai_priv.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "viruuid.h"

#include "storage_vaai_dm.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai_dm");


/* ---- Device-mapper devices of a local pool's volumes ----
 *
 * On a LUN this host reaches as a local SCSI disk, every volume is a
 * device-mapper "linear" device over its extent of the LUN's block device,
 * /dev/mapper/PREFIX-POOLUUID-VOLUUID (storage_vaai_dm.h; PREFIX is
 * "vaai", or $VAAI_DM_PREFIX in the daemon's environment, so that several
 * daemons can share one kernel as the tests' hosts do).  It is the
 * volume's target path, and what a <disk type='volume'> of it becomes, so
 * that a VM sees its volume and nothing else.
 *
 * refreshPool makes this host's devices of the pool exactly the volumes of
 * the table (created, reloaded when an extent or capacity changed, removed
 * when the volume is gone: also what other hosts did), refreshVol the
 * device of one volume (the driver runs it after a create or clone);
 * resizeVol reloads, deleteVol and stopPool remove.  A device that is
 * open (a running VM) is never removed: vol-delete, vol-wipe, a shrinking
 * or moving vol-resize and pool-destroy are refused while it is.  dmLock
 * serialises this host's dmsetup runs per pool; dmTables holds the tables
 * this host loaded, so that refreshVol runs dmsetup only on a change. */

static const char *
virStorageBackendVaaiDmsetupPath(void)
{
    static const char *const paths[] = { "/usr/sbin/dmsetup", "/sbin/dmsetup" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(paths); i++) {
        if (virFileIsExecutable(paths[i]))
            return paths[i];
    }
    return "dmsetup";
}


/* Run dmsetup with the NULL-terminated arguments; its stdout in @output
 * (if not NULL).  Returns its exit status, or -1 (error reported) if it
 * could not run; a non-zero status is reported only with @report.
 * Changes pass --verifyudev: where udev does not run (or does not make
 * /dev/mapper/NAME), dmsetup then makes and removes the node itself,
 * which it does not by default. */
static int G_GNUC_NULL_TERMINATED
virStorageBackendVaaiDmsetup(char **output,
                             bool report,
                             ...)
{
    g_autoptr(virCommand) cmd = virCommandNew(virStorageBackendVaaiDmsetupPath());
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *args = NULL;
    const char *arg;
    va_list ap;
    int status;

    va_start(ap, report);
    while ((arg = va_arg(ap, const char *)))
        virCommandAddArg(cmd, arg);
    va_end(ap);
    virCommandSetOutputBuffer(cmd, &out);
    virCommandSetErrorBuffer(cmd, &err);
    if (virCommandRun(cmd, &status) < 0)
        return -1;
    if (status != 0) {
        args = virCommandToString(cmd, false);
        VIR_DEBUG("%s: exit %d: %s", NULLSTR(args), status, NULLSTR(err));
        if (report)
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("device-mapper: '%1$s' failed: %2$s"),
                           NULLSTR(args), err && *err ? g_strstrip(err) : _("no message"));
    }
    if (output)
        *output = g_steal_pointer(&out);
    return status;
}


/* The block device of a local LUN, MAJOR:MINOR: the device itself, or the
 * disk a SCSI generic node belongs to (/sys/dev/char/M:m/device/block/). */
static char *
virStorageBackendVaaiLocalBlockDev(const char *path)
{
    struct stat sb;
    g_autofree char *blockDir = NULL;
    g_autofree char *devFile = NULL;
    g_autofree char *dev = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *name;

    if (stat(path, &sb) < 0) {
        virReportSystemError(errno, _("cannot stat '%1$s'"), path);
        return NULL;
    }
    if (S_ISBLK(sb.st_mode))
        return g_strdup_printf("%u:%u", major(sb.st_rdev), minor(sb.st_rdev));
    if (!S_ISCHR(sb.st_mode)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("'%1$s' is no device"), path);
        return NULL;
    }
    blockDir = g_strdup_printf("/sys/dev/char/%u:%u/device/block",
                               major(sb.st_rdev), minor(sb.st_rdev));
    if (!(dir = g_dir_open(blockDir, 0, NULL)) || !(name = g_dir_read_name(dir))) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("SCSI device '%1$s' has no block device (%2$s)"),
                       path, blockDir);
        return NULL;
    }
    devFile = g_strdup_printf("%s/%s/dev", blockDir, name);
    if (virFileReadAll(devFile, 64, &dev) < 0)
        return NULL;
    return g_strdup(g_strstrip(dev));
}


/* At pool start: the LUN's block device and this pool's device names. */
int
virStorageBackendVaaiDmInit(virStorageBackendVaaiState *state)
{
    const char *prefix = g_getenv("VAAI_DM_PREFIX");
    char poolUuid[VIR_UUID_STRING_BUFLEN];

    if (!prefix) {
        prefix = VIR_STORAGE_VAAI_DM_PREFIX;
    } else if (!virStorageVaaiDmPrefixValid(prefix)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("VAAI_DM_PREFIX '%1$s' is not 1 to 32 of [A-Za-z0-9_.+]"), prefix);
        return -1;
    }
    virUUIDFormat(state->pool->header.poolUuid, poolUuid);
    state->dmPoolPrefix = virStorageVaaiDmPoolPrefix(prefix, poolUuid);
    if (!(state->dmDevice = virStorageBackendVaaiLocalBlockDev(state->lun->spec)))
        return -1;
    VIR_DEBUG("volumes of pool %s: devices %s*, linear over %s",
              poolUuid, state->dmPoolPrefix, state->dmDevice);
    return 0;
}


/* The device name of the volume whose key (UUID) is @key. */
char *
virStorageBackendVaaiDmName(virStorageBackendVaaiState *state,
                            const char *key)
{
    char *name = NULL;

    if (key)
        name = g_strdup_printf("%s%s", state->dmPoolPrefix, key);
    if (!name || !virStorageVaaiDmNamePool(name)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("volume key '%1$s' makes no device-mapper name"), NULLSTR(key));
        g_free(name);
        return NULL;
    }
    return name;
}


/* The name and table of @rec's device. */
static int
virStorageBackendVaaiDmWant(virStorageBackendVaaiState *state,
                            const virStorageVaaiVolRecord *rec,
                            char **name,
                            char **table)
{
    char key[VIR_UUID_STRING_BUFLEN];
    uint64_t bs = state->pool->header.blockSize;
    g_autoptr(GError) err = NULL;

    virUUIDFormat(rec->uuid, key);
    if (!(*name = virStorageBackendVaaiDmName(state, key)))
        return -1;
    if (!(*table = virStorageVaaiDmTable(state->dmDevice, rec->extentStart * bs,
                                         rec->capacity, &err))) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("volume '%1$s': %2$s"),
                       rec->name, err->message);
        g_clear_pointer(name, g_free);
        return -1;
    }
    return 0;
}


/* This pool's devices as the kernel has them: name -> table. */
static GHashTable *
virStorageBackendVaaiDmList(virStorageBackendVaaiState *state)
{
    g_autofree char *out = NULL;

    if (virStorageBackendVaaiDmsetup(&out, true, "table", NULL) != 0)
        return NULL;
    return virStorageVaaiDmParseTables(out, state->dmPoolPrefix);
}


/* How often the device @name is open: -1 if it does not exist. */
int
virStorageBackendVaaiDmOpenCount(const char *name)
{
    g_autofree char *out = NULL;

    if (virStorageBackendVaaiDmsetup(&out, false, "info", "-c", "--noheadings",
                                     "-o", "open", name, NULL) != 0)
        return -1;
    return virStorageVaaiDmParseOpenCount(out);
}


/* Create the device @name with @table, or load @table into it (@exists). */
static int
virStorageBackendVaaiDmLoad(const char *name,
                            const char *table,
                            bool exists)
{
    VIR_DEBUG("device-mapper: %s %s: %s", exists ? "reload" : "create", name, table);
    if (!exists)
        return virStorageBackendVaaiDmsetup(NULL, true, "--verifyudev", "create", name,
                                            "--table", table, NULL) == 0 ? 0 : -1;
    if (virStorageBackendVaaiDmsetup(NULL, true, "reload", name, "--table", table, NULL) != 0 ||
        virStorageBackendVaaiDmsetup(NULL, true, "--verifyudev", "resume", name, NULL) != 0)
        return -1;
    return 0;
}


/* Refuse @what of volume @volName while its device @name is open. */
int
virStorageBackendVaaiDmCheckUnused(const char *name,
                                   const char *volName,
                                   const char *what)
{
    int open = virStorageBackendVaaiDmOpenCount(name);

    if (open > 0) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot %1$s volume '%2$s': it is in use (%3$s/%4$s is open %5$d time(s))"),
                       what, volName, VIR_STORAGE_VAAI_DM_DIR, name, open);
        return -1;
    }
    return 0;
}


/* Remove the device @name; refused while it is open. */
int
virStorageBackendVaaiDmRemove(const char *name,
                              const char *volName,
                              const char *what)
{
    VIR_DEBUG("device-mapper: remove %s", name);
    if (virStorageBackendVaaiDmsetup(NULL, false, "--verifyudev", "remove", name, NULL) == 0)
        return 0;
    if (virStorageBackendVaaiDmOpenCount(name) < 0)
        return 0;       /* already gone */
    if (virStorageBackendVaaiDmCheckUnused(name, volName, what) < 0)
        return -1;
    /* not open, yet not removed: say why */
    return virStorageBackendVaaiDmsetup(NULL, true, "--verifyudev", "remove", name, NULL) == 0 ? 0 : -1;
}


/* Make this host's device of @rec what the record says. */
int
virStorageBackendVaaiDmSyncVol(virStorageBackendVaaiState *state,
                               const virStorageVaaiVolRecord *rec)
{
    g_autofree char *name = NULL;
    g_autofree char *table = NULL;
    g_autofree char *out = NULL;
    const char *cur;
    bool exists;

    if (!state->local)
        return 0;
    if (virStorageBackendVaaiDmWant(state, rec, &name, &table) < 0)
        return -1;

    VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
        if ((cur = g_hash_table_lookup(state->dmTables, name)) && STREQ(cur, table))
            return 0;
        exists = cur ||
            virStorageBackendVaaiDmsetup(&out, false, "table", name, NULL) == 0;
        if (exists && out && STREQ(g_strstrip(out), table)) {
            g_hash_table_insert(state->dmTables, g_steal_pointer(&name), g_steal_pointer(&table));
            return 0;
        }
        if (virStorageBackendVaaiDmLoad(name, table, exists) < 0)
            return -1;
        g_hash_table_insert(state->dmTables, g_steal_pointer(&name), g_steal_pointer(&table));
    }
    return 0;
}


/* The devices of the pool become the volumes of @table: created or
 * reloaded as needed, and those of volumes that are gone removed (kept,
 * with a warning, while open). */
int
virStorageBackendVaaiDmRefresh(virStorageBackendVaaiState *state,
                               const char *poolName,
                               virStorageVaaiTable *table)
{
    g_autoptr(GHashTable) actual = NULL;
    g_autoptr(GHashTable) want = NULL;
    GHashTableIter iter;
    gpointer key;
    gpointer value;
    uint32_t idx;

    if (!state->local)
        return 0;

    VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
        if (!(actual = virStorageBackendVaaiDmList(state)))
            return -1;
        want = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        for (idx = 0; idx < table->count; idx++) {
            g_autofree char *name = NULL;
            g_autofree char *tbl = NULL;
            const char *cur;

            if (table->status[idx] != VIR_STORAGE_VAAI_RECORD_VALID ||
                table->recs[idx].state == VIR_STORAGE_VAAI_VOL_FREE)
                continue;
            if (virStorageBackendVaaiDmWant(state, &table->recs[idx], &name, &tbl) < 0)
                return -1;
            cur = g_hash_table_lookup(actual, name);
            if ((!cur || STRNEQ(cur, tbl)) &&
                virStorageBackendVaaiDmLoad(name, tbl, !!cur) < 0)
                return -1;
            g_hash_table_insert(want, g_steal_pointer(&name), g_steal_pointer(&tbl));
        }
        g_hash_table_iter_init(&iter, actual);
        while (g_hash_table_iter_next(&iter, &key, &value)) {
            if (g_hash_table_contains(want, key))
                continue;
            if (virStorageBackendVaaiDmRemove(key, key, "remove the device of") < 0) {
                VIR_WARN("pool '%s': %s", poolName, virGetLastErrorMessage());
                virResetLastError();
            }
        }
        g_hash_table_unref(state->dmTables);
        state->dmTables = g_steal_pointer(&want);
    }
    return 0;
}


/* At pool stop: remove every device of the pool, none if one is open. */
int
virStorageBackendVaaiDmRemoveAll(virStorageBackendVaaiState *state)
{
    g_autoptr(GHashTable) actual = NULL;
    GHashTableIter iter;
    gpointer key;

    if (!state->local)
        return 0;
    VIR_WITH_MUTEX_LOCK_GUARD(&state->dmLock) {
        if (!(actual = virStorageBackendVaaiDmList(state)))
            return -1;
        g_hash_table_iter_init(&iter, actual);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            int open = virStorageBackendVaaiDmOpenCount(key);

            if (open > 0) {
                virReportError(VIR_ERR_OPERATION_INVALID,
                               _("a volume of the pool is in use: %1$s/%2$s is open %3$d time(s)"),
                               VIR_STORAGE_VAAI_DM_DIR, (const char *)key, open);
                return -1;
            }
        }
        g_hash_table_iter_init(&iter, actual);
        while (g_hash_table_iter_next(&iter, &key, NULL)) {
            if (virStorageBackendVaaiDmRemove(key, key, "remove the device of") < 0)
                return -1;
            g_hash_table_remove(state->dmTables, key);
        }
        g_hash_table_remove_all(state->dmTables);
    }
    return 0;
}
