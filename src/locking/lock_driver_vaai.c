/*
 * lock_driver_vaai.c: a lock driver holding vaai volumes open for a
 *                     domain, on the LUN, through the host's vaai-leased
 *
 * Selected by lock_manager = "vaai" in qemu.conf; configured by
 * qemu-vaai.conf ("socket": where vaai-leased listens).  Disks of vaai
 * volumes reach it named "vaai:POOL/VOLUME" (domain_lock.c), whatever
 * device they were translated to; other disks are not its to lock.
 *
 * libvirt calls it at every moment a domain's right to write changes:
 * REGISTER_ONLY when QEMU starts paused (a start, or a migration's
 * destination), a plain acquire when it resumes, release when it pauses
 * (a migration's source at the switch-over) and when a disk is detached.
 * A domain that stops or crashes is noticed by vaai-leased itself (it
 * watches the process), since libvirt tells no lock driver then.  The
 * modes on the LUN (docs/format.md "In-use records"):
 *
 *   REGISTER_ONLY   incoming: alone, or beside the same domain's exclusive
 *                   hold on another host (the source of its migration)
 *   acquire         exclusive, waiting for the other side of a migration
 *                   to let go; shared disks are shared in both
 *   readonly disks  not held, as for the other lock drivers
 *
 * This file is part of libvirt-vaai and is built with libvirt's sources
 * by its patch series; it follows libvirt's coding style.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include "lock_driver.h"
#include "viralloc.h"
#include "virconf.h"
#include "virerror.h"
#include "virlog.h"
#include "viruuid.h"
#include "configmake.h"

#include "storage_vaai_leased.h"

#define VIR_FROM_THIS VIR_FROM_LOCKING

VIR_LOG_INIT("locking.lock_driver_vaai");

#define VIR_LOCK_MANAGER_VAAI_PREFIX "vaai:"

/* How long an acquire at a domain's resume waits while only the same
 * domain on another host holds a volume: the source of its migration
 * releases when QEMU stops it at the switch-over, which the
 * destination's resume may overtake; or that host died, and its hold
 * goes after the lease timeout.  A domain started on two hosts waits
 * this long, then is refused naming the other. */
#define VIR_LOCK_MANAGER_VAAI_PARTNER_WAIT_MS 15000

/* A reply from vaai-leased: its wait, plus the array's time to answer. */
#define VIR_LOCK_MANAGER_VAAI_CALL_TIMEOUT_MS 120000

typedef struct _virLockManagerVaaiDriver virLockManagerVaaiDriver;
struct _virLockManagerVaaiDriver {
    char *socket;
};

static virLockManagerVaaiDriver *vaaiDriver;

typedef struct _virLockManagerVaaiResource virLockManagerVaaiResource;
struct _virLockManagerVaaiResource {
    char *pool;
    char *volume;
    bool shared;
};

typedef struct _virLockManagerVaaiPrivate virLockManagerVaaiPrivate;
struct _virLockManagerVaaiPrivate {
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *name;
    pid_t pid;
    size_t nresources;
    virLockManagerVaaiResource *resources;
};


static int
virLockManagerVaaiLoadConfig(virLockManagerVaaiDriver *driver,
                             const char *configFile)
{
    g_autoptr(virConf) conf = NULL;

    if (!configFile || access(configFile, R_OK) < 0) {
        if (configFile && errno != ENOENT) {
            virReportSystemError(errno, _("Unable to access config file %1$s"),
                                 configFile);
            return -1;
        }
        return 0;
    }
    if (!(conf = virConfReadFile(configFile, 0)))
        return -1;
    if (virConfGetValueString(conf, "socket", &driver->socket) < 0)
        return -1;
    return 0;
}


static int
virLockManagerVaaiInit(unsigned int version,
                       const char *configFile,
                       unsigned int flags)
{
    const char *env = g_getenv("VAAI_LEASED_SOCKET");

    VIR_DEBUG("version=%u configFile=%s flags=0x%x",
              version, NULLSTR(configFile), flags);
    virCheckFlags(0, -1);

    if (vaaiDriver)
        return 0;

    vaaiDriver = g_new0(virLockManagerVaaiDriver, 1);
    if (virLockManagerVaaiLoadConfig(vaaiDriver, configFile) < 0) {
        g_clear_pointer(&vaaiDriver, g_free);
        return -1;
    }
    if (env) {
        g_free(vaaiDriver->socket);
        vaaiDriver->socket = g_strdup(env);
    }
    if (!vaaiDriver->socket)
        vaaiDriver->socket = g_strdup(RUNSTATEDIR "/libvirt-vaai/leased.sock");
    return 0;
}


static int
virLockManagerVaaiDeinit(void)
{
    if (!vaaiDriver)
        return 0;
    g_free(vaaiDriver->socket);
    g_clear_pointer(&vaaiDriver, g_free);
    return 0;
}


