/*
 * lease.pml: the metadata lease protocol of docs/format.md ("The lease
 * protocol") as implemented by src/storage/storage_vaai_lease.c, step by
 * step as in docs/lease-protocol.md.  Checked with spin by
 * tests/model/check-lease; see docs/lease-protocol.md for what the model
 * covers, the timing assumptions and the results.
 *
 * N = 3 hosts share one lease block and one heartbeat slot each.  A host
 * has a heartbeat (renews its slot every P ticks) and a main thread (joins,
 * acquires the lease ROUNDS times, each time does WORK metadata writes
 * under the self-fence, releases; then stays joined, or with LEAVE may also
 * leave).  Time
 * advances in global ticks; each host measures time on its own clock, which
 * may miss ticks (SKEW).
 *
 * The model follows storage_vaai_lease.c:
 *   virStorageVaaiSessionJoin      start of main(): the slot, counter 0
 *   virStorageVaaiRenew            ISSUE / RENEWED (heartbeat, in clock())
 *   virStorageVaaiSessionAcquire   M_READ (lease), SLOTREAD/M_SLOT (the
 *                                  holder's slot, virStorageVaaiWatchStale),
 *                                  M_CAW (acquire or take over)
 *   virStorageVaaiSessionMayWrite  M_FENCE
 *   virStorageVaaiSessionVerify    M_REASSERT, M_RA_READ (re-verify)
 *   virStorageVaaiSessionRelease   M_RELEASE, M_REL_READ
 *   virStorageVaaiSessionLeave     M_DONE (stay joined, or free the slot)
 * The code once differed from the protocol in the points below, where it
 * was unsafe or lost liveness; all are fixed in storage_vaai_lease.c
 * (docs/lease-protocol.md, "The code as written").  Each keeps a switch
 * that puts the old behaviour back (AS_CODED: all of them), and
 * check-lease shows each one fail, so that the model keeps showing what
 * each fix prevents.  Several operations of one process on one lease are
 * operations.pml's:
 *   BUG_NO_CHAIN          MayWrite is held && renewal younger than T/2:
 *                         after a lapse of the fence the holder writes again
 *                         on a fresh heartbeat alone, without re-verifying
 *                         the lease (docs/format.md: "stops and re-verifies");
 *                         Acquire judges freshness only after its CAW
 *                         (BUG_VALID_LATE is this part alone)
 *   BUG_STAMP_AFTER       a renewal is timed when its CAW completes, not
 *                         before it is issued
 *   BUG_WATCH_CLOCK_AFTER a watcher judges expiry with the clock read after
 *                         its read of the holder's slot completed
 *   BUG_RELEASE_GIVES_UP  a miscompare or error on release is not re-read:
 *                         the lease stays with a live host that believes it
 *                         released it
 *   BUG_RENEW_LOST_FENCES a renewal applied with its status lost makes the
 *                         next renewal miscompare on its own counter; the
 *                         host then takes itself for dead for good
 *
 * Granularity: one step of the main thread is one I/O to the LUN together
 * with the host's local decision on its result.  COMPARE AND WRITE (CAW) is
 * one atomic step: compare the whole record, replace it if equal.  A READ
 * is its own step, so what it returned may be stale by the time a later
 * step uses it.  A CAW whose compare holds may, at most FAULTS times per
 * run, report a miscompare without writing (false miscompare), or write and
 * lose its status (the host sees an error, as after a transport timeout).
 *
 * Time: between two ticks every running main thread takes steps until it
 * waits for the next tick; the steps of all hosts interleave arbitrarily.
 * The heartbeat acts at the ticks (part of the clock step).  Slowness:
 *   - stalls: at most STALLS times per run, a host's main thread (at any
 *     moment, between any two of its steps, and between the two reads of
 *     one Acquire round: PAUSE) or its heartbeat (also with a renewal in
 *     flight) or both stop for 1..MAXSTALL ticks (MAXSTALL > T);
 *   - I/O latency: a metadata write is applied 0..D ticks after the fence
 *     check that allowed it (the bound the proof needs); a renewal is
 *     applied 0..D ticks after it is issued unless a stall falls on it;
 *     other I/O has no latency bound (a stall may fall on it);
 *   - the clock of a host may run slow (SKEW).
 * Crashes: at most CRASHES hosts stop for ever, at any moment except while
 * a renewal or metadata write of theirs is in flight (such a crash is the
 * I/O applied within D ticks, or never, then the crash).
 *
 * RESERVE: hosts are fenced at the array by persistent reservation as
 * well: whoever takes over a lease it judged dead first removes the
 * holder's key (PREEMPT AND ABORT), which aborts the holder's write in
 * flight and refuses its later ones; the latency bound D then need not
 * hold (T >= F + D is not assumed).
 *
 * Further switches for bug variants tests/model/check-lease must see fail:
 *   BUG_NO_FENCE          the holder writes whenever it believes it holds
 *   BUG_TAKEOVER_EARLY    takeover after T/4 ticks instead of T
 *   BUG_ASSUME_MISCOMPARE a miscompare on acquire or release is taken to
 *                         mean "another host has it", without re-reading
 *   BUG_REVERIFY_BY_READ  after a fence lapse the holder re-verifies by
 *                         reading the lease instead of by CAW
 *   BUG_VALID_LATE        the holder judges its heartbeat fresh when its
 *                         lease CAW completes, not before issuing it
 *   BUG_WATCH_NO_REREAD   a watcher watches the holder's counter without
 *                         re-reading the lease
 *   BUG_NO_ADOPT          a host whose lease CAW was applied with the status
 *                         lost, and which then reads itself as the owner,
 *                         treats the lease as held by another host
 *   BUG_RELEASE_BY_WRITE  release by a plain WRITE instead of a CAW
 *   BUG_NO_GENERATION     lease CAWs compare the owner only, not the generation
 *   BUG_NO_PREEMPT        (with RESERVE) a takeover does not remove the
 *                         holder's key first
 *
 * printf()s only show in simulations and counterexample replays
 * (spin -t -p), not in verification runs.
 */

