/*
 * storage_backend_vaai_sources.c: find-storage-pool-sources of the vaai
 *                                 pool type
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <config.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#define LIBVIRT_STORAGE_BACKEND_VAAI_PRIV_H_ALLOW
#include "storage_backend_vaai_priv.h"
#include "virerror.h"
#include "virlog.h"
#include "virsecureerase.h"
#include "virstring.h"

#include "virscsitransport.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_LOG_INIT("storage.storage_backend_vaai_sources");


/* ---- find-storage-pool-sources ----
 *
 * Without a spec (or with a local <device path='/dev/...'/>): the SCSI
 * disks this host sees through /dev/sg* (sysfs), or that one device.
 * With <host name= port=/> (and optionally <initiator>, CHAP <auth>, and
 * <device path='IQN'/> or 'IQN/LUN'): the LUNs of the targets that portal
 * lists to SendTargets discovery (or of that target, or that LUN), asked
 * by REPORT LUNS; the portal is always the one given, whatever addresses
 * discovery returns.  Each LUN is opened read-only and probed as a pool
 * would open it, and its <source> shows what it can do and, when it
 * holds a vaai pool, which. */

#define VIR_STORAGE_BACKEND_VAAI_SYSFS_SG "/sys/class/scsi_generic"


static void
virStorageBackendVaaiSetDevice(virStoragePoolSource *src,
                               const char *path)
{
    if (src->ndevice == 0) {
        src->devices = g_new0(virStoragePoolSourceDevice, 1);
        src->ndevice = 1;
    }
    g_free(src->devices[0].path);
    src->devices[0].path = g_strdup(path);
}


/* The <source> of the LUN @src names (its device set).  One that cannot
 * be opened as a disk is an error when @named (the spec named it), else
 * skipped. */
static int
virStorageBackendVaaiFormatFound(virBuffer *buf,
                                 virStoragePoolSource *src,
                                 const char *blockName,
                                 bool named)
{
    g_autoptr(virSCSILun) lun = NULL;
    g_autoptr(virStorageVaaiPool) pool = NULL;
    g_autoptr(GError) err = NULL;
    const char *path = src->devices[0].path;
    const virSCSIInquiry *inq;

    if (!(lun = virStorageBackendVaaiOpenLunSource(src, true))) {
        if (named)
            return -1;
        VIR_WARN("find-storage-pool-sources: skipping %s: %s", path,
                 virGetLastErrorMessage());
        virResetLastError();
        return 0;
    }
    inq = &lun->caps->inquiry;

    virBufferAddLit(buf, "<source>\n");
    virBufferAdjustIndent(buf, 2);
    if (src->nhost == 1) {
        virBufferEscapeString(buf, "<host name='%s'", src->hosts[0].name);
        if (src->hosts[0].port)
            virBufferAsprintf(buf, " port='%d'", src->hosts[0].port);
        virBufferAddLit(buf, "/>\n");
    }
    virBufferEscapeString(buf, "<device path='%s'/>\n", path);
    if (src->initiator.iqn) {
        virBufferAddLit(buf, "<initiator>\n");
        virBufferAdjustIndent(buf, 2);
        virBufferEscapeString(buf, "<iqn name='%s'/>\n", src->initiator.iqn);
        virBufferAdjustIndent(buf, -2);
        virBufferAddLit(buf, "</initiator>\n");
    }
    if (inq->hasVendor)
        virBufferEscapeString(buf, "<vendor name='%s'/>\n", inq->vendor);
    if (inq->hasProduct)
        virBufferEscapeString(buf, "<product name='%s'/>\n", inq->product);
    if (blockName)
        virBufferEscapeString(buf, "<vaai:block name='%s'/>\n", blockName);
    virBufferEscapeString(buf, "<vaai:serial>%s</vaai:serial>\n", lun->caps->serial);
    virStorageBackendVaaiFormatLun(buf, lun);
    virStorageBackendVaaiFormatPlan(buf, lun);
    if ((pool = virStorageVaaiPoolOpen(lun, false, &err)))
        virStorageBackendVaaiFormatHeader(buf, &pool->header);
    else
        VIR_DEBUG("%s holds no vaai pool: %s", path, err ? err->message : "");
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</source>\n");
    return 0;
}


static gint
virStorageBackendVaaiSgCompare(gconstpointer a,
                               gconstpointer b)
{
    const char *x = *(const char * const *)a;
    const char *y = *(const char * const *)b;

    return (gint)g_ascii_strtoll(x + 2, NULL, 10) - (gint)g_ascii_strtoll(y + 2, NULL, 10);
}


/* The block device (sdX) behind /dev/@sg, or NULL. */
static char *
virStorageBackendVaaiSgBlockName(const char *sg)
{
    g_autofree char *path = g_strdup_printf(VIR_STORAGE_BACKEND_VAAI_SYSFS_SG "/%s/device/block", sg);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (!dir || !(name = g_dir_read_name(dir)))
        return NULL;
    return g_strdup(name);
}


