"""Start the sandbox CRM (the separate ``empathy-sandbox`` distribution) as a process.

The product never imports the sandbox: it starts ``python -m empathy_sandbox serve`` and talks
to it over HTTP, exactly as it talks to Salesforce and HubSpot.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from empathy_engine.core.errors import ConfigError

START_TIMEOUT_S = 300  # seeding 100,000 contacts takes about a minute
LOCAL_HOSTS = "127.0.0.1,localhost"


def sandbox_command(*args: str) -> list[str]:
    """``python -m empathy_sandbox ARGS``, or a clear error when it is not installed."""
    if importlib.util.find_spec("empathy_sandbox") is None:
        raise ConfigError("the sandbox CRM is not installed: it is a separate package "
                          "(sandbox/ in the repository); install it with "
                          "`pip install -e ./sandbox` (`make demo` does this for you)")
    return [sys.executable, "-m", "empathy_sandbox", *args]


@contextlib.contextmanager
def running_sandbox(state_dir: Path, *, contacts: int, seed: int, days: int,
                    extra_args: tuple[str, ...] | list[str] = (),
                    timeout: float = START_TIMEOUT_S) -> Iterator[dict]:
    """Run the sandbox CRM until the block ends; yields its info file's JSON."""
    state_dir.mkdir(parents=True, exist_ok=True)
    info_file = state_dir / "info.json"
    with contextlib.suppress(FileNotFoundError):
        info_file.unlink()
    log_path = state_dir / "server.log"
    cmd = sandbox_command("serve", "--state-dir", str(state_dir), "--contacts", str(contacts),
                          "--seed", str(seed), "--days", str(days), "--info-file",
                          str(info_file), *map(str, extra_args))
    env = {**os.environ, "NO_PROXY": LOCAL_HOSTS, "no_proxy": LOCAL_HOSTS}
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        yield _wait_for_info(proc, info_file, log_path, timeout)
    finally:
        _stop(proc)


def _wait_for_info(proc: subprocess.Popen, info_file: Path, log_path: Path,
                   timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if info_file.exists():
            with contextlib.suppress(ValueError):
                raw = json.loads(info_file.read_text())
                if raw.get("pid") == proc.pid:
                    return raw
        if proc.poll() is not None:
            raise ConfigError(f"the sandbox CRM exited with code {proc.returncode} before it "
                              f"was ready; see its log {log_path}:\n{_tail(log_path)}")
        time.sleep(0.05)
    _stop(proc)
    raise ConfigError(f"the sandbox CRM was not ready after {timeout:.0f} s; see its log "
                      f"{log_path}:\n{_tail(log_path)}")


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
