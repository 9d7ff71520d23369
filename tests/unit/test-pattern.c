/*
 * test-pattern.c: the wipe algorithms' passes (scrub's), the bytes each
 * pass writes at any offset, and ChaCha20 against RFC 8439's vectors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsipattern.h"


static void
testChaCha20Rfc(void)
{
    /* RFC 8439 2.3.2: key 00..1f, counter 1, nonce 00000009 0000004a 00000000. */
    static const uint8_t expect[64] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
    };
    /* RFC 8439 A.1 test vector #1: all-zero key, counter and nonce. */
    static const uint8_t expectZero[64] = {
        0x76, 0xb8, 0xe0, 0xad, 0xa0, 0xf1, 0x3d, 0x90, 0x40, 0x5d, 0x6a, 0xe5, 0x53, 0x86, 0xbd, 0x28,
        0xbd, 0xd2, 0x19, 0xb8, 0xa0, 0x8d, 0xed, 0x1a, 0xa8, 0x36, 0xef, 0xcc, 0x8b, 0x77, 0x0d, 0xc7,
        0xda, 0x41, 0x59, 0x7c, 0x51, 0x57, 0x48, 0x8d, 0x77, 0x24, 0xe0, 0x3f, 0xb8, 0xd8, 0x4a, 0x37,
        0x6a, 0x43, 0xb8, 0xf4, 0x15, 0x18, 0xa1, 0x1c, 0xc3, 0x87, 0xb6, 0x69, 0xb2, 0xee, 0x65, 0x86,
    };
    const uint32_t input[4] = { 1, 0x09000000, 0x4a000000, 0 };
    const uint32_t zeroInput[4] = { 0, 0, 0, 0 };
    uint8_t key[32];
    uint8_t zeroKey[32] = { 0 };
    uint8_t out[64];
    size_t i;

    for (i = 0; i < sizeof(key); i++)
        key[i] = i;
    virSCSIPatternChaCha20Block(key, input, out);
    g_assert_cmpmem(out, sizeof(out), expect, sizeof(expect));
    virSCSIPatternChaCha20Block(zeroKey, zeroInput, out);
    g_assert_cmpmem(out, sizeof(out), expectZero, sizeof(expectZero));
}


/* Passes as scrub 2.6's src/pattern.c lists them. */
static void
testAlgorithms(void)
{
    static const struct {
        const char *name;
        size_t npasses;
        int last;       /* the last pass's byte, -1: random */
        bool lastVerify;
    } expect[] = {
        { "nnsa", 3, 0x00, true },
        { "dod", 3, 0xff, true },
        { "bsi", 9, 0x7f, false },
        { "gutmann", 35, -1, false },
        { "schneier", 7, -1, false },
        { "pfitzner7", 7, -1, false },
        { "pfitzner33", 33, -1, false },
        { "random", 1, -1, false },
    };
    const virSCSIPatternAlgorithm *all;
    size_t n;
    size_t i;

    all = virSCSIPatternAlgorithms(&n);
    g_assert_cmpuint(n, ==, G_N_ELEMENTS(expect));
    for (i = 0; i < G_N_ELEMENTS(expect); i++) {
        const virSCSIPatternAlgorithm *alg = virSCSIPatternLookup(expect[i].name);
        const virSCSIPatternPass *last;

        g_assert_nonnull(alg);
        g_assert_true(alg == &all[i]);
        g_assert_cmpstr(alg->name, ==, expect[i].name);
        g_assert_cmpuint(alg->npasses, ==, expect[i].npasses);
        last = &alg->passes[alg->npasses - 1];
        if (expect[i].last < 0) {
            g_assert_cmpint(last->kind, ==, VIR_SCSI_PATTERN_RANDOM);
        } else {
            g_assert_cmpint(last->kind, ==, VIR_SCSI_PATTERN_FIXED);
            g_assert_cmpuint(last->len, ==, 1);
            g_assert_cmpuint(last->bytes[0], ==, expect[i].last);
        }
        g_assert_cmpint(last->verify, ==, expect[i].lastVerify);
    }
    g_assert_null(virSCSIPatternLookup("zero"));
    g_assert_null(virSCSIPatternLookup("trim"));
    g_assert_null(virSCSIPatternLookup("DoD"));
    g_assert_null(virSCSIPatternLookup(""));
    g_assert_null(virSCSIPatternLookup(NULL));
}


static void
testGutmann(void)
{
    static const uint8_t fixed[27][3] = {
        { 0x55 }, { 0xaa },
        { 0x92, 0x49, 0x24 }, { 0x49, 0x24, 0x92 }, { 0x24, 0x92, 0x49 },
        { 0x00 }, { 0x11 }, { 0x22 }, { 0x33 }, { 0x44 }, { 0x55 }, { 0x66 },
        { 0x77 }, { 0x88 }, { 0x99 }, { 0xaa }, { 0xbb }, { 0xcc }, { 0xdd },
        { 0xee }, { 0xff },
        { 0x92, 0x49, 0x24 }, { 0x49, 0x24, 0x92 }, { 0x24, 0x92, 0x49 },
        { 0x6d, 0xb6, 0xdb }, { 0xb6, 0xdb, 0x6d }, { 0xdb, 0x6d, 0xb6 },
    };
    const virSCSIPatternAlgorithm *g = virSCSIPatternLookup("gutmann");
    size_t i;

    for (i = 0; i < 35; i++) {
        const virSCSIPatternPass *p = &g->passes[i];

        if (i < 4 || i >= 31) {
            g_assert_cmpint(p->kind, ==, VIR_SCSI_PATTERN_RANDOM);
            continue;
        }
        g_assert_cmpint(p->kind, ==, VIR_SCSI_PATTERN_FIXED);
        g_assert_false(p->verify);
        if (fixed[i - 4][1] == 0 && fixed[i - 4][2] == 0) {
            g_assert_cmpuint(p->len, ==, 1);
            g_assert_cmpuint(p->bytes[0], ==, fixed[i - 4][0]);
        } else {
            g_assert_cmpuint(p->len, ==, 3);
            g_assert_cmpmem(p->bytes, 3, fixed[i - 4], 3);
        }
    }
}


