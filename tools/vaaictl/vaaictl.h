/*
 * vaaictl.h: the operators' command-line tool, shared declarations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "virscsitransport.h"

/* Options every command accepts. */
typedef struct _vaaictlGlobal vaaictlGlobal;
struct _vaaictlGlobal {
    char *initiator;            /* iSCSI initiator IQN */
    int timeoutSecs;            /* per command, 0: default */
};

typedef int (*vaaictlHandler)(const vaaictlGlobal *global,
                              int argc,
                              char **argv);

typedef struct _vaaictlCommand vaaictlCommand;
struct _vaaictlCommand {
    const char *name;
    vaaictlHandler handler;
    const char *summary;
};

/* Exit codes: 0 success, 1 the operation failed, 2 bad usage. */
#define VAAICTL_EXIT_FAILURE 1
#define VAAICTL_EXIT_USAGE 2

virScsiTransport *
vaaictlOpen(const vaaictlGlobal *global,
            const char *spec,
            GError **error);

int
vaaictlCmdCaps(const vaaictlGlobal *global,
               int argc,
               char **argv);
