/*
 * virscsiportal.h: whether an iSCSI portal's TCP port answers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#define VIR_SCSI_PORTAL_DEFAULT_PORT "3260"

gboolean
virSCSIPortalSplit(const char *portal,
                   char **host,
                   char **port);

char *
virSCSIPortalUnreachable(const char *portal,
                         unsigned int timeoutMs);
