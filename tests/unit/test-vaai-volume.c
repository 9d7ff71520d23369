/*
 * test-vaai-volume.c: every volume operation, and every kind of resize,
 * on the in-memory LUN: records, extents and data read back.
 *
 * The array tests run the same operations on LIO; these pin down each
 * outcome in milliseconds: a new volume reads zeros over a deleted
 * tenant's data, a clone holds its source's bytes and zeros past them,
 * each resize kind (shrink giving back its tail, shrink within the extent,
 * grow within it, grow in place, move) keeps the data and zeroes what is
 * new, wipe and delete leave zeros and unmapped space, rename refuses a
 * taken name, and the table checks clean after each.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "mempool.h"
#include "storage_vaai_check.h"
#include "storage_vaai_table.h"
#include "storage_vaai_volume.h"

#define BS 512
#define MIB (1024 * 1024)


/* A byte of volume data: a function of the block and offset, so a copy
 * to the wrong place or of the wrong length shows. */
static uint8_t
testByte(uint64_t block,
         size_t i,
         uint8_t seed)
{
    return (uint8_t)(block * 131 + i * 7 + seed) | 1;
}


static void
testFill(testMemPool *tp,
         uint64_t lba,
         uint64_t nblocks,
         uint8_t seed)
{
    uint8_t buf[BS];
    uint64_t b;
    size_t i;

    for (b = 0; b < nblocks; b++) {
        for (i = 0; i < BS; i++)
            buf[i] = testByte(b, i, seed);
        testMemLunWrite(tp->mem, lba + b, 1, buf);
    }
}


/* Blocks [lba, lba + nblocks) hold testFill(..., seed) from block @first
 * of the pattern on, or zeros when @zeros. */
static bool
testHolds(testMemPool *tp,
          uint64_t lba,
          uint64_t nblocks,
          uint64_t first,
          uint8_t seed,
          bool zeros)
{
    uint8_t buf[BS];
    uint64_t b;
    size_t i;

    for (b = 0; b < nblocks; b++) {
        testMemLunRead(tp->mem, lba + b, 1, buf);
        for (i = 0; i < BS; i++) {
            uint8_t want = zeros ? 0 : testByte(first + b, i, seed);

            if (buf[i] != want) {
                g_test_message("block %llu byte %zu: 0x%02x, expected 0x%02x",
                               (unsigned long long)(lba + b), i, buf[i], want);
                return false;
            }
        }
    }
    return true;
}


static void
testCreate(testMemPool *tp,
           const char *name,
           uint64_t capacity,
           virStorageVaaiVolRecord *rec)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(virStorageVaaiVolCreate(tp->session, name, capacity, NULL, NULL, rec,
                                            &err), ==, 0);
    g_assert_no_error(err);
}


static void
testOpen(testMemPool *tp)
{
    testMemLunProfile profile = { .blocks = 64 * MIB / BS, .blockSize = BS };

    testMemPoolOpen(tp, &profile, "ops", 16, 10000, 1000, true);
}


/* A new volume reads zeros where a deleted one's data lay; its extent is
 * aligned and its capacity whole blocks. */
static void
testVolumeCreate(void)
{
    const virStorageVaaiHeader *h;
    virStorageVaaiVolRecord rec;
    testMemPool tp;

    testOpen(&tp);
    h = &tp.pool->header;
    testFill(&tp, h->dataLba, h->dataEndLba - h->dataLba, 0x11);
    testCreate(&tp, "v", MIB + 1, &rec);
    g_assert_cmpint(rec.state, ==, VIR_STORAGE_VAAI_VOL_READY);
    g_assert_cmpuint(rec.capacity, ==, MIB + BS);
    g_assert_cmpuint((rec.extentStart - h->dataLba) % h->extentAlignment, ==, 0);
    g_assert_cmpuint(rec.extentLength % h->extentAlignment, ==, 0);
    g_assert_cmpuint(rec.extentLength, >=, rec.capacity / BS);
    g_assert_true(testHolds(&tp, rec.extentStart, rec.extentLength, 0, 0, true));
    testMemPoolAssertClean(&tp, "volume", NULL);
    testMemPoolClose(&tp);
}


/* A clone holds its source's bytes and zeros past them, in an extent of
 * its own; the source is untouched. */
