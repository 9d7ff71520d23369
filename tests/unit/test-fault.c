/*
 * test-fault.c: the fault-injection spec parser.
 *
 * Only the parser is tested here; what the wrapper does to commands is
 * tested around a real transport to the LIO array in
 * tests/integration/engine-faults.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "virscsitransportfault.h"
#include "virscsierror.h"

static virSCSIFaultSpec *
testParseOk(const char *text)
{
    g_autoptr(GError) err = NULL;
    virSCSIFaultSpec *spec = virSCSIFaultSpecParse(text, &err);

    g_assert_no_error(err);
    g_assert_nonnull(spec);
    return spec;
}


static void
testParseExamples(void)
{
    g_autoptr(virSCSIFaultSpec) spec =
        testParseOk("op=0x83,sa=0x00,nth=3,sense=0x0a/0x0d/0x02 ; "
                    "op=0x8a,nth=5,action=drop;"
                    "op=0x83,nth=2,action=lost-reply;"
                    "op=0x42,nth=1,repeat,sense=0x05/0x20/0x00;"
                    "op=0x89,action=fail;"
                    "op=0x83,sense=10/13/2,info=7,segment=2;"
                    "op=0x8a,nth=2,status=0x08");
    const virSCSIFaultRule *r = spec->rules;

    g_assert_cmpuint(spec->nrules, ==, 7);

    g_assert_cmpuint(r[0].opcode, ==, 0x83);
    g_assert_true(r[0].hasServiceAction);
    g_assert_cmpuint(r[0].serviceAction, ==, 0);
    g_assert_cmpuint(r[0].nth, ==, 3);
    g_assert_false(r[0].repeat);
    g_assert_cmpint(r[0].action, ==, VIR_SCSI_FAULT_SENSE);
    g_assert_cmpuint(r[0].status, ==, 0x02);
    g_assert_true(r[0].hasSense);
    g_assert_cmpuint(r[0].senseKey, ==, 0x0a);
    g_assert_cmpuint(r[0].asc, ==, 0x0d);
    g_assert_cmpuint(r[0].ascq, ==, 0x02);

    g_assert_cmpuint(r[1].opcode, ==, 0x8a);
    g_assert_false(r[1].hasServiceAction);
    g_assert_cmpuint(r[1].nth, ==, 5);
    g_assert_cmpint(r[1].action, ==, VIR_SCSI_FAULT_DROP);
    g_assert_false(r[1].hasSense);

    g_assert_cmpint(r[2].action, ==, VIR_SCSI_FAULT_LOST_REPLY);
    g_assert_cmpuint(r[2].nth, ==, 2);

    g_assert_true(r[3].repeat);
    g_assert_cmpuint(r[3].senseKey, ==, 0x05);
    g_assert_cmpuint(r[3].asc, ==, 0x20);

    /* nth defaults to the first matching command */
    g_assert_cmpint(r[4].action, ==, VIR_SCSI_FAULT_FAIL);
    g_assert_cmpuint(r[4].nth, ==, 1);

    /* decimal works as well as hex */
    g_assert_cmpuint(r[5].senseKey, ==, 0x0a);
    g_assert_cmpuint(r[5].asc, ==, 0x0d);
    g_assert_true(r[5].hasInformation);
    g_assert_cmpuint(r[5].information, ==, 7);
    g_assert_true(r[5].hasSegment);
    g_assert_cmpuint(r[5].segment, ==, 2);

    g_assert_cmpint(r[6].action, ==, VIR_SCSI_FAULT_SENSE);
    g_assert_cmpuint(r[6].status, ==, 0x08);
    g_assert_false(r[6].hasSense);
}


static void
testParseEmpty(void)
{
    g_autoptr(virSCSIFaultSpec) a = testParseOk("");
    g_autoptr(virSCSIFaultSpec) b = testParseOk(" ; ;");
    g_autoptr(virSCSIFaultSpec) c = testParseOk("op=0x28,action=fail;");

    g_assert_cmpuint(a->nrules, ==, 0);
    g_assert_cmpuint(b->nrules, ==, 0);
    g_assert_cmpuint(c->nrules, ==, 1);
}