#ifdef AS_CODED
#define BUG_NO_CHAIN
#define BUG_STAMP_AFTER
#define BUG_WATCH_CLOCK_AFTER
#define BUG_RELEASE_GIVES_UP
#define BUG_RENEW_LOST_FENCES
#endif

#define N 3
#define FREE N              /* owner of a free lease */
#define NONE 255

/* Timing, in ticks of the host's own clock (D: global ticks). */
#ifndef T
#define T 4                 /* takeover: holder's counter unchanged for T ticks */
#endif
#ifndef F
#define F 2                 /* fence: write only while the last renewal was issued < F ticks ago */
#endif
#ifndef P
#define P 1                 /* heartbeat period */
#endif
#ifndef D
#define D 1                 /* a renewal or metadata write is applied within D ticks */
#endif
#ifndef SKEW
#define SKEW 0              /* 0: clocks advance on every tick; k > 0: a host's clock
                               may miss a tick once it has advanced on k ticks in a row */
#endif
#ifndef STALLS
#define STALLS 1
#endif
#ifndef MAXSTALL
#define MAXSTALL (T + 1)
#endif
#ifndef FAULTS
#define FAULTS 1            /* false miscompares + lost statuses, per run */
#endif
#ifndef LATE
#define LATE 1              /* takeover CAWs applied a tick late, per run */
#endif
#ifndef CRASHES
#define CRASHES 1
#endif
#ifndef WORK
#define WORK 1              /* metadata writes per hold */
#endif
#ifndef THINK
#define THINK 1             /* up to THINK idle ticks before each write */
#endif
#ifndef ROUNDS
#define ROUNDS 1            /* acquisitions each host wants */
#endif

#ifdef BUG_TAKEOVER_EARLY
#define TK (T / 4)
#else
#define TK T
#endif

#define OK   0
#define MISC 1              /* miscompare reported (true or false) */
#define ERR  2              /* status lost: the CAW may have been applied */

/* ---- on the LUN ---- */
byte lease_own = FREE;      /* lease block: owner (FREE: free) */
byte lease_gen = 0;         /*              generation */
bit  slot_used[N];          /* heartbeat slot i: identity (host i, or free).  Its counter
                               is abstracted by hbchg: counters only grow, so "differs
                               from the value last read" is "renewed since" */

/* ---- per host: clocks (local ticks, saturating) ---- */
byte hb_age[N];             /* since the last successful renewal was stamped (sat F): its
                               issue; BUG_STAMP_AFTER: its completion */
byte iss_age[N];            /* since the issue of the renewal in flight (sat F) */
byte hbd[N];                /* global ticks until the renewal in flight is applied */
byte watch_age[N];          /* since the watcher started watching the counter it
                               last saw (sat T) */
