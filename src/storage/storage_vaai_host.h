/*
 * storage_vaai_host.h: who this host is on a shared pool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_lease.h"

/* Fill @host for a new process: its UUID from @uuid, else
 * $VAAI_HOST_UUID, else /etc/machine-id (32 hex digits that survive
 * reboots); its name from @name, else the host name; a new random
 * incarnation.  vaaictl, vaai-leased and the libvirt backend of one host
 * find the same UUID this way, as they must: another host names them by
 * it in its refusals, and takes their slot back by it.  Fails with
 * VIR_STORAGE_VAAI_ERROR_INVALID_ARG when no UUID is found or it is not
 * one (the message says where it came from). */
bool
virStorageVaaiHostInit(virStorageVaaiHost *host,
                       const char *uuid,
                       const char *name,
                       GError **error);
