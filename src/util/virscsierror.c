/*
 * virscsierror.c: the GError domain of the SCSI layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsierror.h"

GQuark
virSCSIErrorQuark(void)
{
    return g_quark_from_static_string("vir-scsi-error-quark");
}
