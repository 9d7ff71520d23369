/*
 * storage_vaai_dm.h: device-mapper devices of a vaai pool's volumes (pure)
 *
 * On a LUN this host reaches as a local SCSI disk, each volume of a vaai
 * pool is a dm "linear" device over the volume's extent, so that a VM
 * given the device sees its volume and nothing else.  Here are the pure
 * parts: the device's name, its table line, and the parsers of what
 * dmsetup prints; the libvirt backend runs dmsetup.
 *
 * A device is named PREFIX-POOLUUID-VOLUUID: PREFIX is "vaai" (another
 * one lets several daemons share one kernel, as the tests do), POOLUUID
 * the pool's on-LUN UUID and VOLUUID the volume's (its libvirt key), both
 * in the 36-character form.  UUIDs, not names: volume names may hold any
 * UTF-8, and a name deleted and created again on another host is another
 * volume.  The device is /dev/mapper/NAME.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#define VIR_STORAGE_VAAI_DM_PREFIX "vaai"
#define VIR_STORAGE_VAAI_DM_DIR "/dev/mapper"
#define VIR_STORAGE_VAAI_DM_UUID_LEN 36

/* A usable name prefix: 1..32 of [A-Za-z0-9_.+], not starting with '.'. */
bool
virStorageVaaiDmPrefixValid(const char *prefix);

/* PREFIX-POOLUUID-VOLUUID, or NULL if a part is malformed. */
char *
virStorageVaaiDmName(const char *prefix,
                     const char *poolUuid,
                     const char *volUuid);

/* PREFIX-POOLUUID- : the names of every device of one pool start so. */
char *
virStorageVaaiDmPoolPrefix(const char *prefix,
                           const char *poolUuid);

/* The pool UUID of a device name or of a path ending in one
 * (/dev/mapper/PREFIX-POOLUUID-VOLUUID), or NULL if it is none. */
char *
virStorageVaaiDmNamePool(const char *nameOrPath);

/* The table of a linear device of @length bytes at byte @start of
 * @device (a path or "MAJOR:MINOR"): "0 SECTORS linear DEVICE START",
 * in 512-byte sectors, as `dmsetup table` prints it back when @device is
 * MAJOR:MINOR.  NULL with VIR_STORAGE_VAAI_ERROR_INVALID_ARG when @length
 * is 0 or either is not a multiple of 512, or @device is empty or holds
 * blanks. */
char *
virStorageVaaiDmTable(const char *device,
                      uint64_t start,
                      uint64_t length,
                      GError **error);

/* The devices whose names start with @namePrefix in the output of
 * `dmsetup table` ("NAME: TABLE" per target line; "No devices found"):
 * name -> table, the lines of a device with several targets joined by
 * '\n'.  Never NULL. */
GHashTable *
virStorageVaaiDmParseTables(const char *output,
                            const char *namePrefix);

/* The open count in the output of `dmsetup info -c --noheadings -o open
 * NAME`; -1 if it is none. */
int
virStorageVaaiDmParseOpenCount(const char *output);
