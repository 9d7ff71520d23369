/*
 * virscsipattern.c: the overwrite passes of the wipe algorithms (pure)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib.h>

#include "virscsipattern.h"

#define R { VIR_SCSI_PATTERN_RANDOM, 0, { 0 }, false }
#define F1(a) { VIR_SCSI_PATTERN_FIXED, 1, { a }, false }
#define F1V(a) { VIR_SCSI_PATTERN_FIXED, 1, { a }, true }
#define F3(a, b, c) { VIR_SCSI_PATTERN_FIXED, 3, { a, b, c }, false }

/* As scrub 2.6's src/pattern.c defines them. */
static const virSCSIPatternPass virSCSIPatternNnsa[] = {
    R, R, F1V(0x00),
};

static const virSCSIPatternPass virSCSIPatternDod[] = {
    R, F1(0x00), F1V(0xff),
};

static const virSCSIPatternPass virSCSIPatternBsi[] = {
    F1(0xff), F1(0xfe), F1(0xfd), F1(0xfb), F1(0xf7), F1(0xef), F1(0xdf),
    F1(0xbf), F1(0x7f),
};

static const virSCSIPatternPass virSCSIPatternGutmann[] = {
    R, R, R, R,
    F1(0x55), F1(0xaa),
    F3(0x92, 0x49, 0x24), F3(0x49, 0x24, 0x92), F3(0x24, 0x92, 0x49),
    F1(0x00), F1(0x11), F1(0x22), F1(0x33), F1(0x44), F1(0x55), F1(0x66),
    F1(0x77), F1(0x88), F1(0x99), F1(0xaa), F1(0xbb), F1(0xcc), F1(0xdd),
    F1(0xee), F1(0xff),
    F3(0x92, 0x49, 0x24), F3(0x49, 0x24, 0x92), F3(0x24, 0x92, 0x49),
    F3(0x6d, 0xb6, 0xdb), F3(0xb6, 0xdb, 0x6d), F3(0xdb, 0x6d, 0xb6),
    R, R, R, R,
};

static const virSCSIPatternPass virSCSIPatternSchneier[] = {
    F1(0x00), F1(0xff), R, R, R, R, R,
};

static const virSCSIPatternPass virSCSIPatternPfitzner7[] = {
    R, R, R, R, R, R, R,
};

static const virSCSIPatternPass virSCSIPatternPfitzner33[] = {
    R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R,
    R, R, R, R, R, R, R, R, R, R, R, R, R, R, R, R,
};

static const virSCSIPatternPass virSCSIPatternRandom[] = {
    R,
};

#undef R
#undef F1
#undef F1V
#undef F3

#define ALG(name, desc, passes) { name, desc, G_N_ELEMENTS(passes), passes }

static const virSCSIPatternAlgorithm virSCSIPatternTable[] = {
    ALG("nnsa", "NNSA NAP-14.1-C: 2 random passes, then 0x00 verified",
        virSCSIPatternNnsa),
    ALG("dod", "DoD 5220.22-M: random, 0x00, then 0xff verified", virSCSIPatternDod),
    ALG("bsi", "BSI: 0xff, 0xfe, 0xfd, 0xfb, 0xf7, 0xef, 0xdf, 0xbf, 0x7f",
        virSCSIPatternBsi),
    ALG("gutmann", "Gutmann: 4 random, 27 fixed, 4 random passes", virSCSIPatternGutmann),
    ALG("schneier", "Bruce Schneier: 0x00, 0xff, then 5 random passes",
        virSCSIPatternSchneier),
    ALG("pfitzner7", "Roy Pfitzner: 7 random passes", virSCSIPatternPfitzner7),
    ALG("pfitzner33", "Roy Pfitzner: 33 random passes", virSCSIPatternPfitzner33),
    ALG("random", "one random pass", virSCSIPatternRandom),
};

#undef ALG


