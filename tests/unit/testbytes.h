/*
 * testbytes.h: what the decoder tests share to feed their vectors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdint.h>
#include <string.h>

#include <glib.h>

#define ZERO4 0x00, 0x00, 0x00, 0x00
#define ZERO8 ZERO4, ZERO4

/* A copy of @data in a heap block of exactly @len bytes, so that a
 * decoder that reads past what it was given trips AddressSanitizer. */
static inline uint8_t *
testDupExact(const uint8_t *data,
             size_t len)
{
    uint8_t *copy = g_malloc(len);

    if (len)
        memcpy(copy, data, len);
    return copy;
}


/* Run parser @func on an exact-size heap copy of @vec (see testDupExact). */
#define TEST_PARSE(func, vec, len, out, err) \
    ({ \
        g_autofree uint8_t *_buf = testDupExact(vec, len); \
        func(_buf, len, out, err); \
    })
