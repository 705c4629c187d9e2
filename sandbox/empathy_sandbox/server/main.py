"""``python -m empathy_sandbox serve``: the sandbox CRM in one process.

Salesforce REST over HTTPS (certificate generated into the state directory) and HubSpot, the
admin endpoints and the web page over HTTP, on two ports of one asyncio loop. When both
listen, the connection details are written atomically to ``--info-file``::

    {"salesforce": {"instance_url", "session_id", "ca_cert", "version"},
     "hubspot": {"host", "access_token"}, "admin_url", "web_url", "now", "pid"}
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from empathy_sandbox.server import admin
from empathy_sandbox.salesforce import login as salesforce_login
from empathy_sandbox.server import simulation_admin
from empathy_sandbox.server import web
from empathy_sandbox.server.certs import ensure_certificates
from empathy_sandbox.hubspot.api import HubSpotApi
from empathy_sandbox.server.runtime import Sandbox
from empathy_sandbox.salesforce.api import SalesforceApi
from empathy_sandbox.salesforce.bulk import BulkApi
from empathy_sandbox.server.state import SeedParams, open_state, seed_state

log = logging.getLogger("sandbox")
SF_VERSION = "59.0"
ALL_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sandbox", description="The local sandbox CRM.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="seed (or reuse) the state and serve both CRMs")
    serve.add_argument("--contacts", type=int, default=3000, help="simulated contacts")
    serve.add_argument("--seed", type=int, default=7, help="simulator seed")
    serve.add_argument("--days", type=int, default=180, help="days of simulated history")
    serve.add_argument("--state-dir", type=Path, default=Path("var/sandbox"),
                       help="where the SQLite state and the certificates live")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--sf-port", type=int, default=0, help="Salesforce HTTPS port (0: any)")
    serve.add_argument("--hs-port", type=int, default=0,
                       help="HubSpot, admin and web page HTTP port (0: any)")
    serve.add_argument("--info-file", type=Path, help="write connection details here")
    serve.add_argument("--reset", action="store_true", help="reseed even if state exists")
    serve.add_argument("--faults", type=Path, help="JSON file of faults to switch on")
    serve.add_argument("--sim-config", type=Path, action="append", default=[],
                       help="TOML with any subset of simulator.toml's sections and keys, "
                            "merged over the defaults (repeatable: later files win)")
    serve.add_argument("--log-level", default="warning")
    return parser


def main_cli() -> int:
    """The ``empathy-sandbox`` console script."""
    return main(sys.argv[1:])


def main(argv: list[str]) -> int:
    """Entry point for ``python -m empathy_sandbox`` and ``empathy-sandbox``."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s sandbox %(message)s")
    if args.contacts < 1 or args.days < 1:
        print("sandbox: --contacts and --days must be positive", file=sys.stderr)
        return 2
    if args.sim_config:
        from empathy_sandbox.simulator.config import use_overlays
        try:
            use_overlays(args.sim_config)
        except ValueError as exc:
            print(f"sandbox: cannot use --sim-config: {exc}", file=sys.stderr)
            return 2
    faults = None
    if args.faults:
        from empathy_sandbox.server.accounting import Faults
        try:
            faults = Faults.from_json(json.loads(args.faults.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            print(f"sandbox: cannot use --faults {args.faults}: {exc}", file=sys.stderr)
            return 2
    sandbox = create_sandbox(args)
    if faults:
        sandbox.accounting.set_faults(faults)
    try:
        asyncio.run(serve(sandbox, args))
    finally:
        sandbox.store.close()
        if args.info_file:
            with contextlib.suppress(FileNotFoundError):
                args.info_file.unlink()
    return 0


def create_sandbox(args: argparse.Namespace) -> Sandbox:
    """Open (or seed) the state and wire the reseed hook."""
    params = SeedParams(args.contacts, args.seed, args.days)
    store, _seeded = open_state(args.state_dir, params, reset=args.reset)
    sandbox = Sandbox(store, args.state_dir, store.get_meta("session_id"),
                      store.get_meta("hubspot_token"))

    def reseed() -> None:
        tokens = {"session_id": sandbox.session_id, "hubspot_token": sandbox.hubspot_token}
        sandbox.store.close()
        sandbox.store = seed_state(args.state_dir, params, tokens=tokens)
        sandbox.cursors.clear()
        if sandbox.on_reseed:
            sandbox.on_reseed()

    sandbox.reseed = reseed
    return sandbox


def build_apps(sandbox: Sandbox) -> tuple[Starlette, Starlette]:
    """(Salesforce app, HubSpot + admin + web app)."""
    sf_api, hs_api = SalesforceApi(sandbox), HubSpotApi(sandbox)

    async def salesforce(request):
        return await sf_api(request)

    async def hubspot(request):
        return await hs_api(request)

    sf_app = Starlette(routes=[
        *salesforce_login.routes(sandbox),
        Route("/services/{rest:path}", salesforce, methods=ALL_METHODS),
    ])
    hs_app = Starlette(routes=[
        Route("/crm/{rest:path}", hubspot, methods=ALL_METHODS),
        *admin.routes(sandbox),
        *simulation_admin.routes(sandbox),
        *web.routes(sandbox),
    ])
    BulkApi(sf_api)
    return sf_app, hs_app


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to :func:`serve` (two servers, one loop)."""

    @contextlib.contextmanager
    def capture_signals(self):
        yield


async def serve(sandbox: Sandbox, args: argparse.Namespace) -> None:
    certs = ensure_certificates(args.state_dir / "tls")
    sf_sock, hs_sock = _bind(args.host, args.sf_port), _bind(args.host, args.hs_port)
    host = args.host if ":" not in args.host else f"[{args.host}]"
    sandbox.sf_base_url = f"https://{host}:{sf_sock.getsockname()[1]}"
    sandbox.hs_base_url = f"http://{host}:{hs_sock.getsockname()[1]}"
    sf_app, hs_app = build_apps(sandbox)
    common = {"log_level": args.log_level, "access_log": False, "lifespan": "off",
              "timeout_graceful_shutdown": 2}
    servers = [
        _Server(uvicorn.Config(sf_app, ssl_certfile=str(certs.server_cert),
                               ssl_keyfile=str(certs.server_key), **common)),
        _Server(uvicorn.Config(hs_app, **common)),
    ]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _stop, servers)
    tasks = [asyncio.create_task(servers[0].serve([sf_sock])),
             asyncio.create_task(servers[1].serve([hs_sock]))]
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.02)
    if all(s.started for s in servers):
        info = connection_info(sandbox, certs.ca_cert)
        if args.info_file:
            def write_info() -> None:
                text = json.dumps(connection_info(sandbox, certs.ca_cert), indent=2)
                _write_atomically(args.info_file, text)
            write_info()
            sandbox.on_reseed = write_info
        print(f"sandbox CRM ready: web {info['web_url']}  admin {info['admin_url']}",
              file=sys.stderr, flush=True)
    await asyncio.gather(*tasks)


def connection_info(sandbox: Sandbox, ca_cert: Path) -> dict:
    return {
        "salesforce": {"instance_url": sandbox.sf_base_url, "session_id": sandbox.session_id,
                       "ca_cert": str(Path(ca_cert).resolve()), "version": SF_VERSION,
                       **salesforce_login.credentials()},
        "hubspot": {"host": sandbox.hs_base_url, "access_token": sandbox.hubspot_token},
        "admin_url": f"{sandbox.hs_base_url}/_admin",
        "web_url": f"{sandbox.hs_base_url}/",
        "now": sandbox.store.get_meta("world_now"),
        "seed": sandbox.store.get_meta("params"),
        "state_dir": str(Path(sandbox.state_dir).resolve()),
        "pid": os.getpid(),
    }


def _stop(servers: list[_Server]) -> None:
    for s in servers:
        s.should_exit = True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)
