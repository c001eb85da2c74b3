"""Run the real rsyslogd with generated rules on a private socket, and see where lines land.

Used by the rsyslog tests: rsyslogd (Debian package rsyslog; .ci/run installs it) listens on
a Unix socket in a temporary directory only (no system socket, no network), and `logger -u
SOCKET -t IDENT` sends it one line per ident.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path


class LiveRsyslog:
    """rsyslogd running `rules` (text written for log directory `logs`) in `root`."""

    def __init__(self, root: Path, rules: str) -> None:
        assert shutil.which("rsyslogd") and shutil.which("logger"), "rsyslogd and logger are needed"
        self.root = root
        self.socket = root / "log.sock"
        self.logs = root / "logs"
        (root / "work").mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(exist_ok=True)
        self.conf = root / "rsyslog.conf"
        self.conf.write_text(
            f'global(workDirectory="{root / "work"}")\n'
            'module(load="imuxsock" SysSock.Use="off")\n'
            f'input(type="imuxsock" Socket="{self.socket}" RateLimit.Interval="0")\n'
            + rules
            + f'\n*.* action(type="omfile" file="{self.logs / "unfiled.log"}")\n')
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "LiveRsyslog":
        self.process = subprocess.Popen(["rsyslogd", "-n", "-f", str(self.conf), "-i", str(self.root / "pid")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self.socket.exists():
            assert self.process.poll() is None, self.process.stdout.read().decode()
            assert time.monotonic() < deadline, "rsyslogd did not open its socket"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)

    def send(self, ident: str, text: str) -> None:
        subprocess.run(["logger", "-u", str(self.socket), "-t", ident, text], check=True)

    def where(self, text: str, timeout: float = 10) -> list[str]:
        """Names of the log files (without .log) holding the line with `text`."""
        deadline = time.monotonic() + timeout
        while True:
            found = sorted(f.stem for f in self.logs.glob("*.log") if text in f.read_text(errors="replace"))
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)
