"""Processes under test: whether one is stopped, and an operation
interrupted at an exact moment."""

import os
import resource
import signal
import subprocess
import time


def stopped(pid):
    """Whether process @pid is stopped (state T in /proc/PID/stat)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("T", "t")
    except OSError:
        return False


def last_line(text):
    """The last line of @text (an error message), or ''."""
    text = text.strip()
    return text.splitlines()[-1] if text else ""


class Interrupted:
    """What interrupted() saw: returncode, out, err, took (seconds from
    going on to the end), cpu (CPU seconds it used), went (it had reached
    its first piece of data and stopped there)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def interrupted(argv, env, interrupt):
    """Run @argv until its first piece of data moved, where it stops
    itself (crash point data.piece:1:stop: an exact moment whatever the
    machine's speed), call @interrupt() (the target goes away), let it go
    on and wait for its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.Popen(argv, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=dict(env, VIR_STORAGE_VAAI_CRASH_AT="data.piece:1:stop"))
    deadline = time.monotonic() + 60
    while not stopped(p.pid) and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    went = stopped(p.pid)
    interrupt()
    if p.poll() is None:
        os.kill(p.pid, signal.SIGCONT)
    t0 = time.monotonic()
    try:
        out, err = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    took = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Interrupted(returncode=p.returncode, out=out, err=err, took=took, cpu=cpu,
                       went=went)
