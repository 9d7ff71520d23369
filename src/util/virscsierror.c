/*
 * virscsierror.c: the GError domain of the SCSI layer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "virscsierror.h"

G_DEFINE_QUARK(vir-scsi-error-quark, virScsiError)
