"""Opening the sandbox's state directory: reuse a seeded database, or seed a new one.

The demo runs twice against the same state and the second run must see the tasks the first
wrote, so an existing database seeded with the same (seed, contacts, days) is reused as is.
A new one is built in a temporary file and renamed into place, so a crash mid-seed never
leaves a half-seeded database behind.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.seeding import seed
from sandbox.store import DB_NAME, SCHEMA_VERSION, Store
from sandbox.world import World

log = logging.getLogger("sandbox")
WORLD_FILE = "world.pkl"


@dataclass(frozen=True)
class SeedParams:
    """What the seeded world depends on."""

    contacts: int
    seed: int
    days: int

    def as_meta(self) -> dict:
        return {"contacts": self.contacts, "seed": self.seed, "days": self.days,
                "schema": SCHEMA_VERSION}


def generate_world(params: SeedParams) -> World:
    """Run the simulator (the only source of seed data)."""
    from sandbox import simulator

    config = simulator.load_config()
    return simulator.generate(config, params.contacts, params.days, params.seed)


def open_state(state_dir: Path, params: SeedParams, reset: bool = False,
               world_factory=generate_world) -> tuple[Store, bool]:
    """Return the store for ``params``, seeding it when needed; the flag says if it was seeded."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / DB_NAME
    if path.exists() and not reset:
        store = Store(path)
        try:
            if store.get_meta("params") == params.as_meta() and store.get_meta("complete"):
                log.info("reusing the sandbox state in %s", path)
                return store, False
        except Exception:  # noqa: BLE001 - an unreadable database is simply rebuilt
            log.warning("the sandbox state in %s is unreadable; reseeding", path)
        store.close()
    return seed_state(state_dir, params, world_factory), True


def seed_state(state_dir: Path, params: SeedParams, world_factory=generate_world,
               tokens: dict | None = None) -> Store:
    """Generate the world and build a fresh database for it."""
    started = time.perf_counter()
    world = world_factory(params)
    generated = time.perf_counter()
    tmp = state_dir / (DB_NAME + ".seeding")
    for leftover in _db_files(tmp):
        leftover.unlink()
    store = Store(tmp)
    store.conn.execute("PRAGMA synchronous=OFF")
    store.create_schema()
    counts = seed(store, world)
    with store.transaction():
        store.set_meta("params", params.as_meta())
        store.set_meta("world_now", world.now.isoformat())
        store.set_meta("counts", counts)
        store.set_meta("session_id", (tokens or {}).get("session_id") or
                       f"00D8d0000000001!AQ{secrets.token_urlsafe(32)}")
        store.set_meta("hubspot_token", (tokens or {}).get("hubspot_token") or
                       f"pat-na1-{secrets.token_hex(16)}")
        store.set_meta("seconds", {"generate": round(generated - started, 3),
                                   "seed": round(time.perf_counter() - generated, 3)})
        store.set_meta("complete", True)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    with open(state_dir / WORLD_FILE, "wb") as fh:
        pickle.dump(world, fh, protocol=pickle.HIGHEST_PROTOCOL)
    final = state_dir / DB_NAME
    for old in _db_files(final):
        old.unlink()
    tmp.replace(final)
    log.info("seeded %s contacts in %.1fs (simulator %.1fs)", params.contacts,
             time.perf_counter() - started, generated - started)
    return Store(final)


def load_world(state_dir: Path) -> World:
    """The world the current state was seeded from (advanced by ``/_admin/advance``)."""
    with open(state_dir / WORLD_FILE, "rb") as fh:
        return pickle.load(fh)  # noqa: S301 - our own file in our own state directory


def save_world(state_dir: Path, world: World) -> None:
    tmp = state_dir / (WORLD_FILE + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(world, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(state_dir / WORLD_FILE)


def _db_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
