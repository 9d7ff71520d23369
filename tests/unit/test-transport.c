/*
 * test-transport.c: the transport-independent layer: status to error
 * mapping, UNIT ATTENTION retries, counters, residuals.
 *
 * The scripted transport below injects replies no real target produces
 * on demand (a UNIT ATTENTION storm, a lying residual); everything a real
 * target can do is tested against LIO in tests/integration.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsitransport.h"
#include "virscsierror.h"
#include "virscsisense.h"

typedef struct {
    uint8_t status;
    uint8_t sense[32];
    size_t senseLen;
    size_t resid;
    bool fail;                  /* the command does not complete */
    bool login;                 /* the session was lost: this one logs in
                                 * again first (and the command runs) */
} testReply;

typedef struct {
    const testReply *replies;
    size_t nreplies;
    size_t next;
} testScript;


static int
testScriptExec(virSCSITransport *transport,
               virSCSICmd *cmd,
               GError **error)
{
    testScript *script = transport->priv;
    const testReply *r;

    g_assert_cmpuint(script->next, <, script->nreplies);
    r = &script->replies[script->next++];
    if (r->login)
        g_atomic_int_set(&transport->lost, 0);
    if (r->fail) {
        g_set_error(error, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT,
                    "%s: connection lost", transport->target);
        return -1;
    }
    cmd->status = r->status;
    memcpy(cmd->sense, r->sense, r->senseLen);
    cmd->senseLen = r->senseLen;
    cmd->resid = r->resid;
    return 0;
}


static const virSCSITransportOps testScriptOps = {
    .name = "script",
    .exec = testScriptExec,
};

/* Fixed-format sense: key, ASC, ASCQ. */
#define SENSE(key, asc, ascq) \
    .status = 0x02, .senseLen = 18, \
    .sense = { 0x70, 0, (key), 0, 0, 0, 0, 10, 0, 0, 0, 0, (asc), (ascq), 0, 0, 0, 0 }


static void
testInquiryCmd(virSCSICmd *cmd, uint8_t *buf, size_t len)
{
    memset(cmd, 0, sizeof(*cmd));
    cmd->cdbLen = virSCSICdbInquiryStandard(cmd->cdb, len);
    cmd->dir = VIR_SCSI_XFER_FROM_DEV;
    cmd->data = buf;
    cmd->dataLen = len;
}


