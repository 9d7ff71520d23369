"""Results of the scripts that are not (yet) pytest tests: one `ok - ...`
or `not ok - ...` line per check, kept in a file too when a run inside
the array's guest hands them back to the host, and the summary.  Threads may share one."""

import threading


class Results:
    def __init__(self, path=None):
        self.passed = 0
        self.failed = 0
        self.path = path
        self.lock = threading.Lock()

    def emit(self, line):
        if self.path:
            with open(self.path, "a") as f:
                f.write(line + "\n")
        print(line, flush=True)

    def say(self, line):
        """A comment line (# ...), in one piece among threads."""
        with self.lock:
            print(line, flush=True)

    def check(self, cond, what, detail=None):
        with self.lock:
            if cond:
                self.passed += 1
                self.emit(f"ok - {what}")
            else:
                self.failed += 1
                self.emit(f"not ok - {what}")
                for line in str(detail or "").splitlines()[:40]:
                    self.emit(f"#   {line}")
        return bool(cond)

    def count(self, line):
        """Count a result line relayed from elsewhere (the guest)."""
        if line.startswith("ok - "):
            self.passed += 1
        elif line.startswith("not ok - "):
            self.failed += 1

    def summary(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed or not self.passed else 0
