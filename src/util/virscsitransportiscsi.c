/*
 * virscsitransportiscsi.c: userspace iSCSI through libiscsi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <errno.h>
#include <poll.h>
#include <string.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include "virscsitransport.h"
#include "virscsierror.h"
#include "virscsibytes.h"
#include "virscsiportal.h"

typedef struct _virSCSITransportISCSI virSCSITransportISCSI;
struct _virSCSITransportISCSI {
    /* NULL once dropped: the next command logs in again first. */
    struct iscsi_context *iscsi;
    int lun;
    unsigned int timeoutMs;
    char *url;                  /* with the CHAP secret: to log in again */
    char *shown;                /* without it */
    char *initiator;
    /* A libiscsi context is not thread-safe: one command at a time per
     * session.  Parallelism comes from several sessions. */
    GMutex lock;
};

/* How long a polite logout of a healthy session may take at close. */
#define VIR_SCSI_ISCSI_LOGOUT_MS 2000
/* How long a login may take: the first; one after a session was lost
 * (a target that is coming back may accept the connection and not answer
 * the login, and the command waiting for it may be a heartbeat's). */
#define VIR_SCSI_ISCSI_LOGIN_S 30
#define VIR_SCSI_ISCSI_RELOGIN_S 2


/* The outcome of one command, filled by libiscsi's callback. */
typedef struct _virSCSIISCSIWait virSCSIISCSIWait;
struct _virSCSIISCSIWait {
    bool finished;
    int status;
};


static void
virSCSIISCSICommandDone(struct iscsi_context *iscsi G_GNUC_UNUSED,
                        int status,
                        void *commandData G_GNUC_UNUSED,
                        void *opaque)
{
    virSCSIISCSIWait *wait = opaque;

    wait->status = status;
    wait->finished = true;
}


/*
 * Drive the session until the command completes, fails or runs out of
 * time.  libiscsi's own synchronous wrappers are not used: when their
 * poll() is interrupted by a signal they return with the task still
 * queued and pointing at their dead stack frame, and a late reply then
 * writes into freed memory.  Here the task is cancelled while its wait
 * state is still alive, so nothing refers to it afterwards.
 */
static int
virSCSIISCSIPump(struct iscsi_context *iscsi,
                 virSCSIISCSIWait *wait,
                 gint64 deadline,
                 const char **why)
{
    while (!wait->finished) {
        struct pollfd pfd = { .fd = iscsi_get_fd(iscsi), .events = iscsi_which_events(iscsi) };
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        int rc;

        if (left <= 0) {
            *why = "timed out";
            break;
        }
        /* No events wanted: libiscsi is between reconnect attempts. */
        rc = pfd.events ? poll(&pfd, 1, MIN(left, 1000)) : (g_usleep(100000), 0);
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            *why = g_strerror(errno);
            break;
        }
        if (iscsi_service(iscsi, rc > 0 ? pfd.revents : 0) < 0) {
            *why = iscsi_get_error(iscsi);
            break;
        }
    }
    return wait->finished ? 0 : -1;
}


static int
virSCSIISCSIWaitFor(struct iscsi_context *iscsi,
                    struct scsi_task *task,
                    virSCSIISCSIWait *wait,
                    unsigned int timeoutMs,
                    const char **why)
{
    /* libiscsi's own PDU timeout fires first; this is the backstop. */
    gint64 deadline = g_get_monotonic_time() + (gint64)(timeoutMs + 5000) * 1000;

    if (virSCSIISCSIPump(iscsi, wait, deadline, why) < 0) {
        iscsi_scsi_cancel_task(iscsi, task);
        return -1;
    }
    return 0;
}


/*
 * Drop a session whose command did not complete: close its connection
 * without a logout (on a dead socket libiscsi's logout polls for ever).
 * The target then aborts every task of the connection (iSCSI connection
 * failure, ERL 0), so a command that timed out here does not run on
 * there; and since libiscsi may not reconnect on its own (noautoreconnect),
 * it never sends such a command again: the caller decides, through every
 * check the command passed the first time.
 */