static int
virStorageBackendVaaiFindLocal(virBuffer *buf,
                               virStoragePoolSource *src)
{
    g_autoptr(GDir) dir = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    size_t i;

    if (src->ndevice == 1)
        return virStorageBackendVaaiFormatFound(buf, src, NULL, true);

    if (!(dir = g_dir_open(VIR_STORAGE_BACKEND_VAAI_SYSFS_SG, 0, NULL)))
        return 0;   /* no SCSI generic devices (or no sg driver) */
    while ((name = g_dir_read_name(dir))) {
        if (STRPREFIX(name, "sg"))
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, virStorageBackendVaaiSgCompare);

    for (i = 0; i < names->len; i++) {
        const char *sg = g_ptr_array_index(names, i);
        g_autofree char *typePath = g_strdup_printf(VIR_STORAGE_BACKEND_VAAI_SYSFS_SG
                                                    "/%s/device/type", sg);
        g_autofree char *type = NULL;
        g_autofree char *dev = g_strdup_printf("/dev/%s", sg);
        g_autofree char *block = NULL;

        /* Direct-access block devices (peripheral device type 0) only. */
        if (!g_file_get_contents(typePath, &type, NULL, NULL) ||
            g_ascii_strtoll(type, NULL, 10) != 0)
            continue;
        block = virStorageBackendVaaiSgBlockName(sg);
        virStorageBackendVaaiSetDevice(src, dev);
        virStorageBackendVaaiFormatFound(buf, src, block, false);
    }
    return 0;
}


/* A session to @portal: SendTargets discovery when @target is NULL. */
static struct iscsi_context *
virStorageBackendVaaiIscsiLogin(virStoragePoolSource *src,
                                const char *portal,
                                const char *target)
{
    const char *initiator = src->initiator.iqn ? src->initiator.iqn :
        VIR_SCSI_DEFAULT_INITIATOR;
    g_autofree char *user = NULL;
    g_autofree char *secret = NULL;
    struct iscsi_context *iscsi;

    if (!(iscsi = iscsi_create_context(initiator))) {
        virReportError(VIR_ERR_OPERATION_FAILED, "%s",
                       _("cannot create an iSCSI context"));
        return NULL;
    }
    if (virStorageBackendVaaiGetAuth(src, &user, &secret) < 0)
        goto error;
    if (user) {
        int rc = iscsi_set_initiator_username_pwd(iscsi, user, secret);

        virSecureEraseString(secret);
        if (rc < 0)
            goto iscsi_error;
    }
    if ((target && iscsi_set_targetname(iscsi, target) < 0) ||
        iscsi_set_session_type(iscsi, target ? ISCSI_SESSION_NORMAL :
                               ISCSI_SESSION_DISCOVERY) < 0 ||
        iscsi_connect_sync(iscsi, portal) < 0 ||
        iscsi_login_sync(iscsi) < 0)
        goto iscsi_error;
    return iscsi;

 iscsi_error:
    {
        g_autofree char *unreachable = virSCSIPortalUnreachable(portal, 10 * 1000);

        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("iSCSI %1$s on %2$s: %3$s"),
                       target ? target : _("discovery"), portal,
                       unreachable ? unreachable : iscsi_get_error(iscsi));
    }
 error:
    iscsi_destroy_context(iscsi);
    return NULL;
}


static void
virStorageBackendVaaiIscsiLogout(struct iscsi_context *iscsi)
{
    iscsi_logout_sync(iscsi);
    iscsi_destroy_context(iscsi);
}


/* The targets @portal lists (char *), or NULL. */
static GPtrArray *
virStorageBackendVaaiIscsiTargets(virStoragePoolSource *src,
                                  const char *portal)
{
    g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func(g_free);
    struct iscsi_context *iscsi;
    struct iscsi_discovery_address *addrs;
    struct iscsi_discovery_address *a;

    if (!(iscsi = virStorageBackendVaaiIscsiLogin(src, portal, NULL)))
        return NULL;
    if (!(addrs = iscsi_discovery_sync(iscsi))) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("iSCSI discovery on %1$s: %2$s"), portal, iscsi_get_error(iscsi));
        virStorageBackendVaaiIscsiLogout(iscsi);
        return NULL;
    }
    for (a = addrs; a; a = a->next)
        g_ptr_array_add(targets, g_strdup(a->target_name));
    iscsi_free_discovery_data(iscsi, addrs);
    virStorageBackendVaaiIscsiLogout(iscsi);
    return g_steal_pointer(&targets);
}