static void
testUnitAttentionRetried(void)
{
    static const testReply replies[] = {
        { SENSE(0x06, 0x29, 0x00) },        /* POWER ON OCCURRED */
        { SENSE(0x06, 0x2A, 0x09) },        /* CAPACITY DATA HAS CHANGED */
        { .status = 0x00, .resid = 60 },
    };
    testScript script = { replies, G_N_ELEMENTS(replies), 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    virSCSITransportStats stats;
    uint8_t buf[96];
    virSCSICmd cmd;

    testInquiryCmd(&cmd, buf, sizeof(buf));
    g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(script.next, ==, 3);
    g_assert_cmpuint(virSCSICmdReceived(&cmd), ==, 36);

    virSCSITransportGetStats(t, &stats);
    g_assert_cmpuint(stats.commands, ==, 3);
    g_assert_cmpuint(stats.bytesIn, ==, 96 + 96 + 36);
    g_assert_cmpuint(stats.failures, ==, 0);
}


static void
testUnitAttentionStorm(void)
{
    static const testReply replies[] = {
        { SENSE(0x06, 0x29, 0x00) }, { SENSE(0x06, 0x29, 0x00) },
        { SENSE(0x06, 0x29, 0x00) }, { SENSE(0x06, 0x29, 0x00) },
        { SENSE(0x06, 0x29, 0x00) }, { SENSE(0x06, 0x29, 0x00) },
    };
    testScript script = { replies, G_N_ELEMENTS(replies), 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    uint8_t buf[96];
    virSCSICmd cmd;

    /* Bounded: after the retries the UNIT ATTENTION is an error. */
    testInquiryCmd(&cmd, buf, sizeof(buf));
    g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_CHECK_CONDITION);
    g_assert_cmpuint(script.next, ==, 5);
    g_assert_nonnull(strstr(err->message, "UNIT ATTENTION"));
}


static void
testErrorCodes(void)
{
    static const struct {
        testReply reply;
        int code;
    } cases[] = {
        { { SENSE(0x05, 0x20, 0x00) }, VIR_SCSI_ERROR_UNSUPPORTED },
        { { SENSE(0x05, 0x24, 0x00) }, VIR_SCSI_ERROR_INVALID_FIELD },
        { { SENSE(0x05, 0x21, 0x00) }, VIR_SCSI_ERROR_CHECK_CONDITION },
        { { SENSE(0x0E, 0x1D, 0x00) }, VIR_SCSI_ERROR_MISCOMPARE },
        { { SENSE(0x0A, 0x0D, 0x02) }, VIR_SCSI_ERROR_COPY_ABORTED },
        { { SENSE(0x03, 0x11, 0x00) }, VIR_SCSI_ERROR_CHECK_CONDITION },
        { { .status = 0x18 }, VIR_SCSI_ERROR_RESERVATION_CONFLICT },
        { { .status = 0x08 }, VIR_SCSI_ERROR_STATUS },     /* BUSY */
        { { .status = 0x02 }, VIR_SCSI_ERROR_CHECK_CONDITION },  /* no sense at all */
        { { .fail = true }, VIR_SCSI_ERROR_TRANSPORT },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        /* Enough copies for every retry the transport layer makes. */
        testReply replies[8];
        testScript script = { replies, G_N_ELEMENTS(replies), 0 };
        size_t j;
        g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "lun");
        g_autoptr(GError) err = NULL;
        uint8_t buf[36];
        virSCSICmd cmd;

        for (j = 0; j < G_N_ELEMENTS(replies); j++)
            replies[j] = cases[i].reply;
        testInquiryCmd(&cmd, buf, sizeof(buf));
        g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, -1);
        g_assert_error(err, VIR_SCSI_ERROR, cases[i].code);
        /* Every message names the LUN. */
        g_assert_true(g_str_has_prefix(err->message, "lun"));
    }
}