static void
virSCSIISCSIDrop(virSCSITransport *transport)
{
    virSCSITransportISCSI *priv = transport->priv;

    g_clear_pointer(&priv->iscsi, iscsi_destroy_context);
    if (!g_atomic_int_get(&transport->lost))
        __atomic_store_n(&transport->lostSinceUs, g_get_monotonic_time(), __ATOMIC_RELAXED);
    g_atomic_int_set(&transport->lost, 1);
}


/* The URL as we show it: without the CHAP secrets (the initiator's, in
 * user%secret@, and the target's, in ?target_password= for mutual CHAP). */
static char *
virSCSIISCSIRedactURL(const char *url)
{
    const char *rest = url + strlen("iscsi://");
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    const char *pct;
    g_autofree char *shown = NULL;
    char *tpw;

    if (at && (!slash || at < slash) && (pct = memchr(rest, '%', at - rest)))
        shown = g_strdup_printf("iscsi://%.*s%%***%s", (int)(pct - rest), rest, at);
    else
        shown = g_strdup(url);

    if ((tpw = strstr(shown, "target_password="))) {
        const char *end = tpw + strlen("target_password=");
        g_autofree char *head = NULL;

        end += strcspn(end, "&");
        head = g_strndup(shown, tpw - shown);
        return g_strdup_printf("%starget_password=***%s", head, end);
    }
    return g_steal_pointer(&shown);
}


/* @text with the CHAP secrets of @url replaced by "***": libiscsi's
 * error texts may quote the URL whole (an unparsable one, for instance). */
static char *
virSCSIISCSIRedactText(const char *text,
                       const char *url)
{
    const char *rest = url + strlen("iscsi://");
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');
    const char *pct;
    const char *tpw;
    char *secrets[2] = { NULL, NULL };
    char *out = g_strdup(text);
    size_t i;

    if (at && (!slash || at < slash) && (pct = memchr(rest, '%', at - rest)))
        secrets[0] = g_strndup(pct + 1, at - pct - 1);
    if ((tpw = strstr(url, "target_password="))) {
        tpw += strlen("target_password=");
        secrets[1] = g_strndup(tpw, strcspn(tpw, "&"));
    }
    for (i = 0; i < G_N_ELEMENTS(secrets); i++) {
        if (secrets[i] && secrets[i][0]) {
            g_auto(GStrv) parts = g_strsplit(out, secrets[i], -1);

            g_free(out);
            out = g_strjoinv("***", parts);
        }
        g_free(secrets[i]);
    }
    return out;
}


/*
 * Why a login failed, in words a user can act on.  libiscsi keeps the
 * target's login status only in its error text ("Failed to log in to
 * target. Status: Authentication failure(513)"), so that is where we look.
 */
static char *
virSCSIISCSILoginError(const char *shown,
                       const struct iscsi_url *iurl,
                       const char *why)
{
    if (strstr(why, "Authentication failure") || strstr(why, "(513)")) {
        if (!iurl->user[0])
            return g_strdup_printf("cannot log in to %s: authentication failed: the "
                                   "target requires CHAP and no CHAP user name and "
                                   "secret were given [%s]", shown, why);
        return g_strdup_printf("cannot log in to %s: authentication failed: the target "
                               "refused CHAP user '%s' with this secret [%s]",
                               shown, iurl->user, why);
    }
    if (strstr(why, "CHAP_R") || strstr(why, "CHAP_N") || strstr(why, "CHAP targetname"))
        return g_strdup_printf("cannot log in to %s: authentication failed: the target "
                               "did not prove itself with the mutual CHAP credentials "
                               "(target_user, target_password) [%s]", shown, why);
    if (strstr(why, "Authorization failure") || strstr(why, "(514)"))
        return g_strdup_printf("cannot log in to %s: the target does not allow this "
                               "initiator (not in its ACL) [%s]", shown, why);
    return g_strdup_printf("cannot log in to %s: %s", shown, why);
}


