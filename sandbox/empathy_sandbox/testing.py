"""Start a sandbox CRM for a test or the demo, and stop it afterwards.

    from empathy_sandbox.testing import running_sandbox

    with running_sandbox(tmp_path / "sandbox", contacts=300) as info:
        sf = Salesforce(instance_url=info.salesforce["instance_url"], ...)

``info`` is a :class:`SandboxInfo`: the info file's JSON as a dict (``info["admin_url"]``),
with attribute access (``info.admin_url``) and helpers for the admin endpoints.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

START_TIMEOUT_S = 300  # seeding 100,000 contacts takes about a minute
LOCAL_HOSTS = "127.0.0.1,localhost"


class SandboxInfo(dict):
    """The info file's JSON (a dict), with attribute access and a few helpers."""

    def __init__(self, raw: dict, info_file: Path):
        super().__init__(raw)
        self.info_file = info_file

    salesforce = property(lambda self: self["salesforce"])
    hubspot = property(lambda self: self["hubspot"])
    admin_url = property(lambda self: self["admin_url"])
    web_url = property(lambda self: self["web_url"])
    pid = property(lambda self: self["pid"])

    def salesforce_session(self) -> requests.Session:
        """A ``requests.Session`` trusting the sandbox's certificate authority."""
        session = requests.Session()
        session.verify = self.salesforce["ca_cert"]
        session.trust_env = False  # never send localhost traffic through a proxy
        return session

    def admin(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call an admin endpoint, e.g. ``info.admin("POST", "faults", json={})``."""
        kwargs.setdefault("timeout", 120)
        with requests.Session() as s:
            s.trust_env = False
            return s.request(method, f"{self.admin_url}/{path.lstrip('/')}", **kwargs)


@contextlib.contextmanager
def running_sandbox(state_dir: str | Path, contacts: int = 300, seed: int = 7, days: int = 180,
                    extra_args=(), timeout: float = START_TIMEOUT_S) -> Iterator[SandboxInfo]:
    """Run ``python -m empathy_sandbox serve`` in a subprocess until the block ends."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    info_file = state_dir / "info.json"
    with contextlib.suppress(FileNotFoundError):
        info_file.unlink()
    log_path = state_dir / "server.log"
    cmd = [sys.executable, "-m", "empathy_sandbox", "serve", "--state-dir", str(state_dir),
           "--contacts", str(contacts), "--seed", str(seed), "--days", str(days),
           "--info-file", str(info_file), *map(str, extra_args)]
    env = {**os.environ, "NO_PROXY": LOCAL_HOSTS, "no_proxy": LOCAL_HOSTS}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        info = _wait_for_info(proc, info_file, log_path, timeout)
        yield info
    finally:
        _stop(proc)


def _wait_for_info(proc: subprocess.Popen, info_file: Path, log_path: Path, timeout: float
                   ) -> SandboxInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if info_file.exists():
            raw = json.loads(info_file.read_text())
            if raw.get("pid") == proc.pid:
                return SandboxInfo(raw, info_file)
        if proc.poll() is not None:
            raise RuntimeError(f"the sandbox exited with code {proc.returncode} before it was "
                               f"ready; its log:\n{_tail(log_path)}")
        time.sleep(0.05)
    _stop(proc)
    raise TimeoutError(f"the sandbox was not ready after {timeout:.0f}s; its log:\n"
                       f"{_tail(log_path)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