static void
virLockManagerVaaiFree(virLockManager *lock)
{
    virLockManagerVaaiPrivate *priv = lock->privateData;
    size_t i;

    if (!priv)
        return;
    for (i = 0; i < priv->nresources; i++) {
        g_free(priv->resources[i].pool);
        g_free(priv->resources[i].volume);
    }
    g_free(priv->resources);
    g_free(priv->name);
    g_free(priv);
    lock->privateData = NULL;
}


static int
virLockManagerVaaiNew(virLockManager *lock,
                      unsigned int type,
                      size_t nparams,
                      virLockManagerParam *params,
                      unsigned int flags)
{
    virLockManagerVaaiPrivate *priv;
    size_t i;

    virCheckFlags(VIR_LOCK_MANAGER_NEW_STARTED, -1);

    if (type != VIR_LOCK_MANAGER_OBJECT_TYPE_DOMAIN) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("Unsupported object type %1$d"), type);
        return -1;
    }

    priv = g_new0(virLockManagerVaaiPrivate, 1);
    for (i = 0; i < nparams; i++) {
        if (STREQ(params[i].key, "uuid"))
            memcpy(priv->uuid, params[i].value.uuid, VIR_UUID_BUFLEN);
        else if (STREQ(params[i].key, "name"))
            priv->name = g_strdup(params[i].value.str);
        else if (STREQ(params[i].key, "pid"))
            priv->pid = params[i].value.iv;
    }
    lock->privateData = priv;
    return 0;
}


static int
virLockManagerVaaiAddResource(virLockManager *lock,
                              unsigned int type,
                              const char *name,
                              size_t nparams G_GNUC_UNUSED,
                              virLockManagerParam *params G_GNUC_UNUSED,
                              unsigned int flags)
{
    virLockManagerVaaiPrivate *priv = lock->privateData;
    virLockManagerVaaiResource res = { 0 };
    const char *slash;

    virCheckFlags(VIR_LOCK_MANAGER_RESOURCE_READONLY |
                  VIR_LOCK_MANAGER_RESOURCE_SHARED, -1);

    if (type == VIR_LOCK_MANAGER_RESOURCE_TYPE_LEASE) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("the vaai lock manager holds vaai volumes, not <lease> elements"));
        return -1;
    }
    /* Not a vaai volume, or read-only: not held, as the other lock
     * drivers leave read-only disks alone. */
    if (type != VIR_LOCK_MANAGER_RESOURCE_TYPE_DISK ||
        !STRPREFIX(name, VIR_LOCK_MANAGER_VAAI_PREFIX) ||
        (flags & VIR_LOCK_MANAGER_RESOURCE_READONLY))
        return 0;

    name += strlen(VIR_LOCK_MANAGER_VAAI_PREFIX);
    if (!(slash = strchr(name, '/')) || slash == name || !slash[1]) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("malformed vaai volume name '%1$s'"), name);
        return -1;
    }
    res.pool = g_strndup(name, slash - name);
    res.volume = g_strdup(slash + 1);
    res.shared = !!(flags & VIR_LOCK_MANAGER_RESOURCE_SHARED);
    VIR_APPEND_ELEMENT(priv->resources, priv->nresources, res);
    return 0;
}


/* Report vaai-leased's refusal @err as a libvirt error of its kind. */
static void
virLockManagerVaaiReport(const char *what,
                         const virLockManagerVaaiResource *res,
                         GError *err)
{
    int code = VIR_ERR_OPERATION_FAILED;

    if (err->domain == VIR_STORAGE_VAAI_ERROR) {
        switch ((virStorageVaaiErrorCode)err->code) {
        case VIR_STORAGE_VAAI_ERROR_BUSY:
            code = VIR_ERR_RESOURCE_BUSY;
            break;
        case VIR_STORAGE_VAAI_ERROR_NOT_FOUND:
            code = VIR_ERR_NO_STORAGE_VOL;
            break;
        case VIR_STORAGE_VAAI_ERROR_INVALID_ARG:
        case VIR_STORAGE_VAAI_ERROR_CORRUPT:
        case VIR_STORAGE_VAAI_ERROR_FOREIGN:
        case VIR_STORAGE_VAAI_ERROR_UNSUPPORTED:
        case VIR_STORAGE_VAAI_ERROR_EXISTS:
        case VIR_STORAGE_VAAI_ERROR_NO_SPACE:
        case VIR_STORAGE_VAAI_ERROR_FENCED:
        case VIR_STORAGE_VAAI_ERROR_LEASE_TIMEOUT:
        case VIR_STORAGE_VAAI_ERROR_CHANGED:
            break;
        }
    }
    virReportError(code, _("cannot %1$s vaai volume '%2$s/%3$s': %4$s"),
                   what, res->pool, res->volume, err->message);
}


static int
virLockManagerVaaiCall(GVariant *request,
                       GError **error)
{
    return virStorageVaaiLeasedCall(vaaiDriver->socket, request,
                                    VIR_LOCK_MANAGER_VAAI_CALL_TIMEOUT_MS,
                                    NULL, error);
}