/* The URL libiscsi is given: @url, with @secret put in as user%secret@
 * when @url names a user and no secret.  NULL (with @error) for a secret
 * that libiscsi's URL parser would cut at a separator. */
static char *
virSCSIISCSIWithSecret(const char *url,
                       const char *secret,
                       GError **error)
{
    const char *rest = url + strlen("iscsi://");
    const char *at = strchr(rest, '@');
    const char *slash = strchr(rest, '/');

    if (!secret || !at || (slash && slash < at) || memchr(rest, '%', at - rest))
        return g_strdup(url);
    if (strpbrk(secret, "@/%?&") || !*secret) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "the CHAP secret may not be empty nor contain '@', '/', '%%', "
                    "'?' or '&' (libiscsi reads it from a URL)");
        return NULL;
    }
    return g_strdup_printf("%.*s%%%s%s", (int)(at - url), url, secret, at);
}


/* Log in to @url (with its secret) as @initiator: a context with
 * libiscsi's own reconnect off (see virSCSIISCSIDrop), its LUN in *@lun. */
static struct iscsi_context *
virSCSIISCSILogin(const char *url,
                  const char *shown,
                  const char *initiator,
                  int loginTimeoutS,
                  int *lun,
                  GError **error)
{
    struct iscsi_context *iscsi = NULL;
    struct iscsi_url *iurl = NULL;

    if (!(iscsi = iscsi_create_context(initiator))) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "cannot create an iSCSI context for %s", shown);
        return NULL;
    }

    if (!(iurl = iscsi_parse_full_url(iscsi, url))) {
        g_autofree char *why = virSCSIISCSIRedactText(iscsi_get_error(iscsi), url);

        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "invalid iSCSI URL %s: %s (expected "
                    "iscsi://[user%%password@]host[:port]/IQN/LUN)",
                    shown, why);
        goto error;
    }

    iscsi_set_session_type(iscsi, ISCSI_SESSION_NORMAL);
    iscsi_set_header_digest(iscsi, ISCSI_HEADER_DIGEST_NONE_CRC32C);
    if (iscsi_set_targetname(iscsi, iurl->target) < 0)
        goto connect_error;
    if (iurl->user[0] &&
        iscsi_set_initiator_username_pwd(iscsi, iurl->user, iurl->passwd) < 0)
        goto connect_error;
    /* Mutual CHAP: ?target_user=...&target_password=... */
    if (iurl->user[0] && iurl->target_user[0] &&
        iscsi_set_target_username_pwd(iscsi, iurl->target_user, iurl->target_passwd) < 0)
        goto connect_error;
    /* A login that hangs must not hang the caller: bound it too. */
    iscsi_set_timeout(iscsi, loginTimeoutS);
    if (iscsi_full_connect_sync(iscsi, iurl->portal, iurl->lun) < 0) {
        g_autofree char *why = virSCSIISCSIRedactText(iscsi_get_error(iscsi), url);
        g_autofree char *unreachable = virSCSIPortalUnreachable(iurl->portal,
                                                                loginTimeoutS * 1000);
        g_autofree char *msg = NULL;

        if (unreachable)
            msg = g_strdup_printf("cannot log in to %s: %s", shown, unreachable);
        else
            msg = virSCSIISCSILoginError(shown, iurl, why);

        g_set_error_literal(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT, msg);
        goto error;
    }
    /* libiscsi would otherwise log in again by itself when the connection
     * breaks and send the commands in flight once more, unchecked. */
    iscsi_set_noautoreconnect(iscsi, 1);
    if (lun)
        *lun = iurl->lun;
    iscsi_destroy_url(iurl);
    return iscsi;

 connect_error:
    {
        g_autofree char *why = virSCSIISCSIRedactText(iscsi_get_error(iscsi), url);

        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "cannot log in to %s: %s", shown, why);
    }
 error:
    if (iurl)
        iscsi_destroy_url(iurl);
    iscsi_destroy_context(iscsi);
    return NULL;
}


