/*
 * test-vaai-race.c: two threads of one process sharing a pool session on
 * an in-memory LUN (memlun.h) race every pair of volume operations; the
 * pool must never give two volumes the same blocks, and what each
 * operation reported must be what the table says afterwards.
 *
 * The target sleeps a little on each metadata command so that the two
 * threads interleave between reading the table and writing it back, which
 * is where a missing exclusion shows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_check.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)
#define ROUNDS 6

typedef testMemPool testPool;


static testMemLunAction
testJitter(testMemLun *mem G_GNUC_UNUSED,
           unsigned int session G_GNUC_UNUSED,
           const virSCSICmd *cmd,
           void *opaque G_GNUC_UNUSED)
{
    /* COMPARE AND WRITE and one-block reads: the metadata. */
    if (cmd->cdb[0] == 0x89 || (cmd->cdb[0] == 0x88 && cmd->dataLen <= BS))
        g_usleep(g_random_int_range(0, 300));
    return TEST_MEM_LUN_RUN;
}


static void
testPoolOpen(testPool *tp,
             bool lbprz,
             bool ignoreUnmap)
{
    testMemLunProfile profile = {
        .blocks = 96 * MIB / BS, .blockSize = BS,
        .lbprz = lbprz, .ignoreUnmap = ignoreUnmap,
        .xcopy = true,      /* clones and moves by EXTENDED COPY, as on an array */
    };

    testMemPoolOpen(tp, &profile, "race", 64, 4000, 100, true);
}


static void
testPoolClose(testPool *tp)
{
    testMemPoolClose(tp);
}


typedef enum {
    OP_CREATE,          /* create 'y' */
    OP_CLONE,           /* clone 'g' to 'c' */
    OP_GROW,            /* grow 'x' in place */
    OP_SHRINK,          /* shrink 'g2' */
    OP_WIPE,            /* wipe 'w' */
    OP_DELETE,          /* delete 'd' */
    OP_RENAME,          /* rename 'r' to 'r2' */
    OP_LAST
} testOp;

static const char *testOpNames[OP_LAST] = {
    "create", "clone", "grow", "shrink", "wipe", "delete", "rename",
};

typedef struct {
    testPool *tp;
    testOp op;
    GError *err;
    int rc;
} testRun;


static gpointer
testRunOp(gpointer opaque)
{
    testRun *r = opaque;
    virStorageVaaiSession *s = r->tp->session;
    virStorageVaaiOpOptions o = { .flags = VIR_STORAGE_VAAI_OP_SHRINK };

    switch (r->op) {
    case OP_CREATE:
        r->rc = virStorageVaaiVolCreate(s, "y", 3 * MIB, &o, NULL, NULL, &r->err);
        break;
    case OP_CLONE:
        r->rc = virStorageVaaiVolClone(s, NULL, "g", "c", 0, &o, NULL, NULL, &r->err);
        break;
    case OP_GROW:
        r->rc = virStorageVaaiVolResize(s, "x", 3 * MIB, &o, NULL, NULL, &r->err);
        break;
    case OP_SHRINK:
        r->rc = virStorageVaaiVolResize(s, "g2", 1 * MIB, &o, NULL, NULL, &r->err);
        break;
    case OP_WIPE:
        r->rc = virStorageVaaiVolWipe(s, "w", &o, NULL, &r->err);
        break;
    case OP_DELETE:
        r->rc = virStorageVaaiVolDelete(s, "d", &o, NULL, &r->err);
        break;
    case OP_RENAME:
        r->rc = virStorageVaaiVolRename(s, "r", "r2", &o, NULL, &r->err);
        break;
    case OP_LAST:
        break;
    }
    return NULL;
}


/* x (1 MiB, room behind it to grow into), g, g2, w, d, r: the volumes the
 * operations work on. */
