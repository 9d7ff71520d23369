/*
 * vaaictl-vol.h: printing volumes (shared by "vol" and "pool list")
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "vaaictl.h"
#include "storage_vaai_pool.h"

/* @idx < 0: not printed; @mappedBlocks NULL: allocation unknown. */
void
vaaictlVolJson(JsonBuilder *b,
               const virStorageVaaiPool *pool,
               const virStorageVaaiVolRecord *rec,
               int idx,
               const uint64_t *mappedBlocks);

void
vaaictlVolText(FILE *out,
               const virStorageVaaiPool *pool,
               const virStorageVaaiVolRecord *rec,
               const uint64_t *mappedBlocks);

/* vaaictl-hold.c: "vaaictl vol hold LUN NAME" */
int
vaaictlVolHold(const vaaictlGlobal *global,
               int argc,
               char **argv);

/* The live holders of volume record @idx, as members "holders" (JSON) or
 * lines (text); nothing for a pool without an in-use area. */
void
vaaictlVolHoldersJson(JsonBuilder *b,
                      GArray *holders);

void
vaaictlVolHoldersText(FILE *out,
                      GArray *holders);