static void
testVolumeClone(void)
{
    virStorageVaaiVolRecord src;
    virStorageVaaiVolRecord dst;
    g_autoptr(GError) err = NULL;
    testMemPool tp;
    uint64_t n;

    testOpen(&tp);
    testCreate(&tp, "src", MIB, &src);
    n = src.capacity / BS;
    testFill(&tp, src.extentStart, n, 0x22);
    g_assert_cmpint(virStorageVaaiVolClone(tp.session, NULL, "src", "dst", 2 * MIB, NULL,
                                           NULL, &dst, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(dst.capacity, ==, 2 * MIB);
    g_assert_true(dst.extentStart >= src.extentStart + src.extentLength ||
                  dst.extentStart + dst.extentLength <= src.extentStart);
    g_assert_cmpmem(dst.parentUuid, sizeof(dst.parentUuid), src.uuid, sizeof(src.uuid));
    g_assert_true(testHolds(&tp, dst.extentStart, n, 0, 0x22, false));
    g_assert_true(testHolds(&tp, dst.extentStart + n, dst.extentLength - n, 0, 0, true));
    g_assert_true(testHolds(&tp, src.extentStart, n, 0, 0x22, false));

    /* A name taken is refused, and nothing is allocated for it. */
    g_assert_cmpint(virStorageVaaiVolClone(tp.session, NULL, "src", "dst", 0, NULL,
                                           NULL, NULL, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_EXISTS);
    testMemPoolAssertClean(&tp, "volume", NULL);
    testMemPoolClose(&tp);
}


static int
testResize(testMemPool *tp,
           const char *name,
           uint64_t capacity,
           unsigned int flags,
           virStorageVaaiVolRecord *out,
           GError **err)
{
    virStorageVaaiOpOptions o = { .flags = flags };

    return virStorageVaaiVolResize(tp->session, name, capacity, &o, NULL, out, err);
}


/* Every kind of resize: the data kept, what is new zeroed, what is given
 * up unmapped, the extent where each kind says. */
static void
testVolumeResize(void)
{
    virStorageVaaiVolRecord a;
    virStorageVaaiVolRecord b;
    virStorageVaaiVolRecord r;
    g_autoptr(GError) err = NULL;
    uint64_t unit;
    uint64_t n;
    testMemPool tp;

    testOpen(&tp);
    unit = tp.pool->header.extentAlignment;        /* blocks */

    /* a: one unit less a block, then b right after it. */
    testCreate(&tp, "a", (unit - 1) * BS, &a);
    testCreate(&tp, "b", unit * BS, &b);
    g_assert_cmpuint(b.extentStart, ==, a.extentStart + a.extentLength);
    n = a.capacity / BS;
    testFill(&tp, a.extentStart, n, 0x33);

    /* Smaller without asking: refused, nothing changes. */
    g_assert_cmpint(testResize(&tp, "a", BS, 0, &r, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_INVALID_ARG);
    g_clear_error(&err);

    /* The same size: nothing to do. */
    g_assert_cmpint(testResize(&tp, "a", a.capacity, 0, &r, &err), ==, 0);
    g_assert_cmpuint(r.capacity, ==, a.capacity);
    g_assert_cmpuint(r.sequence, ==, a.sequence);

    /* Grow within the extent: the last block, which held old data, reads
     * zeros. */
    testFill(&tp, a.extentStart + n, 1, 0x44);
    g_assert_cmpint(testResize(&tp, "a", unit * BS, 0, &r, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(r.extentStart, ==, a.extentStart);
    g_assert_cmpuint(r.extentLength, ==, a.extentLength);
    g_assert_cmpuint(r.capacity, ==, unit * BS);
    g_assert_true(testHolds(&tp, a.extentStart, n, 0, 0x33, false));
    g_assert_true(testHolds(&tp, a.extentStart + n, 1, 0, 0, true));

    /* b cannot grow in place... b is last: it can. */
    g_assert_cmpint(testResize(&tp, "b", 2 * unit * BS, 0, &r, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(r.extentStart, ==, b.extentStart);
    g_assert_cmpuint(r.extentLength, ==, 2 * unit);
    g_assert_true(testHolds(&tp, b.extentStart, 2 * unit, 0, 0, true));
    b = r;

    /* a is hemmed in by b: with NO_MOVE refused, else moved with its
     * data, the new part zeroed, the old extent given back. */
    g_assert_cmpint(testResize(&tp, "a", 2 * unit * BS, VIR_STORAGE_VAAI_OP_NO_MOVE, &r,
                               &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NO_SPACE);
    g_clear_error(&err);
    testFill(&tp, a.extentStart, n, 0x55);
    g_assert_cmpint(testResize(&tp, "a", 2 * unit * BS, 0, &r, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(r.extentStart, !=, a.extentStart);
    g_assert_cmpuint(r.extentLength, ==, 2 * unit);
    g_assert_cmpint(r.state, ==, VIR_STORAGE_VAAI_VOL_READY);
    g_assert_true(testHolds(&tp, r.extentStart, n, 0, 0x55, false));
    g_assert_true(testHolds(&tp, r.extentStart + n, 2 * unit - n, 0, 0, true));
    g_assert_cmpuint(testMemLunMapped(tp.mem, a.extentStart, a.extentLength), ==, 0);
    a = r;

    /* Shrink within the extent (a block less): only the capacity. */
    g_assert_cmpint(testResize(&tp, "a", (2 * unit - 1) * BS, VIR_STORAGE_VAAI_OP_SHRINK,
                               &r, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(r.extentLength, ==, 2 * unit);
    g_assert_cmpuint(r.capacity, ==, (2 * unit - 1) * BS);

    /* Shrink by a unit: the tail is given back. */
    g_assert_cmpint(testResize(&tp, "a", unit * BS, VIR_STORAGE_VAAI_OP_SHRINK, &r,
                               &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(r.extentStart, ==, a.extentStart);
    g_assert_cmpuint(r.extentLength, ==, unit);
    g_assert_cmpuint(r.capacity, ==, unit * BS);
    g_assert_cmpint(r.state, ==, VIR_STORAGE_VAAI_VOL_READY);
    g_assert_true(testHolds(&tp, r.extentStart, n, 0, 0x55, false));
    g_assert_cmpuint(testMemLunMapped(tp.mem, a.extentStart + unit, unit), ==, 0);

    testMemPoolAssertClean(&tp, "volume", NULL);
    testMemPoolClose(&tp);
}


/* Wipe leaves zeros, delete frees the record and unmaps the extent,
 * rename refuses a taken name and otherwise keeps everything but the
 * name. */
static void
testVolumeWipeDeleteRename(void)
{
    virStorageVaaiVolRecord v;
    virStorageVaaiVolRecord w;
    virStorageVaaiVolRecord r;
    g_autoptr(GError) err = NULL;
    testMemPool tp;

    testOpen(&tp);
    testCreate(&tp, "v", MIB, &v);
    testCreate(&tp, "w", MIB, &w);
    testFill(&tp, v.extentStart, v.extentLength, 0x66);
    g_assert_cmpint(virStorageVaaiVolWipe(tp.session, "v", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(testHolds(&tp, v.extentStart, v.extentLength, 0, 0, true));

    g_assert_cmpint(virStorageVaaiVolRename(tp.session, "v", "w", NULL, NULL, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_EXISTS);
    g_clear_error(&err);
    g_assert_cmpint(virStorageVaaiVolRename(tp.session, "v", "v2", NULL, &r, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(r.name, ==, "v2");
    g_assert_cmpmem(r.uuid, sizeof(r.uuid), v.uuid, sizeof(v.uuid));
    g_assert_cmpuint(r.extentStart, ==, v.extentStart);

    testFill(&tp, w.extentStart, w.extentLength, 0x77);
    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "w", NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(testMemLunMapped(tp.mem, w.extentStart, w.extentLength), ==, 0);
    g_assert_cmpint(virStorageVaaiVolDelete(tp.session, "w", NULL, NULL, &err), ==, -1);
    g_assert_error(err, VIR_STORAGE_VAAI_ERROR, VIR_STORAGE_VAAI_ERROR_NOT_FOUND);
    testMemPoolAssertClean(&tp, "volume", NULL);
    testMemPoolClose(&tp);
}


int
main(int argc,
     char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vaai/volume/create", testVolumeCreate);
    g_test_add_func("/vaai/volume/clone", testVolumeClone);
    g_test_add_func("/vaai/volume/resize", testVolumeResize);
    g_test_add_func("/vaai/volume/wipe-delete-rename", testVolumeWipeDeleteRename);
    return g_test_run();
}