byte since_skip[N];         /* ticks since the clock last missed one (sat SKEW) */
#ifdef BUG_STAMP_AFTER
bit  pend[N];               /* renewal applied, its completion (and stamp) not yet seen */
#endif
#ifdef BUG_RENEW_LOST_FENCES
bit  hbdead[N];             /* the heartbeat found "its slot taken over" and stopped */
#endif

/* ---- per host: protocol state ---- */
bit  valid[N];              /* renewal chain unbroken since the last lease CAW was issued */
byte mygen[N];              /* the generation it holds */
byte vown[N];               /* last lease read: owner */
byte vgen[N];               /*                  generation */
byte wown[N];               /* the watch (virStorageVaaiWatch): whose slot (NONE: none) */
bit  hbchg[N];              /* slot wown[i]'s counter changed since host i last read it */
bit  want[N];               /* wants the lease: from the start of each round to the
                               first metadata write of that round */

/* ---- scheduling ---- */
byte busy[N];               /* main thread: 0 waits for the next tick, 1 runs, 2 finished */
bit  stalled[2 * N];        /* [i]: host i's heartbeat, [N + i]: its main thread */
bit  crashed[N + 1];        /* [FREE] stays 0, so crashed[lease_own] is defined */
byte faults = FAULTS;
byte crashes = CRASHES;
byte stalls = STALLS;
byte late = LATE;
byte stp = NONE;            /* the stall: i heartbeat, N + i main thread, 2N + i both, of host i */
byte stall_len;

/* ---- ghosts ---- */
hidden int tnow;            /* global ticks, for printf only (not in the state) */
bit  cs[N];                 /* from the fence check to the write being applied */
byte ncs;

#ifdef RESERVE
/* ---- fencing by persistent reservation (docs/lease-protocol.md, "Fencing
 * at the array"): host i's key is registered (keyed[i]) until another
 * host presumes it dead; a write of a host whose key is gone is refused
 * when it reaches the array ("PREEMPT AND ABORT ... aborts all tasks"),
 * and the host, told so, registers again (a new incarnation) and starts
 * over. ---- */
bit  keyed[N];

/* "removes the registrations ... and aborts all tasks": a write of the
 * victim in flight is aborted (it leaves the critical section: it will
 * never be applied). */
#ifdef BUG_NO_PREEMPT
#define PREEMPT(v) skip     /* registered, reserved, but nobody preempts */
#else
#define PREEMPT(v) \
    printf("t=%d host %d: PREEMPT AND ABORT host %d's key\n", tnow, i, v); \
    keyed[v] = 0; \
    if \
    :: cs[v] -> cs[v] = 0; ncs-- \
    :: else \
    fi
#endif
#else
#define PREEMPT(v) skip
#endif

#define IDLE(i)  (busy[i] != 1 || stalled[N + (i)] || crashed[i])
#define ALLIDLE  (IDLE(0) && IDLE(1) && IDLE(2))

/* A lease write, inside a CAW whose compare held: the generation only grows. */
#define LWRITE(me, no, ng) \
    printf("t=%d host %d: lease (%d,%d) -> (%d,%d)   [owner %d = free]\n", tnow, me, lease_own, lease_gen, no, ng, FREE); \
    assert((ng) > lease_gen); \
    lease_own = no; \
    lease_gen = ng

/* COMPARE AND WRITE of the lease: expect (eo, eg), write (no, ng). */
#ifdef BUG_NO_GENERATION
#define SAMEGEN(eg) true
#else
#define SAMEGEN(eg) (lease_gen == eg)
#endif
#define LEASE_CAW(me, eo, eg, no, ng) \
    if \
    :: lease_own == eo && SAMEGEN(eg) -> \
        if \
        :: LWRITE(me, no, ng); res = OK \
        :: faults > 0 -> faults--; res = MISC; \
            printf("t=%d host %d: lease CAW: false miscompare\n", tnow, me) \
        :: faults > 0 -> faults--; LWRITE(me, no, ng); res = ERR; \
            printf("t=%d host %d: lease CAW applied, status lost\n", tnow, me) \
        fi \
    :: else -> res = MISC \
    fi

/* ======================================================================
 * Main thread.  pc values:
 */
