/*
 * storage_vaai_crc32c.h: CRC32C (Castagnoli), the checksum of every record
 * of a vaai pool (docs/format.md)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The CRC of iSCSI (RFC 3720 B.4): reflected polynomial 0x82F63B78, initial
 * value and final XOR 0xFFFFFFFF.  "123456789" gives 0xE3069283.
 */
uint32_t
virStorageVaaiCrc32c(const void *buf,
                     size_t len);

/*
 * Continues a CRC over more bytes, zlib style: @crc is the finished CRC of
 * the bytes before @buf (0 for none) and the result is the finished CRC of
 * all of them, so that a record's CRC field can be taken as zero without
 * copying the block.
 */
uint32_t
virStorageVaaiCrc32cExtend(uint32_t crc,
                           const void *buf,
                           size_t len);
