/*
 * test-pr.c: persistent reservation CDBs, parameter list and replies
 * against vectors worked out from SPC-4 6.15 and 6.16
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsicdb.h"
#include "virscsierror.h"
#include "virscsipr.h"


static void
testCdbIn(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    static const uint8_t want[10] = {
        0x5E, 0x01, 0, 0, 0, 0, 0, 0x12, 0x34, 0,   /* READ RESERVATION, 0x1234 */
    };

    memset(cdb, 0xAA, sizeof(cdb));
    g_assert_cmpuint(virSCSICdbPersistentReserveIn(cdb, VIR_SCSI_PRIN_READ_RESERVATION,
                                                   0x1234), ==, 10);
    g_assert_cmpmem(cdb, 10, want, 10);
}


static void
testCdbOut(void)
{
    uint8_t cdb[VIR_SCSI_CDB_MAX];
    g_autoptr(GError) err = NULL;
    static const uint8_t want[10] = {
        0x5F, 0x05, 0x07, 0, 0, 0, 0, 0, 24, 0,    /* PREEMPT AND ABORT, WEAR, 24 */
    };

    g_assert_cmpint(virSCSICdbPersistentReserveOut(cdb, VIR_SCSI_PROUT_PREEMPT_AND_ABORT,
                                                   VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR,
                                                   24, &err), ==, 10);
    g_assert_no_error(err);
    g_assert_cmpmem(cdb, 10, want, 10);

    /* Types 2 and 4 are obsolete, 9 and up reserved: refused, CDB zeroed. */
    g_assert_cmpint(virSCSICdbPersistentReserveOut(cdb, VIR_SCSI_PROUT_RESERVE, 4, 24, &err),
                    ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
    g_assert_cmpuint(cdb[0], ==, 0);
    g_clear_error(&err);
    g_assert_cmpint(virSCSICdbPersistentReserveOut(cdb, VIR_SCSI_PROUT_LAST,
                                                   VIR_SCSI_PR_TYPE_NONE, 24, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
}


static void
testParamOut(void)
{
    uint8_t p[VIR_SCSI_PROUT_PARAM_LEN];
    static const uint8_t want[VIR_SCSI_PROUT_PARAM_LEN] = {
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,     /* RESERVATION KEY */
        0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0, 0x00, 0x11,     /* SERVICE ACTION RESERVATION KEY */
        0, 0, 0, 0,                                         /* obsolete */
        0,                                                  /* SPEC_I_PT, ALL_TG_PT, APTPL */
        0, 0, 0,
    };

    memset(p, 0xAA, sizeof(p));
    g_assert_cmpuint(virSCSIParamPersistentReserveOut(p, 0x0102030405060708ULL,
                                                      0xA0B0C0D0E0F00011ULL), ==, 24);
    g_assert_cmpmem(p, sizeof(p), want, sizeof(want));
}


static void
testKeys(void)
{
    static const uint8_t reply[] = {
        0x00, 0x00, 0x00, 0x09,             /* PRGENERATION 9 */
        0x00, 0x00, 0x00, 0x18,             /* ADDITIONAL LENGTH: 3 keys */
        0, 0, 0, 0, 0, 0, 0, 0x01,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        /* the third key was not returned */
    };
    static const uint8_t odd[] = { 0, 0, 0, 1, 0, 0, 0, 0x0C, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };
    g_autofree uint8_t *buf = g_memdup2(reply, sizeof(reply));
    g_autoptr(GError) err = NULL;
    virSCSIPrKeys keys;

    g_assert_cmpint(virSCSIPrKeysParse(buf, sizeof(reply), &keys, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(keys.generation, ==, 9);
    g_assert_cmpuint(keys.available, ==, 3);
    g_assert_cmpuint(keys.nkeys, ==, 2);
    g_assert_true(virSCSIPrKeysHas(&keys, 1));
    g_assert_true(virSCSIPrKeysHas(&keys, 0x1122334455667788ULL));
    g_assert_false(virSCSIPrKeysHas(&keys, 0x1122334455667789ULL));
    virSCSIPrKeysClear(&keys);

    g_assert_cmpint(virSCSIPrKeysParse(buf, 7, &keys, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
    g_clear_error(&err);
    g_assert_cmpint(virSCSIPrKeysParse(odd, sizeof(odd), &keys, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_MALFORMED);
}


static void
testReservation(void)
{
    static const uint8_t none[] = { 0, 0, 0, 4, 0, 0, 0, 0 };
    static const uint8_t wear[] = {
        0x00, 0x00, 0x00, 0x05,
        0x00, 0x00, 0x00, 0x10,
        0, 0, 0, 0, 0, 0, 0, 0,             /* all registrants: key 0 */
        0, 0, 0, 0,                         /* obsolete */
        0,                                  /* reserved */
        0x07,                               /* SCOPE 0, TYPE WEAR */
        0, 0,
    };
    g_autoptr(GError) err = NULL;
    virSCSIPrReservation res;

    g_assert_cmpint(virSCSIPrReservationParse(none, sizeof(none), &res, &err), ==, 0);
    g_assert_false(res.reserved);
    g_assert_cmpuint(res.generation, ==, 4);

    g_assert_cmpint(virSCSIPrReservationParse(wear, sizeof(wear), &res, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(res.reserved);
    g_assert_cmpuint(res.type, ==, VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR);
    g_assert_cmpuint(res.key, ==, 0);

    /* The reservation claimed but cut short. */
    g_assert_cmpint(virSCSIPrReservationParse(wear, 20, &res, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
    g_assert_false(res.reserved);
}


static void
testCapabilities(void)
{
    /* What the LIO test array answered (Debian's kernel): CRH, SIP_C,
     * ATP_C, PTPL_C; TMV, ALLOW COMMANDS 001b; every type. */
    static const uint8_t lio[] = { 0x00, 0x08, 0x1D, 0x90, 0xEA, 0x01, 0x00, 0x00 };
    static const uint8_t noTmv[] = { 0x00, 0x08, 0x00, 0x00, 0xEA, 0x01, 0x00, 0x00 };
    g_autoptr(GError) err = NULL;
    virSCSIPrCapabilities caps;

    g_assert_cmpint(virSCSIPrCapabilitiesParse(lio, sizeof(lio), &caps, &err), ==, 0);
    g_assert_true(caps.ptplCapable);
    g_assert_true(virSCSIPrCapabilitiesHasType(&caps, VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR));
    g_assert_true(virSCSIPrCapabilitiesHasType(&caps, VIR_SCSI_PR_TYPE_EXCLUSIVE_ACCESS_AR));
    g_assert_true(virSCSIPrCapabilitiesHasType(&caps, VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE));
    g_assert_false(virSCSIPrCapabilitiesHasType(&caps, 2));

    /* Without TMV the mask says nothing. */
    g_assert_cmpint(virSCSIPrCapabilitiesParse(noTmv, sizeof(noTmv), &caps, &err), ==, 0);
    g_assert_false(virSCSIPrCapabilitiesHasType(&caps, VIR_SCSI_PR_TYPE_WRITE_EXCLUSIVE_AR));

    g_assert_cmpint(virSCSIPrCapabilitiesParse(lio, 6, &caps, &err), ==, -1);
    g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_TRUNCATED);
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pr/cdb-in", testCdbIn);
    g_test_add_func("/pr/cdb-out", testCdbOut);
    g_test_add_func("/pr/param-out", testParamOut);
    g_test_add_func("/pr/read-keys", testKeys);
    g_test_add_func("/pr/read-reservation", testReservation);
    g_test_add_func("/pr/report-capabilities", testCapabilities);
    return g_test_run();
}