#define M_READ     1        /* read the lease and decide */
#define M_SLOT     2        /* read the holder's slot after a stall (else part of M_READ) */
#define M_STALE    3        /* BUG_WATCH_CLOCK_AFTER: judge the slot read (clock read now) */
#define M_CAW      4        /* CAW (as read) -> (me, generation + 1): acquire or takeover */
#define M_GOT      5        /* BUG_VALID_LATE: a lease CAW of ours succeeded: take note */
#define M_FENCE    6        /* fence check, then write (or wait, or re-assert) */
#define M_WRITE    7        /* write in flight */
#define M_REASSERT 8        /* CAW me -> me, generation + 1 */
#define M_RA_READ  9        /* re-read after a failed re-assert */
#define M_RELEASE  10       /* CAW me -> free */
#define M_REL_READ 11       /* re-read after a failed release */
#define M_WAITCHG  12       /* BUG_ASSUME_MISCOMPARE: wait for the lease to change */
#define M_DONE     13

/* The heartbeat is fresh: the last renewal was stamped less than F ticks
 * ago; noted just before a lease CAW is issued.  The code has no chain:
 * holding and a fresh heartbeat are enough (BUG_NO_CHAIN). */
#ifdef BUG_NO_CHAIN
#define SETVALID valid[i] = 1
#else
#define SETVALID valid[i] = (hb_age[i] < F)
#endif

/* A takeover CAW is applied at once or, at most LATE times per run, a tick
 * later (its latency has no bound in the protocol; a longer one is a stall). */
#define LAT if :: true :: late > 0 -> late--; busy[i] = 0 fi

/* Decide on the lease just read into vown/vgen (in the step that read it). */
#define DECIDE \
    if \
    :: vown[i] == FREE -> SETVALID; pc = M_CAW \
    :: vown[i] == i -> ADOPT \
    :: else -> \
        if \
        :: SLOTREAD \
        PAUSE(M_SLOT) \
        fi \
    fi

#ifdef BUG_NO_ADOPT
#define ADOPT pc = M_SLOT; busy[i] = 0
#else
/* "Ours already": our CAW was applied, its status lost (valid[i] was set
 * before it was issued and the chain has been followed since). */
#define ADOPT mygen[i] = vgen[i]; GOTSTEP
#endif

/* The main thread (PAUSE: or the whole host) stalls right here, before
 * going on at next; the same stall clock() can start at any moment, taken
 * inside this step to mark where it falls. */
#define PAUSE(next) \
    :: stalls > 0 && stp == NONE -> pc = next; stp = N + i; stalls--; \
        printf("t=%d host %d: main thread stalls\n", tnow, i); \
        stalled[N + i] = 1      /* last: it ends the step (provided clause) */ \
    :: stalls > 0 && stp == NONE -> pc = next; stp = 2 * N + i; stalls--; \
        printf("t=%d host %d: stalls (heartbeat and main thread)\n", tnow, i); \
        stalled[i] = 1; stalled[N + i] = 1

/* Sleep until the next tick, then read the lease again.  What was read
 * is dead until then (the watch is in wown, hbchg, watch_age); cleared so
 * that it does not multiply the states. */
#ifdef BUG_WATCH_NO_REREAD
#define SLEEP pc = M_READ; valid[i] = 0; busy[i] = 0
#else
#define SLEEP pc = M_READ; valid[i] = 0; vown[i] = FREE; vgen[i] = 0; busy[i] = 0
#endif

/* virStorageVaaiWatchStale on the slot of vown[i]: a new holder or a
 * changed counter (re)starts the watch; else stale after TK ticks. */
#define STALE(changed) \
    if \
    :: changed -> \
        wown[i] = vown[i]; hbchg[i] = 0; watch_age[i] = 0; \
        SLEEP \
    :: !(changed) && watch_age[i] < TK -> SLEEP \
    :: !(changed) && watch_age[i] >= TK -> \
        printf("t=%d host %d: counter of host %d unchanged for %d ticks: take over\n", tnow, i, vown[i], watch_age[i]); \
        PREEMPT(vown[i]); \
        SETVALID; pc = M_CAW; LAT \
    fi

/* Read the holder's slot (virStorageVaaiReadSlot) and judge it.  The slot
 * changes only at ticks, so this read commutes with the other hosts' steps
 * within a tick: it is taken in the step that read the lease, or after a
 * stall that starts between the two reads (M_SLOT), which covers every
 * interleaving that matters. */
#ifdef BUG_WATCH_CLOCK_AFTER
/* The counter is read now; the clock is read when the result is looked at:
 * at once, or (M_STALE) after a stall. */
