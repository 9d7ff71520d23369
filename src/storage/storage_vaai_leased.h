/*
 * storage_vaai_leased.h: talking to vaai-leased, the per-host daemon that
 *                        holds volumes open for the domains of its host
 *                        (docs/lease-daemon.md)
 *
 * One request, one reply, each a single line: a GVariant a{sv} in its text
 * form (g_variant_print), so that every value is escaped and typed without
 * a parser of our own.  Requests carry 'op' and the op's members; replies
 * 'ok' (b), and when not ok 'code' (s, an error code's name below) and
 * 'message' (s).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_format.h"

/* Where the daemon listens unless told otherwise. */
#define VIR_STORAGE_VAAI_LEASED_SOCKET "/run/libvirt-vaai/leased.sock"

/* A request or reply line is at most this long. */
#define VIR_STORAGE_VAAI_LEASED_LINE_MAX 65536

/* The name of @code on the wire ("busy", "not-found", ...), and back
 * (-1 for a name this code does not know). */
const char *
virStorageVaaiLeasedCodeName(int code);

int
virStorageVaaiLeasedCodeParse(const char *name);

/* A reply: ok, or the error @err (its code and message). */
GVariant *
virStorageVaaiLeasedReply(const GError *err);

/* Parse one line (without its newline) into an a{sv}; NULL with
 * VIR_STORAGE_VAAI_ERROR_INVALID_ARG for anything else. */
GVariant *
virStorageVaaiLeasedParse(const char *line,
                          GError **error);

/* One line, with its newline, for @msg (an a{sv}; a floating reference
 * is sunk). */
char *
virStorageVaaiLeasedFormat(GVariant *msg);

/*
 * Send @request to the daemon at @socketPath (NULL: the default) and wait
 * at most @timeoutMs for its reply.  0 when the reply says ok (*@reply,
 * if asked for, holds it); -1 with the daemon's error (domain
 * VIR_STORAGE_VAAI_ERROR, its code), or with G_IO_ERROR when the daemon
 * cannot be reached or does not answer in time.  Plain blocking socket
 * calls: usable between fork and exec.
 */
int
virStorageVaaiLeasedCall(const char *socketPath,
                         GVariant *request,
                         unsigned int timeoutMs,
                         GVariant **reply,
                         GError **error);