static void
testFormatRoundTrip(void)
{
    const char *texts[] = {
        "op=0x83,sa=0x00,nth=3,sense=0x0a/0x0d/0x02",
        "op=0x8a,nth=5,action=drop;op=0x42,nth=1,repeat,sense=0x05/0x20/0x00",
        "op=0x83,nth=1,sense=0x0a/0x0d/0x02,info=4096,segment=1",
        "op=0x7f,sa=0x0d,nth=2,status=0x28",
        "op=0x89,nth=18446744073709551615,repeat,action=lost-reply",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(virSCSIFaultSpec) spec = testParseOk(texts[i]);
        g_autofree char *text = virSCSIFaultSpecFormat(spec);
        g_autoptr(virSCSIFaultSpec) again = testParseOk(text);
        g_autofree char *text2 = virSCSIFaultSpecFormat(again);

        g_assert_cmpuint(again->nrules, ==, spec->nrules);
        g_assert_cmpmem(again->rules, again->nrules * sizeof(*again->rules),
                        spec->rules, spec->nrules * sizeof(*spec->rules));
        g_assert_cmpstr(text, ==, text2);
    }
}


static void
testParseErrors(void)
{
    static const struct {
        const char *text;
        const char *says;       /* the message must point at the problem */
    } cases[] = {
        { "nth=3,sense=0x0a/0x0d/0x02", "no opcode" },
        { "op=0x83", "no action" },
        { "op=0x83,nth=0,action=fail", "nth counts from 1" },
        { "op=0x100,action=fail", "op=0x100 is not a number from 0 to 255" },
        { "op=0x8g,action=fail", "op=0x8g" },
        { "op=012x,action=fail", "op=012x" },
        { "op=-1,action=fail", "op=-1" },
        { "op=,action=fail", "'op' needs a value" },
        { "op=0x83,nth=2,nth=3,action=fail", "'nth' given twice" },
        { "op=0x83,when=2,action=fail", "unknown key 'when'" },
        { "op=0x83,action=explode", "unknown action 'explode'" },
        { "op=0x83,repeat=1,action=fail", "'repeat' takes no value" },
        { "op=0x83,sense=0x0a/0x0d", "KEY/ASC/ASCQ" },
        { "op=0x83,sense=0x1a/0x0d/0x02", "sense=0x1a is not a number from 0 to 15" },
        { "op=0x83,sense=0x0a/0x0d/0x02,action=drop", "go with action=sense only" },
        { "op=0x83,action=sense", "needs sense=K/A/Q" },
        { "op=0x8a,sa=1,action=fail", "opcode without service actions" },
        { "op=0x83,sa=0x20,action=fail", "above 0x1f" },
        { "op=0x8a,status=0x08,sense=0x05/0x20/0x00", "only a CHECK CONDITION" },
        { "op=0x8a,status=0", "no fault" },
        { "op=0x8a,segment=1,sense=0x0a/0x0d/0x02", "op=0x83" },
        { "op=0x83,info=0x100000000,sense=0x0a/0x0d/0x02", "info=0x100000000" },
        { "op=0x83,action=fail;op=0x8a", "'op=0x8a': no action" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(virSCSIFaultSpec) spec = virSCSIFaultSpecParse(cases[i].text, &err);

        if (g_test_verbose())
            g_printerr("%s -> %s\n", cases[i].text, err ? err->message : "(ok)");
        g_assert_null(spec);
        g_assert_error(err, VIR_SCSI_ERROR, VIR_SCSI_ERROR_INVALID_ARG);
        g_assert_nonnull(strstr(err->message, cases[i].says));
        g_assert_true(g_str_has_prefix(err->message, "fault rule '"));
    }
}


static void
testNotAWrapper(void)
{
    virSCSITransportStats stats = { .commands = 1 };

    /* The accessors are safe on anything the caller holds. */
    g_assert_false(virSCSITransportIsFault(NULL));
    g_assert_cmpuint(virSCSITransportFaultFired(NULL, 0), ==, 0);
    g_assert_cmpuint(virSCSITransportFaultFiredTotal(NULL), ==, 0);
    g_assert_false(virSCSITransportFaultDropped(NULL));
    g_assert_false(virSCSITransportFaultInnerStats(NULL, &stats));
    g_assert_cmpuint(stats.commands, ==, 0);
    g_assert_cmpstr(virSCSIFaultActionName(VIR_SCSI_FAULT_LOST_REPLY), ==, "lost-reply");
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fault/parse-examples", testParseExamples);
    g_test_add_func("/fault/parse-empty", testParseEmpty);
    g_test_add_func("/fault/format-round-trip", testFormatRoundTrip);
    g_test_add_func("/fault/parse-errors", testParseErrors);
    g_test_add_func("/fault/not-a-wrapper", testNotAWrapper);
    return g_test_run();
}