static void
testBusyRetried(void)
{
    static const testReply replies[] = {
        { .status = 0x08 },                 /* BUSY */
        { .status = 0x28 },                 /* TASK SET FULL */
        { .status = 0x00 },
    };
    testScript script = { replies, G_N_ELEMENTS(replies), 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    uint8_t buf[36];
    virSCSICmd cmd;

    testInquiryCmd(&cmd, buf, sizeof(buf));
    g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(script.next, ==, 3);
}


static void
testBusyBounded(void)
{
    static const testReply replies[] = {
        { .status = 0x08 }, { .status = 0x08 }, { .status = 0x08 },
        { .status = 0x08 }, { .status = 0x08 }, { .status = 0x08 },
        { .status = 0x08 },
    };
    testScript script = { replies, G_N_ELEMENTS(replies), 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    uint8_t buf[36];
    virSCSICmd cmd;

    /* One try and five retries, then BUSY is the answer. */
    testInquiryCmd(&cmd, buf, sizeof(buf));
    g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_STATUS);
    g_assert_cmpuint(script.next, ==, 6);
}


static void
testStatsAndResidual(void)
{
    static const testReply replies[] = {
        { .status = 0x00, .resid = 1000 },  /* a residual beyond the buffer */
        { .status = 0x00 },
        { .fail = true },
    };
    testScript script = { replies, G_N_ELEMENTS(replies), 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    virSCSITransportStats stats;
    uint8_t buf[512] = { 0 };
    virSCSICmd cmd;

    testInquiryCmd(&cmd, buf, 64);
    g_assert_cmpint(virSCSITransportExec(t, &cmd, NULL), ==, 0);
    g_assert_cmpuint(cmd.resid, ==, 64);
    g_assert_cmpuint(virSCSICmdReceived(&cmd), ==, 0);

    memset(&cmd, 0, sizeof(cmd));
    cmd.cdbLen = virSCSICdbWrite16(cmd.cdb, 0, 1, false, false);
    cmd.dir = VIR_SCSI_XFER_TO_DEV;
    cmd.data = buf;
    cmd.dataLen = 512;
    g_assert_cmpint(virSCSITransportExec(t, &cmd, NULL), ==, 0);

    g_assert_cmpint(virSCSITransportExec(t, &cmd, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT);

    virSCSITransportGetStats(t, &stats);
    g_assert_cmpuint(stats.commands, ==, 2);
    g_assert_cmpuint(stats.failures, ==, 1);
    g_assert_cmpuint(stats.bytesIn, ==, 0);
    g_assert_cmpuint(stats.bytesOut, ==, 512);
}


static void
testMalformedCommand(void)
{
    testScript script = { NULL, 0, 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    virSCSICmd cmd = { 0 };

    /* A data-in command without a buffer never reaches the transport. */
    cmd.cdbLen = virSCSICdbInquiryStandard(cmd.cdb, 36);
    cmd.dir = VIR_SCSI_XFER_FROM_DEV;
    g_assert_cmpint(virSCSITransportExec(t, &cmd, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
    g_assert_cmpuint(script.next, ==, 0);
}


static void
testOpenErrors(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(virSCSITransport) t = NULL;

    g_assert_true(virSCSITransportIsISCSI("iscsi://h/iqn.x/0"));
    g_assert_false(virSCSITransportIsISCSI("/dev/sg1"));

    t = virSCSITransportOpen("/nonexistent/device", NULL, &err);
    g_assert_null(t);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
    g_clear_error(&err);

    t = virSCSITransportOpen("/", NULL, &err);
    g_assert_null(t);
    g_assert_nonnull(strstr(err->message, "neither a block device"));
    g_clear_error(&err);

    t = virSCSITransportOpen("iscsi://127.0.0.1/no-lun-here", NULL, &err);
    g_assert_null(t);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
    g_clear_error(&err);

    t = virSCSITransportOpen("", NULL, &err);
    g_assert_null(t);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
}


/* A session another command lost (a copy worker's READ) 1 s ago: a
 * progress write on it waits for the same logins, within the window from
 * the loss, instead of failing at its first login (CI run 9: a vol-clone
 * through libvirt failed a 3 s portal outage that way); once the window
 * has passed, a command fails at its first login. */
static void
testReloginWindowIsTheSessions(void)
{
    static const testReply replies[] = {
        { .fail = true },                   /* login fails: still down */
        { .fail = true },
        { .login = true, .status = 0x00 },  /* back */
    };
    testScript script = { replies, G_N_ELEMENTS(replies), 0 };
    g_autoptr(virSCSITransport) t = virSCSITransportNew(&testScriptOps, &script, "t");
    g_autoptr(GError) err = NULL;
    uint8_t buf[96];
    virSCSICmd cmd;

    g_atomic_int_set(&t->lost, 1);
    t->lostSinceUs = g_get_monotonic_time() - G_USEC_PER_SEC;
    testInquiryCmd(&cmd, buf, sizeof(buf));
    g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(script.next, ==, 3);
    g_assert_cmpint(g_atomic_int_get(&t->lost), ==, 0);

    /* lost longer ago than the window: one login, then the error */
    script.next = 0;
    g_atomic_int_set(&t->lost, 1);
    t->lostSinceUs = g_get_monotonic_time() - (VIR_SCSI_RELOGIN_WINDOW_MS + 1000) * 1000;
    g_assert_cmpint(virSCSITransportRun(t, &cmd, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRANSPORT);
    g_assert_cmpuint(script.next, ==, 1);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/transport/unit-attention-retried", testUnitAttentionRetried);
    g_test_add_func("/transport/unit-attention-storm", testUnitAttentionStorm);
    g_test_add_func("/transport/error-codes", testErrorCodes);
    g_test_add_func("/transport/busy-retried", testBusyRetried);
    g_test_add_func("/transport/busy-bounded", testBusyBounded);
    g_test_add_func("/transport/stats-and-residual", testStatsAndResidual);
    g_test_add_func("/transport/malformed-command", testMalformedCommand);
    g_test_add_func("/transport/open-errors", testOpenErrors);
    g_test_add_func("/transport/relogin-window-is-the-sessions", testReloginWindowIsTheSessions);
    return g_test_run();
}
