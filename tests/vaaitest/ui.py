"""A real virt-manager window for tests, driven through the accessibility
bus as virt-manager's own UI tests drive it (dogtail): an X server without
a screen (Xvfb), a session bus of its own (dbus-launch; the accessibility
bus is started on it by D-Bus activation), and the installed
/usr/bin/virt-manager on that display.

    with Desktop(shots_dir) as desk:
        app = desk.launch("qemu:///system")
        win = desk.window("QEMU/KVM - Connection Details")
        desk.shot("storage", win)

Windows are found by their title, widgets by the label next to them
(labelled()) or their accessible name; waits poll with a deadline instead
of sleeping a fixed time.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

# Importing dogtail needs the display and the bus: imported in launch().
dogtail = None


def _free_display():
    n = 70
    while os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
        n += 1
    return n


def wait_for(what, predicate, timeout=60, interval=0.25):
    """predicate()'s first true value within TIMEOUT seconds, else an
    AssertionError naming WHAT."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:           # a node went away while we looked: look again
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class Desktop:
    def __init__(self, shots_dir):
        self.shots_dir = shots_dir
        self.env = None
        self.procs = []
        self.app = None
        self.tmp = None
        self.log = None

    # --- lifecycle -----------------------------------------------------------

    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="vaai-ui-")
        display = _free_display()
        xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", "1280x1024x24",
                                 "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(xvfb)
        wait_for("Xvfb", lambda: os.path.exists(f"/tmp/.X11-unix/X{display}"), 30)
        env = dict(os.environ, DISPLAY=f":{display}", HOME=self.tmp,
                   XDG_RUNTIME_DIR=self.tmp, XDG_CONFIG_HOME=f"{self.tmp}/config",
                   XDG_CACHE_HOME=f"{self.tmp}/cache")
        for k in ("NO_AT_BRIDGE", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
            env.pop(k, None)
        out = subprocess.run(["dbus-launch", "--sh-syntax"], env=env, check=True,
                             capture_output=True, text=True).stdout
        for key in ("DBUS_SESSION_BUS_ADDRESS", "DBUS_SESSION_BUS_PID"):
            m = re.search(rf"{key}='?([^';]+)'?;", out)
            assert m, f"dbus-launch said: {out}"
            env[key] = m.group(1)
        self.env = env
        # dogtail and Gdk read these at import, in this process.
        os.environ.update({k: env[k] for k in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS")})
        os.environ.pop("NO_AT_BRIDGE", None)
        return self

    def __exit__(self, *exc):
        if self.app is not None and self.app.poll() is None:
            self.app.send_signal(signal.SIGINT)
            try:
                self.app.wait(10)
            except subprocess.TimeoutExpired:
                self.app.kill()
                self.app.wait()
        if self.env and self.env.get("DBUS_SESSION_BUS_PID"):
            # the bus and what it activated (the accessibility bus, its registry)
            subprocess.run(["pkill", "-f", f"{self.tmp}"], check=False)
            try:
                os.kill(int(self.env["DBUS_SESSION_BUS_PID"]), signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in self.procs:
            p.terminate()
            p.wait()
        if self.log:
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def launch(self, uri, logfile):
        """/usr/bin/virt-manager on URI, its debug log in LOGFILE; returns
        its accessible application node."""
        global dogtail
        import gi
        gi.require_version("Atspi", "2.0")
        gi.require_version("Gdk", "3.0")
        import dogtail.config
        # A screenless X server has no desktop session that would switch
        # accessibility on in gsettings: GTK exports the tree regardless.
        dogtail.config.config.checkForA11y = False
        dogtail.config.config.searchBackoffDuration = 0.2
        dogtail.config.config.searchCutoffCount = 50
        dogtail.config.config.actionDelay = 0.2
        dogtail.config.config.defaultDelay = 0.2
        dogtail.config.config.logDebugToStdOut = False
        dogtail.config.config.logDebugToFile = False
        import dogtail.tree
        self.log = open(logfile, "w")
        # --test-options=first-run: gsettings in memory, no keyring, no
        # "connect to qemu:///system?" question: what virt-manager's own
        # UI tests start it with.
        self.app = subprocess.Popen(["/usr/bin/virt-manager", "--no-fork", "--debug",
                                     "--connect", uri, "--test-options=first-run"],
                                    env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self.root = wait_for("virt-manager on the accessibility bus",
                             lambda: [a for a in dogtail.tree.root.applications()
                                      if a.name == "virt-manager"], 120)[0]
        return self.root

    # --- finding and driving widgets ----------------------------------------

    def window(self, title, timeout=60):
        return wait_for(f"window '{title}'", lambda: self.root.findChild(
            lambda n: n.name == title and n.showing and
            n.roleName in ("frame", "dialog", "alert"), recursive=False,
            retry=False, requireResult=False), timeout)

    def gone(self, node, what, timeout=120):
        wait_for(f"{what} to close", lambda: not node.showing, timeout)

    @staticmethod
    def find(root, role, name=None, pred=None, timeout=30):
        def look():
            return root.findChild(
                lambda n: n.roleName == role and n.showing and
                (name is None or n.name == name) and (pred is None or pred(n)),
                retry=False, requireResult=False)
        return wait_for(f"{role} '{name or ''}'", look, timeout)

    @classmethod
    def labelled(cls, root, text):
        """The widget the label TEXT names (its mnemonic widget)"""
        label = cls.find(root, "label", text)
        assert label.labelee is not None, f"label '{text}' names no widget"
        return label.labelee

    @classmethod
    def pick(cls, combo, item=None, startswith=None, index=None):
        """Open COMBO's list and choose an item: by name, by a prefix of it
        or by position."""
        combo.doActionNamed("press")

        def items():
            return [n for n in combo.findChildren(
                lambda n: n.roleName == "menu item", showingOnly=False) if n.showing]
        listed = wait_for("the combo box's list", items, 30)
        if index is not None:
            choice = listed[index]
        else:
            matches = [n for n in listed if n.name == item or
                       (startswith and n.name.startswith(startswith))]
            assert matches, f"no item {item or startswith!r} in {[n.name for n in listed]}"
            choice = matches[0]
        choice.click()

    def alert_text(self):
        """The text of the error or question dialog showing, else None"""
        alert = self.root.findChild(lambda n: n.roleName == "alert" and n.showing,
                                    recursive=False, retry=False, requireResult=False)
        if alert is None:
            return None
        return " ".join(n.name for n in alert.findChildren(
            lambda n: n.roleName == "label" and n.name))

    @staticmethod
    def describe(node, depth=0):
        """NODE's showing subtree as text (roles, names): for the message
        of a failed search."""
        lines = []
        if node.showing:
            text = ""
            if node.roleName in ("text", "label", "spin button"):
                try:
                    text = f" = {node.text!r}"
                except Exception:
                    pass
            lines.append(f"{'  ' * depth}{node.roleName} {node.name!r}{text}")
        for child in node.children:
            lines.append(Desktop.describe(child, depth + 1))
        return "\n".join(line for line in lines if line)

    # --- screenshots -----------------------------------------------------------

    def shot(self, name, node=None):
        """A PNG of NODE's window (the whole screen without one) in the
        screenshot directory; returns its path."""
        from gi.repository import Gdk
        root = Gdk.get_default_root_window()
        if node is None:
            x, y, w, h = 0, 0, root.get_width(), root.get_height()
        else:
            (x, y), (w, h) = node.position, node.size
        pixbuf = Gdk.pixbuf_get_from_window(root, x, y, w, h)
        assert pixbuf is not None, f"no pixels at {x},{y} {w}x{h}"
        os.makedirs(self.shots_dir, exist_ok=True)
        path = os.path.join(self.shots_dir, f"virt-manager-{name}.png")
        pixbuf.savev(path, "png", [], [])
        return path
