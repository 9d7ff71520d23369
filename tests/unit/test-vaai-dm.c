/*
 * test-vaai-dm.c: names and tables of the device-mapper devices of a vaai
 * pool's volumes, and the parsers of dmsetup's output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "storage_vaai_dm.h"
#include "storage_vaai_format.h"

#define POOL "6f1c9e2a-3b4d-4c5e-8f90-a1b2c3d4e5f6"
#define VOL  "0b3f7a52-5d0c-4d5e-9a43-2f1b6c0e7d11"


static void
testName(void)
{
    g_autofree char *name = virStorageVaaiDmName("vaai", POOL, VOL);
    g_autofree char *other = virStorageVaaiDmName("vaai1", POOL, VOL);
    g_autofree char *prefix = virStorageVaaiDmPoolPrefix("vaai", POOL);

    g_assert_cmpstr(name, ==, "vaai-" POOL "-" VOL);
    g_assert_cmpstr(other, ==, "vaai1-" POOL "-" VOL);
    g_assert_cmpstr(prefix, ==, "vaai-" POOL "-");
    g_assert_true(g_str_has_prefix(name, prefix));
    /* well within dm's 127 characters */
    g_assert_cmpuint(strlen(name), <, 128);

    g_assert_null(virStorageVaaiDmName("", POOL, VOL));
    g_assert_null(virStorageVaaiDmName("va ai", POOL, VOL));
    g_assert_null(virStorageVaaiDmName("va/ai", POOL, VOL));
    g_assert_null(virStorageVaaiDmName(".vaai", POOL, VOL));
    g_assert_null(virStorageVaaiDmName("a-very-long-prefix-of-more-than-32", POOL, VOL));
    g_assert_null(virStorageVaaiDmName("vaai", "6f1c9e2a", VOL));
    g_assert_null(virStorageVaaiDmName("vaai", POOL, "0b3f7a52x5d0c-4d5e-9a43-2f1b6c0e7d11"));
    g_assert_null(virStorageVaaiDmName("vaai", POOL, "gb3f7a52-5d0c-4d5e-9a43-2f1b6c0e7d11"));
    g_assert_null(virStorageVaaiDmName("vaai", POOL, NULL));
    g_assert_null(virStorageVaaiDmPoolPrefix("vaai", "nope"));
    g_assert_true(virStorageVaaiDmPrefixValid("vaai_2.x+y"));
    g_assert_false(virStorageVaaiDmPrefixValid(NULL));
}


static void
testNamePool(void)
{
    g_autofree char *a = virStorageVaaiDmNamePool("/dev/mapper/vaai-" POOL "-" VOL);
    g_autofree char *b = virStorageVaaiDmNamePool("host2.x-" POOL "-" VOL);
    g_autofree char *c = virStorageVaaiDmNamePool("my-pfx-" POOL "-" VOL);

    g_assert_cmpstr(a, ==, POOL);
    g_assert_cmpstr(b, ==, POOL);
    /* "-POOL-VOL" is read from the end; what is left must be a prefix */
    g_assert_null(c);
    g_assert_null(virStorageVaaiDmNamePool("/dev/mapper/-" POOL "-" VOL));
    g_assert_null(virStorageVaaiDmNamePool("/dev/mapper/vaai-" POOL));
    g_assert_null(virStorageVaaiDmNamePool("/dev/mapper/vaai-" POOL "_" VOL));
    g_assert_null(virStorageVaaiDmNamePool("vaai://" POOL "/vm1"));
    g_assert_null(virStorageVaaiDmNamePool("/dev/sda"));
    g_assert_null(virStorageVaaiDmNamePool(""));
    g_assert_null(virStorageVaaiDmNamePool(NULL));
}


