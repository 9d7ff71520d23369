/*
 * virscsipattern.h: the overwrite passes of the wipe algorithms, and the
 *                   bytes each pass writes (pure)
 *
 * The algorithms and their passes are scrub's (scrub 2.6, src/pattern.c),
 * which libvirt runs as `scrub -f -p NAME` for the wipe algorithms of
 * other pool types.  A pass writes either a fixed pattern of 1 to 3
 * bytes, repeated from the first byte of the range (the byte at offset o
 * is pattern[o % length]), or random bytes.  Random bytes come from
 * ChaCha20 (RFC 8439's block function) keyed with 32 bytes the caller
 * draws from the kernel's generator, one key per wipe; the 64-bit block
 * counter is the byte offset / 64 and the nonce is the pass number, so
 * any piece of any pass can be generated on its own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIR_SCSI_PATTERN_KEY_LEN 32
#define VIR_SCSI_PATTERN_MAX_BYTES 3

typedef enum {
    VIR_SCSI_PATTERN_FIXED,     /* @bytes, repeated */
    VIR_SCSI_PATTERN_RANDOM,    /* ChaCha20 keystream */
} virSCSIPatternKind;

typedef struct _virSCSIPatternPass virSCSIPatternPass;
struct _virSCSIPatternPass {
    virSCSIPatternKind kind;
    uint8_t len;                                /* FIXED: 1..3 */
    uint8_t bytes[VIR_SCSI_PATTERN_MAX_BYTES];
    bool verify;                                /* read back and compare */
};

typedef struct _virSCSIPatternAlgorithm virSCSIPatternAlgorithm;
struct _virSCSIPatternAlgorithm {
    const char *name;           /* libvirt's and scrub's name */
    const char *description;
    size_t npasses;
    const virSCSIPatternPass *passes;
};

/* The algorithms written by the host: nnsa, dod, bsi, gutmann, schneier,
 * pfitzner7, pfitzner33, random (zero and trim are offloaded, not here). */
const virSCSIPatternAlgorithm *
virSCSIPatternAlgorithms(size_t *count);

/* The algorithm called @name, or NULL. */
const virSCSIPatternAlgorithm *
virSCSIPatternLookup(const char *name);

/* Fill @buf with the @len bytes that pass @passIndex (numbered from 0)
 * writes at byte @offset of its range; @key is used by random passes
 * only (may be NULL for fixed ones). */
void
virSCSIPatternFill(const virSCSIPatternPass *pass,
                   uint32_t passIndex,
                   const uint8_t *key,
                   uint64_t offset,
                   uint8_t *buf,
                   size_t len);

/* ChaCha20's block function (RFC 8439 section 2.3) with the 4 words after
 * the key given as @input (counter and nonce): 64 bytes of keystream. */
void
virSCSIPatternChaCha20Block(const uint8_t *key,
                            const uint32_t input[4],
                            uint8_t out[64]);