static int
virSCSITransportISCSIExec(virSCSITransport *transport,
                          virSCSICmd *cmd,
                          GError **error)
{
    virSCSITransportISCSI *priv = transport->priv;
    struct scsi_task *task = NULL;
    struct iscsi_data dataOut = { 0 };
    unsigned int timeoutMs = cmd->timeoutMs ? cmd->timeoutMs : priv->timeoutMs;
    virSCSIISCSIWait wait = { 0 };
    const char *why = "unknown error";
    int xferDir = SCSI_XFER_NONE;
    int ret = -1;

    if (cmd->dataLen > G_MAXINT) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG,
                    "%s: transfer of %zu bytes is too large",
                    transport->target, cmd->dataLen);
        return -1;
    }

    switch (cmd->dir) {
    case VIR_SCSI_XFER_FROM_DEV:
        xferDir = SCSI_XFER_READ;
        break;
    case VIR_SCSI_XFER_TO_DEV:
        xferDir = SCSI_XFER_WRITE;
        dataOut.data = cmd->data;
        dataOut.size = cmd->dataLen;
        break;
    case VIR_SCSI_XFER_NONE:
        break;
    }

    g_mutex_lock(&priv->lock);

    if (!priv->iscsi) {
        g_autoptr(GError) why2 = NULL;

        if (!(priv->iscsi = virSCSIISCSILogin(priv->url, priv->shown, priv->initiator,
                                              VIR_SCSI_ISCSI_RELOGIN_S, NULL, &why2))) {
            g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                        "%s: command 0x%02x not sent: the session was lost and logging in "
                        "again failed: %s",
                        transport->target, cmd->cdb[0], why2->message);
            goto cleanup;
        }
        virSCSITransportCountReconnect(transport);
        g_atomic_int_set(&transport->lost, 0);
    }

    if (!(task = scsi_create_task(cmd->cdbLen, cmd->cdb, xferDir,
                                  cmd->dir == VIR_SCSI_XFER_NONE ? 0 : cmd->dataLen))) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: cannot allocate an iSCSI task", transport->target);
        goto cleanup;
    }

    /* Data-in lands straight in the caller's buffer; libiscsi then keeps
     * only sense data (for CHECK CONDITION) in task->datain. */
    if (cmd->dir == VIR_SCSI_XFER_FROM_DEV &&
        scsi_task_add_data_in_buffer(task, cmd->dataLen, cmd->data) < 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: cannot attach the data-in buffer", transport->target);
        goto cleanup;
    }

    iscsi_set_timeout(priv->iscsi, MAX(1, (timeoutMs + 999) / 1000));

    if (iscsi_scsi_command_async(priv->iscsi, priv->lun, task, virSCSIISCSICommandDone,
                                 cmd->dir == VIR_SCSI_XFER_TO_DEV ? &dataOut : NULL,
                                 &wait) != 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x could not be sent: %s",
                    transport->target, cmd->cdb[0], iscsi_get_error(priv->iscsi));
        goto cleanup;
    }

    if (virSCSIISCSIWaitFor(priv->iscsi, task, &wait, timeoutMs, &why) < 0) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x did not complete: %s (session dropped)",
                    transport->target, cmd->cdb[0], why);
        virSCSIISCSIDrop(transport);
        goto cleanup;
    }

    if (wait.status < 0 || wait.status == SCSI_STATUS_ERROR ||
        wait.status == SCSI_STATUS_CANCELLED || wait.status == SCSI_STATUS_TIMEOUT) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: command 0x%02x did not complete: %s (session dropped)",
                    transport->target, cmd->cdb[0],
                    wait.status == SCSI_STATUS_TIMEOUT ? "timed out" :
                    wait.status == SCSI_STATUS_CANCELLED ? "cancelled" :
                    iscsi_get_error(priv->iscsi));
        virSCSIISCSIDrop(transport);
        goto cleanup;
    }

    cmd->status = task->status;

    /* The SCSI Response PDU carries SENSE LENGTH (2 bytes) then the raw
     * sense; libiscsi decodes only key/ASC/ASCQ, we need INFORMATION too. */
    if (cmd->status == SCSI_STATUS_CHECK_CONDITION &&
        task->datain.data && task->datain.size >= 2) {
        size_t avail = task->datain.size - 2;
        size_t claimed = virSCSIGetBE16(task->datain.data);
        size_t n = MIN(MIN(avail, claimed), sizeof(cmd->sense));

        memcpy(cmd->sense, task->datain.data + 2, n);
        cmd->senseLen = n;
    }

    if (cmd->dir != VIR_SCSI_XFER_NONE &&
        task->residual_status == SCSI_RESIDUAL_UNDERFLOW)
        cmd->resid = MIN(task->residual, cmd->dataLen);
    ret = 0;

 cleanup:
    if (task)
        scsi_free_scsi_task(task);
    g_mutex_unlock(&priv->lock);
    return ret;
}