static GVariant *
virLockManagerVaaiRequest(virLockManagerVaaiPrivate *priv,
                          const char *op,
                          const virLockManagerVaaiResource *res,
                          const char *mode,
                          unsigned int waitMs)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    GVariantBuilder b;

    virUUIDFormat(priv->uuid, uuid);
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "op", g_variant_new_string(op));
    g_variant_builder_add(&b, "{sv}", "owner", g_variant_new_string(uuid));
    g_variant_builder_add(&b, "{sv}", "pool", g_variant_new_string(res->pool));
    g_variant_builder_add(&b, "{sv}", "volume", g_variant_new_string(res->volume));
    if (priv->name)
        g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(priv->name));
    if (mode) {
        g_variant_builder_add(&b, "{sv}", "mode", g_variant_new_string(mode));
        g_variant_builder_add(&b, "{sv}", "pid", g_variant_new_int32(priv->pid));
        g_variant_builder_add(&b, "{sv}", "wait-ms", g_variant_new_uint32(waitMs));
    }
    return g_variant_builder_end(&b);
}


/* Give back the first @n resources' holds; errors are logged only (the
 * caller reports its own). */
static void
virLockManagerVaaiReleaseSome(virLockManagerVaaiPrivate *priv,
                              size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        g_autoptr(GError) err = NULL;

        if (virLockManagerVaaiCall(virLockManagerVaaiRequest(priv, "release",
                                                             &priv->resources[i],
                                                             NULL, 0), &err) < 0)
            VIR_WARN("releasing vaai volume %s/%s of %s: %s",
                     priv->resources[i].pool, priv->resources[i].volume,
                     NULLSTR(priv->name), err->message);
    }
}


static int
virLockManagerVaaiAcquire(virLockManager *lock,
                          const char *state G_GNUC_UNUSED,
                          unsigned int flags,
                          virDomainLockFailureAction action G_GNUC_UNUSED,
                          int *fd)
{
    virLockManagerVaaiPrivate *priv = lock->privateData;
    bool registerOnly = !!(flags & VIR_LOCK_MANAGER_ACQUIRE_REGISTER_ONLY);
    size_t i;

    virCheckFlags(VIR_LOCK_MANAGER_ACQUIRE_REGISTER_ONLY |
                  VIR_LOCK_MANAGER_ACQUIRE_RESTRICT, -1);

    if (fd)
        *fd = -1;

    for (i = 0; i < priv->nresources; i++) {
        virLockManagerVaaiResource *res = &priv->resources[i];
        g_autoptr(GError) err = NULL;
        const char *mode = res->shared ? "shared" :
            registerOnly ? "incoming" : "exclusive";
        unsigned int waitMs = registerOnly ? 0 : VIR_LOCK_MANAGER_VAAI_PARTNER_WAIT_MS;

        VIR_DEBUG("domain %s: %s/%s %s (pid %d)", NULLSTR(priv->name),
                  res->pool, res->volume, mode, priv->pid);
        if (virLockManagerVaaiCall(virLockManagerVaaiRequest(priv, "acquire", res,
                                                             mode, waitMs), &err) < 0) {
            virLockManagerVaaiReport("hold", res, err);
            virLockManagerVaaiReleaseSome(priv, i);
            return -1;
        }
    }
    return 0;
}


static int
virLockManagerVaaiRelease(virLockManager *lock,
                          char **state,
                          unsigned int flags)
{
    virLockManagerVaaiPrivate *priv = lock->privateData;
    size_t i;

    virCheckFlags(0, -1);

    if (state)
        *state = NULL;
    for (i = 0; i < priv->nresources; i++) {
        virLockManagerVaaiResource *res = &priv->resources[i];
        g_autoptr(GError) err = NULL;

        if (virLockManagerVaaiCall(virLockManagerVaaiRequest(priv, "release", res,
                                                             NULL, 0), &err) < 0) {
            virLockManagerVaaiReport("give back", res, err);
            return -1;
        }
    }
    return 0;
}


static int
virLockManagerVaaiInquire(virLockManager *lock G_GNUC_UNUSED,
                          char **state,
                          unsigned int flags)
{
    virCheckFlags(0, -1);

    if (state)
        *state = NULL;
    return 0;
}


virLockDriver virLockDriverImpl = {
    .version = VIR_LOCK_MANAGER_VERSION,
    .flags = 0,

    .drvInit = virLockManagerVaaiInit,
    .drvDeinit = virLockManagerVaaiDeinit,

    .drvNew = virLockManagerVaaiNew,
    .drvFree = virLockManagerVaaiFree,

    .drvAddResource = virLockManagerVaaiAddResource,

    .drvAcquire = virLockManagerVaaiAcquire,
    .drvRelease = virLockManagerVaaiRelease,
    .drvInquire = virLockManagerVaaiInquire,
};