#define JUDGE \
    seen = (hbchg[i] || wown[i] != vown[i]); \
    hbchg[i] = 0; \
    if \
    :: STALE(seen); seen = 0 \
    PAUSE(M_STALE) \
    fi
#else
/* Expiry is judged on the clock as it was before the read was issued
 * (here: the same step). */
#define JUDGE STALE(hbchg[i] || wown[i] != vown[i])
#endif
#define SLOTREAD \
    if \
    :: !slot_used[vown[i]] -> SETVALID; pc = M_CAW  /* it no longer holds the holder */ \
    :: else -> JUDGE \
    fi

/* Our lease CAW succeeded (or was found applied): take note.  The code
 * judges the heartbeat's freshness only now (BUG_VALID_LATE, part of
 * BUG_NO_CHAIN), possibly after a stall; else nothing here reads the clock
 * and it is part of the step that saw the result. */
#define GOT \
    wown[i] = NONE; watch_age[i] = 0; hbchg[i] = 0; \
    w = WORK; d = 0; pc = M_FENCE
#ifdef BUG_VALID_LATE
#define GOTSTEP if :: SETVALID; GOT PAUSE(M_GOT) fi
#else
#define GOTSTEP GOT
#endif

/* The renewal's time stamp: the issue of the CAW, or (BUG_STAMP_AFTER)
 * when the CAW is seen completed, at once or after a stall of the heartbeat
 * thread. */
#ifdef BUG_STAMP_AFTER
#define STAMP(i) if :: hb_age[i] = 0 :: pend[i] = 1 fi
#define COMPLETE(i) if :: pend[i] -> pend[i] = 0; hb_age[i] = 0 :: else fi
#define NOPEND(i) !pend[i]
#else
#define STAMP(i) hb_age[i] = iss_age[i]
#define COMPLETE(i) skip
#define NOPEND(i) true
#endif

/* A renewal applied with its status lost: the fixed protocol re-reads the
 * slot, finds its identity and counter + 1, and counts it (like latency).
 * The code compares the slot with counter, not counter + 1, takes itself for
 * taken over and stops heartbeating (BUG_RENEW_LOST_FENCES). */
#ifdef BUG_RENEW_LOST_FENCES
#define RSTATUS(i) \
    if \
    :: STAMP(i) \
    :: faults > 0 -> faults--; hbdead[i] = 1; \
        printf("t=%d host %d: renewal applied, status lost: heartbeat stops\n", tnow, i) \
    fi
#define HBDEAD(i) || hbdead[i]
#define NOTDEAD(i) !hbdead[i]
#else
#define RSTATUS(i) STAMP(i)
#define HBDEAD(i)
#define NOTDEAD(i) true
#endif

/* Leave may free the slot: the heartbeat thread joined with nothing in
 * flight, and not fenced (the code frees the slot only then). */
#define HBIDLE(i) (hbd[i] == 0 && NOPEND(i) && NOTDEAD(i))