static void
testRaceSetup(testPool *tp)
{
    static const char *names[] = { "x", "g", "g2", "w", "d", "r" };
    g_autoptr(GError) err = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_assert_cmpint(virStorageVaaiVolCreate(tp->session, names[i], 2 * MIB, NULL,
                                                NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
    }
    /* Shrink x so that growing it in place competes with a new volume
     * for the blocks behind it. */
    {
        virStorageVaaiOpOptions o = { .flags = VIR_STORAGE_VAAI_OP_SHRINK };

        g_assert_cmpint(virStorageVaaiVolResize(tp->session, "x", 1 * MIB, &o, NULL,
                                                NULL, &err), ==, 0);
        g_assert_no_error(err);
    }
}


static void
testRacePair(gconstpointer data)
{
    guint pair = GPOINTER_TO_UINT(data);
    testOp a = pair / OP_LAST;
    testOp b = pair % OP_LAST;
    size_t round;

    for (round = 0; round < ROUNDS; round++) {
        testPool tp = { 0 };
        testRun ra = { .tp = &tp, .op = a };
        testRun rb = { .tp = &tp, .op = b };
        GThread *ta;
        GThread *tb;
        g_autofree char *what = g_strdup_printf("%s vs %s, round %zu",
                                                testOpNames[a], testOpNames[b], round);

        testPoolOpen(&tp, true, false);
        testRaceSetup(&tp);
        testMemLunSetHook(tp.mem, testJitter, NULL);
        ta = g_thread_new("a", testRunOp, &ra);
        tb = g_thread_new("b", testRunOp, &rb);
        g_thread_join(ta);
        g_thread_join(tb);
        testMemLunSetHook(tp.mem, NULL, NULL);

        /* Different volumes: both succeed. */
        if (ra.err)
            g_printerr("%s: %s: %s\n", what, testOpNames[a], ra.err->message);
        if (rb.err)
            g_printerr("%s: %s: %s\n", what, testOpNames[b], rb.err->message);
        if (a != b) {
            g_assert_cmpint(ra.rc, ==, 0);
            g_assert_cmpint(rb.rc, ==, 0);
        } else {
            /* The same operation twice: at least one wins (both, when
             * the first is done before the second looks). */
            g_assert_cmpint((ra.rc == 0) + (rb.rc == 0), >=, 1);
        }
        testMemPoolAssertClean(&tp, what, NULL);
        g_clear_error(&ra.err);
        g_clear_error(&rb.err);
        testPoolClose(&tp);
    }
}



/* A volume is its UUID, not its name: an operation that names a volume
 * by key acts on nothing when another volume took the name meanwhile (the
 * libvirt backend's cleanup of a clone that lost its name to another host
 * deletes "its" volume by key). */
static void
testKeyNotName(void)
{
    testPool tp = { 0 };
    g_autoptr(GError) err = NULL;
    virStorageVaaiVolRecord first;
    virStorageVaaiVolRecord second;
    virStorageVaaiOpOptions byKey = { 0 };

    testPoolOpen(&tp, true, false);
    g_assert_cmpint(virStorageVaaiVolCreate(tp.session, "v", MIB, NULL, NULL, &first,
                                            &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "v", NULL, NULL, &err), ==, 0);
    g_assert_cmpint(virStorageVaaiVolCreate(tp.session, "v", MIB, NULL, NULL, &second,
                                            &err), ==, 0);
    g_assert_no_error(err);

    /* The old key: every operation finds no such volume, and the new one
     * of that name is left as it is. */
    byKey.uuid = first.uuid;
    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "v", &byKey, NULL, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_cmpint(virStorageVaaiVolWipe(tp.session, "v", &byKey, NULL, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_cmpint(virStorageVaaiVolResize(tp.session, "v", 2 * MIB, &byKey, NULL, NULL,
                                            &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND);
    g_clear_error(&err);
    g_assert_cmpint(virStorageVaaiVolRename(tp.session, "v", "w", &byKey, NULL, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND);
    g_clear_error(&err);

    /* Its own key works. */
    byKey.uuid = second.uuid;
    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "v", &byKey, NULL, &err), ==, 0);
    g_assert_no_error(err);
    testMemPoolAssertClean(&tp, "key", NULL);
    testPoolClose(&tp);
}

int
main(int argc,
     char **argv)
{
    guint a;
    guint b;

    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/key/not-name", testKeyNotName);
    for (a = 0; a < OP_LAST; a++) {
        for (b = a; b < OP_LAST; b++) {
            g_autofree char *path = g_strdup_printf("/vaai/race/%s-vs-%s",
                                                    testOpNames[a], testOpNames[b]);

            g_test_add_data_func(path, GUINT_TO_POINTER(a * OP_LAST + b), testRacePair);
        }
    }
    return g_test_run();
}