static void
virSCSITransportISCSIClose(virSCSITransport *transport)
{
    virSCSITransportISCSI *priv = transport->priv;

    if (!priv)
        return;
    /* A healthy session logs out, for a bounded time; a dropped one has
     * nothing to say. */
    if (priv->iscsi) {
        virSCSIISCSIWait wait = { 0 };
        const char *why = NULL;

        if (iscsi_logout_async(priv->iscsi, virSCSIISCSICommandDone, &wait) == 0)
            virSCSIISCSIPump(priv->iscsi, &wait,
                             g_get_monotonic_time() + VIR_SCSI_ISCSI_LOGOUT_MS * 1000,
                             &why);
        g_clear_pointer(&priv->iscsi, iscsi_destroy_context);
    }
    g_mutex_clear(&priv->lock);
    g_free(priv->url);
    g_free(priv->shown);
    g_free(priv->initiator);
    g_free(priv);
    transport->priv = NULL;
}


static const virSCSITransportOps virSCSITransportISCSIOps = {
    .name = "iscsi",
    .exec = virSCSITransportISCSIExec,
    .close = virSCSITransportISCSIClose,
};


virSCSITransport *
virSCSITransportOpenISCSI(const char *spec,
                          const virSCSITransportOptions *opts,
                          GError **error)
{
    const char *initiator = opts && opts->initiatorName ?
        opts->initiatorName : VIR_SCSI_DEFAULT_INITIATOR;
    g_autofree char *shown = virSCSIISCSIRedactURL(spec);
    g_autofree char *url = virSCSIISCSIWithSecret(spec, opts ? opts->chapSecret : NULL, error);
    virSCSITransportISCSI *priv = NULL;
    struct iscsi_context *iscsi;
    int lun = 0;

    if (!url)
        return NULL;
    if (!(iscsi = virSCSIISCSILogin(url, shown, initiator, VIR_SCSI_ISCSI_LOGIN_S, &lun, error)))
        return NULL;

    priv = g_new0(virSCSITransportISCSI, 1);
    priv->iscsi = iscsi;
    priv->lun = lun;
    priv->url = g_steal_pointer(&url);
    priv->shown = g_strdup(shown);
    priv->initiator = g_strdup(initiator);
    priv->timeoutMs = opts && opts->timeoutMs ? opts->timeoutMs : VIR_SCSI_TIMEOUT_DEFAULT_MS;
    g_mutex_init(&priv->lock);
    return virSCSITransportNew(&virSCSITransportISCSIOps, priv, shown);
}