proctype main(byte i) provided (!crashed[i] && !stalled[N + i])
{
    byte pc, res, d, w, rounds;
#ifdef BUG_WATCH_CLOCK_AFTER
    bit seen;
#endif

    /* Join: claim slot i by CAW, counter 0, the first renewal. */
    atomic {
        slot_used[i] = 1;
        hb_age[i] = 0;
        want[i] = 1;
        pc = M_READ
    }

    do
    :: atomic {
        busy[i] == 1 ->
        if
        :: pc == M_READ ->
#ifdef BUG_WATCH_NO_REREAD
            if
            :: wown[i] == NONE -> vown[i] = lease_own; vgen[i] = lease_gen
            :: else                     /* watching: keep the lease read before */
            fi;
#else
            vown[i] = lease_own; vgen[i] = lease_gen;
#endif
            DECIDE

        :: pc == M_SLOT -> SLOTREAD

#ifdef BUG_WATCH_CLOCK_AFTER
        :: pc == M_STALE -> STALE(seen); seen = 0
#endif

        :: pc == M_CAW ->
            LEASE_CAW(i, vown[i], vgen[i], i, vgen[i] + 1);
            if
            :: res == OK -> mygen[i] = vgen[i] + 1; GOTSTEP
#ifdef BUG_ASSUME_MISCOMPARE
            :: else -> valid[i] = 0; pc = M_WAITCHG; busy[i] = 0
#else
            :: res == MISC -> valid[i] = 0; pc = M_READ     /* re-read, re-decide */
            :: res == ERR -> pc = M_READ                    /* (valid kept for ADOPT) */
#endif
            fi

#ifdef BUG_VALID_LATE
        :: pc == M_GOT -> SETVALID; GOT
#endif

        :: pc == M_FENCE ->
            if
            :: d < THINK -> d++; busy[i] = 0                /* idle a tick */
#ifdef BUG_NO_FENCE
            :: true ->
#else
            :: valid[i] && hb_age[i] < F ->
#endif
                printf("t=%d host %d: metadata write issued (renewal age %d, valid %d)\n", tnow, i, hb_age[i], valid[i]);
                want[i] = 0;
#ifdef RESERVE
                /* A write whose key is gone never applies: no critical
                 * section (the array refuses it on arrival, below). */
                if
                :: keyed[i] -> cs[i] = 1; ncs++; assert(ncs == 1)
                :: else
                fi;
#else
                cs[i] = 1; ncs++; assert(ncs == 1);
#endif
                /* in flight for d = 0..D ticks */
                d = 0;
                do
                :: d < D -> d++
                :: break
                od;
                pc = M_WRITE
            :: !valid[i] && hb_age[i] < F ->
                printf("t=%d host %d: heartbeat chain broken: re-assert\n", tnow, i);
#ifdef BUG_REVERIFY_BY_READ
                /* read the lease: still ours, so carry on */
                if
                :: lease_own == i && lease_gen == mygen[i] -> valid[i] = 1
                :: else -> want[i] = 1; pc = M_READ
                fi
#else
                valid[i] = 1;                               /* fresh now */
                pc = M_REASSERT
#endif
            :: hb_age[i] >= F -> busy[i] = 0                /* fenced: wait */
            fi

        :: pc == M_WRITE && d > 0 -> d--; busy[i] = 0       /* in flight */
#ifdef RESERVE
        :: pc == M_WRITE && d == 0 && !cs[i] ->
            /* Aborted in flight, or refused on arrival (RESERVATION
             * CONFLICT): fenced; join again under a new key, start over. */
            printf("t=%d host %d: metadata write refused: fenced at the array\n", tnow, i);
            keyed[i] = 1;
            valid[i] = 0; want[i] = 1;
            pc = M_READ; busy[i] = 0
        :: pc == M_WRITE && d == 0 && cs[i] ->
#else
        :: pc == M_WRITE && d == 0 ->
#endif
            /* The write is applied: the lease must still be ours. */
            printf("t=%d host %d: metadata write applied (lease is (%d,%d))\n", tnow, i, lease_own, lease_gen);
            assert(lease_own == i && lease_gen == mygen[i]);
            cs[i] = 0; ncs--;
            w--;
            if
            :: w > 0 -> pc = M_FENCE
            :: else -> pc = M_RELEASE
            fi

        :: pc == M_REASSERT ->
            LEASE_CAW(i, i, mygen[i], i, mygen[i] + 1);
            if
            :: res == OK -> mygen[i]++; pc = M_FENCE
            :: else -> pc = M_RA_READ
            fi

        :: pc == M_RA_READ ->
            vown[i] = lease_own; vgen[i] = lease_gen;
            if
            :: vown[i] == i && vgen[i] == mygen[i] -> pc = M_REASSERT      /* false miscompare */
            :: vown[i] == i && vgen[i] == mygen[i] + 1 -> mygen[i]++; pc = M_FENCE  /* status lost */
            :: else -> valid[i] = 0; w = 0; d = 0; mygen[i] = 0; want[i] = 1; DECIDE
            fi

        :: pc == M_RELEASE ->
#ifdef BUG_RELEASE_BY_WRITE
            LWRITE(i, FREE, mygen[i] + 1); res = OK;
#else
            LEASE_CAW(i, i, mygen[i], FREE, mygen[i] + 1);
#endif
            if
            :: res == OK -> pc = M_DONE
#if defined(BUG_ASSUME_MISCOMPARE) || defined(BUG_RELEASE_GIVES_UP)
            :: else -> pc = M_DONE                  /* "someone else has it" */
#else
            :: else -> pc = M_REL_READ
#endif
            fi

        :: pc == M_REL_READ ->
            vown[i] = lease_own; vgen[i] = lease_gen;
            if
            :: vown[i] == i && vgen[i] == mygen[i] -> pc = M_RELEASE       /* false miscompare */
            :: else -> pc = M_DONE                  /* released (status lost), or taken over */
            fi

        :: pc == M_WAITCHG ->
            if
            :: lease_own != vown[i] || lease_gen != vgen[i] ->
                vown[i] = lease_own; vgen[i] = lease_gen;
                DECIDE
            :: else -> busy[i] = 0
            fi
        fi;
        if
        :: pc == M_DONE ->
            rounds++;
            mygen[i] = 0; vown[i] = FREE; vgen[i] = 0; valid[i] = 0; w = 0;
            wown[i] = NONE; watch_age[i] = 0; hbchg[i] = 0;
            if
            :: rounds < ROUNDS -> want[i] = 1; pc = M_READ
            :: rounds >= ROUNDS -> busy[i] = 2      /* stays joined (a daemon) */
#ifdef LEAVE
            :: rounds >= ROUNDS && HBIDLE(i) ->     /* leaves: heartbeat thread joined, */
                busy[i] = 2; slot_used[i] = 0       /* the slot freed by CAW */
#endif
            fi
        :: else
        fi;
        res = 0
    }
    od
}