const virSCSIPatternAlgorithm *
virSCSIPatternAlgorithms(size_t *count)
{
    *count = G_N_ELEMENTS(virSCSIPatternTable);
    return virSCSIPatternTable;
}


const virSCSIPatternAlgorithm *
virSCSIPatternLookup(const char *name)
{
    size_t i;

    for (i = 0; name && i < G_N_ELEMENTS(virSCSIPatternTable); i++) {
        if (strcmp(virSCSIPatternTable[i].name, name) == 0)
            return &virSCSIPatternTable[i];
    }
    return NULL;
}


/* ---- ChaCha20 ---- */

static inline uint32_t
virSCSIPatternRotl(uint32_t v,
                   int n)
{
    return (v << n) | (v >> (32 - n));
}

#define QR(a, b, c, d) \
    do { \
        a += b; d ^= a; d = virSCSIPatternRotl(d, 16); \
        c += d; b ^= c; b = virSCSIPatternRotl(b, 12); \
        a += b; d ^= a; d = virSCSIPatternRotl(d, 8); \
        c += d; b ^= c; b = virSCSIPatternRotl(b, 7); \
    } while (0)


static uint32_t
virSCSIPatternLoad32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
        ((uint32_t)p[3] << 24);
}


void
virSCSIPatternChaCha20Block(const uint8_t *key,
                            const uint32_t input[4],
                            uint8_t out[64])
{
    uint32_t s[16];
    uint32_t x[16];
    size_t i;

    s[0] = 0x61707865;
    s[1] = 0x3320646e;
    s[2] = 0x79622d32;
    s[3] = 0x6b206574;
    for (i = 0; i < 8; i++)
        s[4 + i] = virSCSIPatternLoad32(key + 4 * i);
    for (i = 0; i < 4; i++)
        s[12 + i] = input[i];
    memcpy(x, s, sizeof(x));
    for (i = 0; i < 10; i++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (i = 0; i < 16; i++) {
        uint32_t v = x[i] + s[i];

        out[4 * i] = v & 0xff;
        out[4 * i + 1] = (v >> 8) & 0xff;
        out[4 * i + 2] = (v >> 16) & 0xff;
        out[4 * i + 3] = (v >> 24) & 0xff;
    }
}

#undef QR


static void
virSCSIPatternFillRandom(uint32_t passIndex,
                         const uint8_t *key,
                         uint64_t offset,
                         uint8_t *buf,
                         size_t len)
{
    uint64_t block = offset / 64;
    size_t skip = offset % 64;
    size_t pos = 0;

    while (pos < len) {
        uint32_t input[4] = { block & 0xffffffff, block >> 32, passIndex, 0 };
        uint8_t ks[64];
        size_t n = 64 - skip;

        if (n > len - pos)
            n = len - pos;
        if (skip == 0 && n == 64) {
            virSCSIPatternChaCha20Block(key, input, buf + pos);
        } else {
            virSCSIPatternChaCha20Block(key, input, ks);
            memcpy(buf + pos, ks + skip, n);
        }
        pos += n;
        skip = 0;
        block++;
    }
}


void
virSCSIPatternFill(const virSCSIPatternPass *pass,
                   uint32_t passIndex,
                   const uint8_t *key,
                   uint64_t offset,
                   uint8_t *buf,
                   size_t len)
{
    size_t i;

    switch (pass->kind) {
    case VIR_SCSI_PATTERN_RANDOM:
        virSCSIPatternFillRandom(passIndex, key, offset, buf, len);
        return;
    case VIR_SCSI_PATTERN_FIXED:
        if (pass->len <= 1) {
            memset(buf, pass->bytes[0], len);
            return;
        }
        /* One period in place, then doubled: every copy starts at a
         * multiple of the period, so the phase holds. */
        for (i = 0; i < len && i < pass->len; i++)
            buf[i] = pass->bytes[(offset + i) % pass->len];
        while (i < len) {
            size_t n = MIN(i, len - i);

            memcpy(buf + i, buf, n);
            i += n;
        }
        return;
    }
}
