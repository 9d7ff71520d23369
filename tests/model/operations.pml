/*
 * operations.pml: one lease, several operations per process
 * (docs/lease-protocol.md, "One operation at a time per process").
 *
 * The lease names a process (host UUID and incarnation), not an
 * operation, so Acquire's step 3 ("the lease holds our identity: a CAW of
 * ours was applied with its status lost, or we could not release it:
 * held") cannot tell two threads of one process apart.  The code keeps
 * them apart with the session's owner flag: an operation waits until no
 * other operation of its process owns the session's lease, owns it while
 * it acquires, writes and releases, and gives it up at the end whether
 * the release worked or not (virStorageVaaiSessionAcquire/Release).
 *
 * Process 1 runs OPS operations (threads) at once, process 2 one.  Timing,
 * heartbeats and fencing are lease.pml's; here a CAW is atomic, may be
 * applied with its status lost (at most FAULTS times), a release may fail
 * (at most FAULTS times), and each operation acquires, writes metadata
 * once and releases.  Checked: no two metadata writes at once.
 *
 *   BUG_NO_OWNER   operations do not wait for the owner flag (the code
 *                  before: two threads of one libvirtd both "held" the
 *                  lease and gave two volumes the same blocks)
 */

#ifndef OPS
#define OPS 2
#endif
#ifndef FAULTS
#define FAULTS 1
#endif

byte owner = 0;             /* the lease: 0 free, else the process */
byte gen = 0;               /* its generation */
bool owned[3];              /* per process: an operation owns the lease */
bool held[3];               /* per process: the session believes it holds it */
byte writing = 0;           /* metadata writes in progress */
byte faults = 0;

inline caw_take(me, seenOwner, seenGen, ok) {
    d_step {
        if
        :: owner == seenOwner && gen == seenGen ->
            owner = me; gen = (gen + 1) % 8;
            if
            :: faults < FAULTS -> faults++; ok = false  /* applied, status lost */
            :: true -> ok = true
            fi
        :: else -> ok = false
        fi
    }
}

proctype operation(byte me)
{
    byte seenOwner, seenGen;
    bool ok;

    /* virStorageVaaiSessionAcquire: the owner flag first */
#ifndef BUG_NO_OWNER
end_owner:
    atomic { !owned[me] -> owned[me] = true };
#endif

acquire:
    skip;
    d_step { seenOwner = owner; seenGen = gen };     /* step 1: read */
    if
    :: seenOwner == 0 ->                            /* step 2: free: step 5 */
        caw_take(me, seenOwner, seenGen, ok);
        if
        :: ok -> held[me] = true
        :: else -> goto acquire                     /* read again (step 3 adopts) */
        fi
    :: seenOwner == me -> held[me] = true           /* step 3: ours */
    :: seenOwner != 0 && seenOwner != me ->         /* step 4: another's: wait */
        /* (a lease left with a live process that failed to release it
         * waits for that process, which lease.pml covers: a valid end) */
end_wait:
        (owner != seenOwner || gen != seenGen);
        goto acquire
    fi;

    /* a metadata write under the lease */
    atomic { writing++; assert(writing == 1) };
    writing--;

    /* virStorageVaaiSessionRelease: may fail, the lease then stays ours
     * and the next operation of this process adopts it (step 3) */
    if
    :: faults < FAULTS -> faults++                  /* not released */
    :: true -> d_step { owner = 0; gen = (gen + 1) % 8 }; held[me] = false
    fi;
#ifndef BUG_NO_OWNER
    owned[me] = false
#endif
}

init {
    byte i;

    atomic {
        for (i : 1 .. OPS) {
            run operation(1)
        }
        run operation(2)
    }
}