/* ======================================================================
 * Clock: ticks (with the heartbeats), crashes, stalls.
 */

/* Slot i's renewal, (me, c) -> (me, c + 1), is applied.  A false
 * miscompare on it is re-read and retried at once: the same as latency,
 * covered by D. */
#define RENEWED(i) \
    if :: wown[0] == i -> hbchg[0] = 1 :: else fi; \
    if :: wown[1] == i -> hbchg[1] = 1 :: else fi; \
    if :: wown[2] == i -> hbchg[2] = 1 :: else fi; \
    RSTATUS(i); \
    iss_age[i] = 0

/* Issue a renewal: the time stamp is taken before the CAW.  A renewal issued
 * after the previous one's fence expired breaks the chain: a holder must
 * re-assert the lease before it writes again.  In flight for 0..D ticks. */
#ifdef BUG_NO_CHAIN
#define CHAIN(i)
#else
#define CHAIN(i) \
    if \
    :: hb_age[i] >= F -> valid[i] = 0; \
        printf("t=%d host %d: renewal issued after its fence expired (chain broken)\n", tnow, i) \
    :: else \
    fi
#endif
#define ISSUE(i) \
    CHAIN(i); \
    iss_age[i] = 0; \
    hbd[i] = 0; \
    do \
    :: hbd[i] < D -> hbd[i]++ \
    :: break \
    od; \
    if \
    :: hbd[i] == 0 -> RENEWED(i) \
    :: else \
    fi

#define HEARTBEAT(i) \
    if \
    :: crashed[i] || stalled[i] || !slot_used[i] HBDEAD(i) \
    :: else -> \
        COMPLETE(i); \
        if \
        :: hbd[i] > 0 -> \
            hbd[i]--; \
            if \
            :: hbd[i] == 0 -> RENEWED(i) \
            :: else \
            fi \
        :: else \
        fi; \
        if \
        :: hbd[i] == 0 && NOPEND(i) && NOTDEAD(i) && hb_age[i] >= P -> ISSUE(i) \
        :: else \
        fi \
    fi

#define CLOCK(i) \
    if \
    :: crashed[i] \
    :: else -> \
        if \
        :: SKEW > 0 && since_skip[i] >= SKEW -> since_skip[i] = 0 \
        :: true -> \
            if :: since_skip[i] < SKEW -> since_skip[i]++ :: else fi; \
            if :: hb_age[i] < F -> hb_age[i]++ :: else fi; \
            if :: hbd[i] > 0 && iss_age[i] < F -> iss_age[i]++ :: else fi; \
            if :: wown[i] != NONE && watch_age[i] < T -> watch_age[i]++ :: else fi \
        fi \
    fi

#define WAKE(i) if :: busy[i] == 0 && !stalled[N + i] && !crashed[i] -> busy[i] = 1 :: else fi

#define CANSTALL_HB(i)   (stalls > 0 && stp == NONE && !crashed[i] && slot_used[i])
#define CANSTALL_MAIN(i) (stalls > 0 && stp == NONE && !crashed[i] && busy[i] != 2 && !cs[i])
#define CANSTALL_HOST(i) (CANSTALL_HB(i) && CANSTALL_MAIN(i))
#define CANCRASH(i)      (crashes > 0 && !crashed[i] && hbd[i] == 0 && !cs[i])

