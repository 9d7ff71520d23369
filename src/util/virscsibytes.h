/*
 * virscsibytes.h: big-endian field access for SCSI byte buffers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/* SCSI fields are big-endian and unaligned: always go byte by byte. */

static inline uint16_t
virSCSIGetBE16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
virSCSIGetBE24(const uint8_t *p)
{
    return ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
}

static inline uint32_t
virSCSIGetBE32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

static inline uint64_t
virSCSIGetBE64(const uint8_t *p)
{
    return ((uint64_t)virSCSIGetBE32(p) << 32) | virSCSIGetBE32(p + 4);
}

static inline void
virSCSIPutBE16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void
virSCSIPutBE24(uint8_t *p, uint32_t v)
{
    p[0] = v >> 16;
    p[1] = v >> 8;
    p[2] = v;
}

static inline void
virSCSIPutBE32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static inline void
virSCSIPutBE64(uint8_t *p, uint64_t v)
{
    virSCSIPutBE32(p, v >> 32);
    virSCSIPutBE32(p + 4, v);
}


/* The first byte offset within [0, @len) where @a and @b differ; @len
 * when they do not. */
static inline size_t
virSCSIFirstDifference(const uint8_t *a,
                       const uint8_t *b,
                       size_t len)
{
    size_t i;

    for (i = 0; i < len && a[i] == b[i]; i++)
        ;
    return i;
}