static void
testFixed(void)
{
    const virSCSIPatternPass one = { VIR_SCSI_PATTERN_FIXED, 1, { 0xa5 }, false };
    const virSCSIPatternPass three = { VIR_SCSI_PATTERN_FIXED, 3, { 0x92, 0x49, 0x24 }, false };
    static const uint8_t from1[7] = { 0x49, 0x24, 0x92, 0x49, 0x24, 0x92, 0x49 };
    g_autofree uint8_t *buf = g_malloc(100000);
    size_t i;

    virSCSIPatternFill(&one, 0, NULL, 12345, buf, 1000);
    for (i = 0; i < 1000; i++)
        g_assert_cmpuint(buf[i], ==, 0xa5);

    /* The byte at offset o is pattern[o % 3], whatever the piece's start. */
    virSCSIPatternFill(&three, 0, NULL, 1, buf, sizeof(from1));
    g_assert_cmpmem(buf, sizeof(from1), from1, sizeof(from1));
    virSCSIPatternFill(&three, 0, NULL, 512, buf, 100000);
    for (i = 0; i < 100000; i++)
        g_assert_cmpuint(buf[i], ==, three.bytes[(512 + i) % 3]);
    virSCSIPatternFill(&three, 0, NULL, 0, buf, 2);
    g_assert_cmpuint(buf[0], ==, 0x92);
    g_assert_cmpuint(buf[1], ==, 0x49);
}


static void
testRandom(void)
{
    const virSCSIPatternPass r = { VIR_SCSI_PATTERN_RANDOM, 0, { 0 }, false };
    const size_t len = 1 << 20;
    g_autofree uint8_t *whole = g_malloc(len);
    g_autofree uint8_t *piece = g_malloc(len);
    g_autofree uint8_t *other = g_malloc(len);
    uint8_t key[VIR_SCSI_PATTERN_KEY_LEN];
    uint8_t key2[VIR_SCSI_PATTERN_KEY_LEN];
    uint8_t block[64];
    const uint32_t input[4] = { 0, 0, 3, 0 };
    const uint32_t input2[4] = { 1000, 0, 3, 0 };
    unsigned int counts[256] = { 0 };
    size_t pos;
    size_t i;

    for (i = 0; i < sizeof(key); i++) {
        key[i] = g_test_rand_int_range(0, 256);
        key2[i] = key[i];
    }
    key2[31] ^= 1;

    virSCSIPatternFill(&r, 3, key, 0, whole, len);
    /* The keystream of nonce = pass, counter = offset / 64. */
    virSCSIPatternChaCha20Block(key, input, block);
    g_assert_cmpmem(whole, 64, block, 64);
    virSCSIPatternChaCha20Block(key, input2, block);
    g_assert_cmpmem(whole + 64000, 64, block, 64);

    /* Any piece on its own equals the same bytes of the whole. */
    for (pos = 0; pos < len;) {
        /* Not inside MIN(), which evaluates its arguments twice: the
         * second draw could be past the end (ASan saw it). */
        size_t draw = g_test_rand_int_range(1, 5000);
        size_t n = MIN(draw, len - pos);

        virSCSIPatternFill(&r, 3, key, pos, piece + pos, n);
        pos += n;
    }
    g_assert_cmpmem(piece, len, whole, len);

    /* Another pass or another key gives other bytes. */
    virSCSIPatternFill(&r, 4, key, 0, other, len);
    g_assert_true(memcmp(other, whole, len) != 0);
    virSCSIPatternFill(&r, 3, key2, 0, other, len);
    g_assert_true(memcmp(other, whole, len) != 0);
    /* A 64-bit counter: far offsets differ from near ones. */
    virSCSIPatternFill(&r, 3, key, (uint64_t)1 << 38, other, 4096);
    g_assert_true(memcmp(other, whole, 4096) != 0);

    /* Roughly uniform: each byte value 4096 times expected, sd 64. */
    for (i = 0; i < len; i++)
        counts[whole[i]]++;
    for (i = 0; i < 256; i++) {
        g_assert_cmpuint(counts[i], >, 3600);
        g_assert_cmpuint(counts[i], <, 4600);
    }
}


int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pattern/chacha20/rfc8439", testChaCha20Rfc);
    g_test_add_func("/pattern/algorithms", testAlgorithms);
    g_test_add_func("/pattern/gutmann", testGutmann);
    g_test_add_func("/pattern/fixed", testFixed);
    g_test_add_func("/pattern/random", testRandom);
    return g_test_run();
}