active proctype clock()
{
    atomic {
        vown[0] = FREE; vown[1] = FREE; vown[2] = FREE;
        wown[0] = NONE; wown[1] = NONE; wown[2] = NONE;
        since_skip[0] = SKEW; since_skip[1] = SKEW; since_skip[2] = SKEW;
        busy[0] = 1; busy[1] = 1; busy[2] = 1;
#ifdef RESERVE
        keyed[0] = 1; keyed[1] = 1; keyed[2] = 1;
#endif
        run main(0); run main(1); run main(2)
    }
    do
    /* A main thread stalls, at any moment. */
    :: atomic { CANSTALL_MAIN(0) -> stalled[N + 0] = 1; stp = N + 0; stalls--;
                printf("t=%d host 0: main thread stalls\n", tnow) }
    :: atomic { CANSTALL_MAIN(1) -> stalled[N + 1] = 1; stp = N + 1; stalls--;
                printf("t=%d host 1: main thread stalls\n", tnow) }
    :: atomic { CANSTALL_MAIN(2) -> stalled[N + 2] = 1; stp = N + 2; stalls--;
                printf("t=%d host 2: main thread stalls\n", tnow) }
    /* A host stalls (both threads: a paused VM, SIGSTOP), at any moment. */
    :: atomic { CANSTALL_HOST(0) -> stalled[0] = 1; stalled[N + 0] = 1; stp = 2 * N + 0; stalls--;
                printf("t=%d host 0: stalls (heartbeat and main thread)\n", tnow) }
    :: atomic { CANSTALL_HOST(1) -> stalled[1] = 1; stalled[N + 1] = 1; stp = 2 * N + 1; stalls--;
                printf("t=%d host 1: stalls (heartbeat and main thread)\n", tnow) }
    :: atomic { CANSTALL_HOST(2) -> stalled[2] = 1; stalled[N + 2] = 1; stp = 2 * N + 2; stalls--;
                printf("t=%d host 2: stalls (heartbeat and main thread)\n", tnow) }
    /* A tick, once every running main thread waits for it. */
    :: atomic {
        ALLIDLE ->
        tnow++;
        /* The stall in progress goes on, or ends (at the latest after
         * MAXSTALL ticks); or a heartbeat stalls. */
        if
        :: stp != NONE ->
            stall_len++;
            if
            :: true ->
                if
                :: stp < 2 * N -> stalled[stp] = 0
                :: else -> stalled[stp - 2 * N] = 0; stalled[stp - N] = 0
                fi;
                printf("t=%d stall ends\n", tnow);
                stp = NONE; stall_len = 0
            :: stall_len < MAXSTALL
            fi
        :: stp == NONE
        :: CANSTALL_HB(0) -> stalled[0] = 1; stp = 0; stalls--;
            printf("t=%d host 0: heartbeat stalls\n", tnow)
        :: CANSTALL_HB(1) -> stalled[1] = 1; stp = 1; stalls--;
            printf("t=%d host 1: heartbeat stalls\n", tnow)
        :: CANSTALL_HB(2) -> stalled[2] = 1; stp = 2; stalls--;
            printf("t=%d host 2: heartbeat stalls\n", tnow)
        fi;
        /* A host crashes. */
        if
        :: true
        :: CANCRASH(0) -> crashed[0] = 1; want[0] = 0; crashes--;
            printf("t=%d host 0: crashes\n", tnow)
        :: CANCRASH(1) -> crashed[1] = 1; want[1] = 0; crashes--;
            printf("t=%d host 1: crashes\n", tnow)
        :: CANCRASH(2) -> crashed[2] = 1; want[2] = 0; crashes--;
            printf("t=%d host 2: crashes\n", tnow)
        fi;
        /* Every clock advances, or misses this tick. */
        CLOCK(0); CLOCK(1); CLOCK(2);
        /* Heartbeats. */
        HEARTBEAT(0); HEARTBEAT(1); HEARTBEAT(2);
        /* Every waiting main thread that is not stalled runs again. */
        WAKE(0); WAKE(1); WAKE(2)
    }
    od
}

/* ======================================================================
 * Liveness, checked with pan -a -f (weak fairness).
 */

/* A host that wants the lease gets it and writes under it, unless it crashes. */
ltl get1 { [] (want[1] -> <> (!want[1] || crashed[1])) }

/* A lease held by a crashed host goes to a host that wants it. */
ltl takeover { [] ((want[1] && crashed[lease_own]) -> <> (lease_own == 1 || crashed[1])) }