static void
testTable(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *t = NULL;

    /* 16 MiB at 5 MiB of 8:0 */
    t = virStorageVaaiDmTable("8:0", 5 << 20, 16 << 20, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(t, ==, "0 32768 linear 8:0 10240");
    g_clear_pointer(&t, g_free);

    /* a 4 KiB-block LUN: bytes, so sectors are still of 512 bytes */
    t = virStorageVaaiDmTable("/dev/sdb", 4096ULL * 2048, 4096, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(t, ==, "0 8 linear /dev/sdb 16384");
    g_clear_pointer(&t, g_free);

    /* beyond 32 bits of sectors */
    t = virStorageVaaiDmTable("259:3", 3ULL << 40, 1ULL << 41, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(t, ==, "0 4294967296 linear 259:3 6442450944");
    g_clear_pointer(&t, g_free);

    g_assert_null(virStorageVaaiDmTable("8:0", 0, 0, &err));
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(virStorageVaaiDmTable("8:0", 0, 1000, &err));
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(virStorageVaaiDmTable("8:0", 100, 512, &err));
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(virStorageVaaiDmTable("", 0, 512, &err));
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(virStorageVaaiDmTable("8:0 0 linear", 0, 512, &err));
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);
}


static void
testParseTables(void)
{
    const char *out =
        "vaai-" POOL "-" VOL ": 0 32768 linear 8:0 10240\n"
        "vaai-" POOL "-11111111-2222-3333-4444-555555555555: 0 8 linear 8:0 16384\n"
        "vaai2-" POOL "-" VOL ": 0 32768 linear 8:0 10240\n"
        "striped: 0 100 linear 8:16 0\n"
        "striped: 100 100 linear 8:32 0\n"
        "empty: \n";
    g_autoptr(GHashTable) mine = virStorageVaaiDmParseTables(out, "vaai-" POOL "-");
    g_autoptr(GHashTable) all = virStorageVaaiDmParseTables(out, NULL);
    g_autoptr(GHashTable) none = virStorageVaaiDmParseTables("No devices found\n", "vaai-");
    g_autoptr(GHashTable) null = virStorageVaaiDmParseTables(NULL, NULL);

    g_assert_cmpuint(g_hash_table_size(mine), ==, 2);
    g_assert_cmpstr(g_hash_table_lookup(mine, "vaai-" POOL "-" VOL), ==,
                    "0 32768 linear 8:0 10240");
    g_assert_cmpstr(g_hash_table_lookup(mine, "vaai-" POOL "-11111111-2222-3333-4444-555555555555"),
                    ==, "0 8 linear 8:0 16384");
    g_assert_cmpuint(g_hash_table_size(all), ==, 5);
    g_assert_cmpstr(g_hash_table_lookup(all, "striped"), ==,
                    "0 100 linear 8:16 0\n100 100 linear 8:32 0");
    g_assert_cmpstr(g_hash_table_lookup(all, "empty"), ==, "");
    g_assert_cmpuint(g_hash_table_size(none), ==, 0);
    g_assert_cmpuint(g_hash_table_size(null), ==, 0);
}


static void
testParseOpenCount(void)
{
    g_assert_cmpint(virStorageVaaiDmParseOpenCount("    0\n"), ==, 0);
    g_assert_cmpint(virStorageVaaiDmParseOpenCount("2"), ==, 2);
    g_assert_cmpint(virStorageVaaiDmParseOpenCount(""), ==, -1);
    g_assert_cmpint(virStorageVaaiDmParseOpenCount("Device does not exist."), ==, -1);
    g_assert_cmpint(virStorageVaaiDmParseOpenCount("-1"), ==, -1);
    g_assert_cmpint(virStorageVaaiDmParseOpenCount(NULL), ==, -1);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai-dm/name", testName);
    g_test_add_func("/vaai-dm/name-pool", testNamePool);
    g_test_add_func("/vaai-dm/table", testTable);
    g_test_add_func("/vaai-dm/parse-tables", testParseTables);
    g_test_add_func("/vaai-dm/parse-open-count", testParseOpenCount);
    return g_test_run();
}
