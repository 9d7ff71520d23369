/*
 * storage_vaai_journal.h: the table journal in the lease record: which
 *                         volume records changed at each recent table
 *                         generation (docs/format.md "The table journal")
 *
 * A host that keeps the volume table it last read needs to read again only
 * what changed since.  Records that are not busy change only under the
 * metadata lease, so the holder writes which ones it changed into the
 * lease record as it releases it, in the same COMPARE AND WRITE; busy
 * records change without the lease (their workers' progress and end) and
 * are read again every time.  Pure functions, no I/O.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "storage_vaai_format.h"

/* Journal the changes of one hold of the lease: @n record indices (repeats
 * allowed), each at a new table generation; @unknown, or more changes than
 * half the journal keeps, journal "any record may have changed"
 * (VIR_STORAGE_VAAI_JOURNAL_ALL) at one new generation instead. */
void
virStorageVaaiJournalAppend(virStorageVaaiLease *lease,
                            const uint32_t *idx,
                            size_t n,
                            bool unknown);

/* Which records @lease's journal says changed after table generation
 * @since: true, with their indices appended to @out (uint32_t, repeats
 * possible), or false when it cannot tell (the journal went round since,
 * holds JOURNAL_ALL there, or is behind @since: another pool was formatted
 * over this one): read them all. */
bool
virStorageVaaiJournalSince(const virStorageVaaiLease *lease,
                           uint64_t since,
                           GArray *out);

/* Decode the lease record @block for its journal: true when it has one
 * (version 2; or all zeros, the lease of a pool nobody has changed yet:
 * generation 0, nothing journaled), false when it cannot tell. */
bool
virStorageVaaiJournalDecode(const uint8_t *block,
                            size_t blockSize,
                            virStorageVaaiLease *lease);