/* The LUN numbers @target reports (guint), or NULL. */
static GArray *
virStorageBackendVaaiIscsiLuns(virStoragePoolSource *src,
                               const char *portal,
                               const char *target)
{
    g_autoptr(GArray) luns = g_array_new(FALSE, FALSE, sizeof(guint));
    struct iscsi_context *iscsi;
    struct scsi_task *task = NULL;
    struct scsi_reportluns_list *list;
    int size = 16;
    int attempt;
    uint32_t i;

    if (!(iscsi = virStorageBackendVaaiIscsiLogin(src, portal, target)))
        return NULL;
    /* A first command after login may meet a unit attention; a short
     * allocation length tells the full size. */
    for (attempt = 0; attempt < 4; attempt++) {
        if (task)
            scsi_free_scsi_task(task);
        if (!(task = iscsi_reportluns_sync(iscsi, 0, size)))
            break;
        if (task->status != SCSI_STATUS_GOOD)
            continue;
        if (scsi_datain_getfullsize(task) <= task->datain.size)
            break;
        size = scsi_datain_getfullsize(task);
    }
    if (!task || task->status != SCSI_STATUS_GOOD ||
        !(list = scsi_datain_unmarshall(task))) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("REPORT LUNS of %1$s on %2$s: %3$s"),
                       target, portal, iscsi_get_error(iscsi));
        if (task)
            scsi_free_scsi_task(task);
        virStorageBackendVaaiIscsiLogout(iscsi);
        return NULL;
    }
    for (i = 0; i < list->num; i++) {
        uint16_t l = list->luns[i];
        guint lun;

        /* peripheral (bus 0) or flat addressing: what an IQN/LUN names */
        if ((l >> 8) == 0)
            lun = l;
        else if ((l >> 14) == 1)
            lun = l & 0x3fff;
        else
            continue;
        g_array_append_val(luns, lun);
    }
    scsi_free_scsi_task(task);
    virStorageBackendVaaiIscsiLogout(iscsi);
    return g_steal_pointer(&luns);
}


static int
virStorageBackendVaaiFindIscsi(virBuffer *buf,
                               virStoragePoolSource *src)
{
    g_autoptr(GPtrArray) targets = NULL;
    g_autofree char *portal = NULL;
    const char *host = src->hosts[0].name;
    int port = src->hosts[0].port ? src->hosts[0].port : VIR_STORAGE_VAAI_ISCSI_PORT;
    size_t i;

    if (strchr(host, ':'))
        portal = g_strdup_printf("[%s]:%d", host, port);
    else
        portal = g_strdup_printf("%s:%d", host, port);

    if (src->ndevice == 1) {
        const char *path = src->devices[0].path;

        if (strchr(path, '/'))      /* IQN/LUN: that LUN */
            return virStorageBackendVaaiFormatFound(buf, src, NULL, true);
        targets = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(targets, g_strdup(path));
    } else if (!(targets = virStorageBackendVaaiIscsiTargets(src, portal))) {
        return -1;
    }

    for (i = 0; i < targets->len; i++) {
        const char *target = g_ptr_array_index(targets, i);
        g_autoptr(GArray) luns = NULL;
        size_t j;

        if (!(luns = virStorageBackendVaaiIscsiLuns(src, portal, target))) {
            /* one target that cannot be reached is no reason to show none */
            if (targets->len > 1) {
                VIR_WARN("find-storage-pool-sources: skipping %s: %s", target,
                         virGetLastErrorMessage());
                virResetLastError();
                continue;
            }
            return -1;
        }
        for (j = 0; j < luns->len; j++) {
            g_autofree char *path = g_strdup_printf("%s/%u", target,
                                                    g_array_index(luns, guint, j));

            virStorageBackendVaaiSetDevice(src, path);
            virStorageBackendVaaiFormatFound(buf, src, NULL, false);
        }
    }
    return 0;
}


char *
virStorageBackendVaaiFindPoolSources(const char *srcSpec,
                                     unsigned int flags)
{
    g_autoptr(virStoragePoolSource) src = NULL;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virCheckFlags(0, NULL);

    if (srcSpec) {
        if (!(src = virStoragePoolDefParseSourceString(srcSpec, VIR_STORAGE_POOL_VAAI)))
            return NULL;
    } else {
        src = g_new0(virStoragePoolSource, 1);
    }
    if (src->ndevice > 1 || src->nhost > 1) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("vaai pool sources are searched with at most one host and one device"));
        return NULL;
    }
    if (src->nhost == 0 && src->ndevice == 1 && src->devices[0].path[0] != '/') {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("an iSCSI target needs a <host/>"));
        return NULL;
    }

    virBufferAsprintf(&buf, "<sources xmlns:vaai='%s'>\n", VIR_STORAGE_BACKEND_VAAI_NS_URI);
    virBufferAdjustIndent(&buf, 2);
    if (src->nhost == 1) {
        if (virStorageBackendVaaiFindIscsi(&buf, src) < 0)
            return NULL;
    } else if (virStorageBackendVaaiFindLocal(&buf, src) < 0) {
        return NULL;
    }
    virBufferAdjustIndent(&buf, -2);
    virBufferAddLit(&buf, "</sources>\n");
    return virBufferContentAndReset(&buf);
}
