"""Opening the sandbox's state directory: reuse a seeded database, or seed a new one.

The demo runs twice against the same state and the second run must see the tasks the first
wrote, so an existing database seeded with the same (seed, contacts, days) is reused as is.
A new one is built in a temporary file and renamed into place, so a crash mid-seed never
leaves a half-seeded database behind. The simulator's world is saved next to it (without
pickle, see ``sandbox.world_store``) under an id the database records, and a database is only
reused together with the world it was seeded from; a state directory of an older version (with
``world.pkl``) is stale and reseeded.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from empathy_sandbox.server.seeding import seed
from empathy_sandbox.server.store import DB_NAME, SCHEMA_VERSION, Store
from empathy_sandbox.simulator.world import World
from empathy_sandbox.simulator.world_store import load_world, save_world, saved_world_id

__all__ = ["SeedParams", "build_state", "load_world", "open_state", "save_world", "seed_state"]
log = logging.getLogger("sandbox")


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
    from empathy_sandbox.simulator import generate as simulator

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
                if store.get_meta("world_id") == saved_world_id(state_dir):
                    log.info("reusing the sandbox state in %s", path)
                    return store, False
                log.warning("the simulator's world in %s is missing or does not match the "
                            "database; reseeding", state_dir)
        except Exception:  # noqa: BLE001 - an unreadable database is simply rebuilt
            log.warning("the sandbox state in %s is unreadable; reseeding", path)
        store.close()
    return seed_state(state_dir, params, world_factory), True


def seed_state(state_dir: Path, params: SeedParams, world_factory=generate_world,
               tokens: dict | None = None) -> Store:
    """Generate the world and build a fresh database for it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    world = world_factory(params)
    store = build_state(state_dir, params, world, tokens, carry_api_records=False,
                        generate_seconds=time.perf_counter() - started)
    log.info("seeded %s contacts in %.1fs", params.contacts, time.perf_counter() - started)
    return store


def build_state(state_dir: Path, params: SeedParams, world: World, tokens: dict | None,
                carry_api_records: bool, generate_seconds: float = 0.0) -> Store:
    """Write ``world`` into a new database and swap it in. With ``carry_api_records``, what
    clients wrote into the current database (tasks, custom properties, associations) is copied
    over, so moving simulated time forward keeps them."""
    started = time.perf_counter()
    world_id = secrets.token_hex(8)
    tmp = state_dir / (DB_NAME + ".seeding")
    for leftover in _db_files(tmp):
        leftover.unlink()
    store = Store(tmp)
    store.conn.execute("PRAGMA synchronous=OFF")
    store.create_schema()
    counts = seed(store, world)
    final = state_dir / DB_NAME
    if carry_api_records and final.exists():
        _carry_api_records(store, final)
    seeded = time.perf_counter()
    save_world(state_dir, world, world_id)  # a crash before the swap below: ids differ, reseed
    with store.transaction():
        store.set_meta("params", params.as_meta())
        store.set_meta("world_now", world.now.isoformat())
        store.set_meta("counts", counts)
        store.set_meta("session_id", (tokens or {}).get("session_id") or
                       f"00D8d0000000001!AQ{secrets.token_urlsafe(32)}")
        store.set_meta("hubspot_token", (tokens or {}).get("hubspot_token") or
                       f"pat-na1-{secrets.token_hex(16)}")
        store.set_meta("seconds", {"generate": round(generate_seconds, 3),
                                   "seed": round(seeded - started, 3),
                                   "save_world": round(time.perf_counter() - seeded, 3)})
        store.set_meta("world_id", world_id)
        store.set_meta("complete", True)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    for old in _db_files(final):
        old.unlink()
    tmp.replace(final)
    return Store(final)


def _carry_api_records(store: Store, old_path: Path) -> None:
    from empathy_sandbox.hubspot import schema as H
    from empathy_sandbox.salesforce import schema as S
    from empathy_sandbox.hubspot.writes import API_ID_BASE

    conn = store.conn
    conn.execute("ATTACH DATABASE ? AS old", (str(old_path),))
    try:
        for type_name, name, definition in conn.execute(
                "SELECT object_type, name, definition FROM old.hs_custom_properties").fetchall():
            d = json.loads(definition)
            store.add_hs_property(H.BY_NAME[type_name], H.Property(
                name, d["type"], d["field_type"], tuple(d["options"]), d["has_unique_value"],
                d["label"], hubspot_defined=False))
        with store.transaction():
            for obj in S.OBJECTS:
                conn.execute(f'INSERT INTO main."{obj}" SELECT * FROM old."{obj}" '
                             "WHERE _source = 'api'")
            for t in H.TYPES:
                cols = ", ".join(f'"{r[1]}"' for r in conn.execute(
                    f"PRAGMA old.table_info({t.table})"))
                conn.execute(f"INSERT INTO main.{t.table} ({cols}) SELECT {cols} FROM "
                             f"old.{t.table} WHERE _source = 'api'")
            conn.execute("INSERT OR IGNORE INTO main.hs_assoc SELECT * FROM old.hs_assoc "
                         "WHERE from_id >= ? OR to_id >= ?", (API_ID_BASE, API_ID_BASE))
            conn.execute("INSERT INTO main.hs_history SELECT * FROM old.hs_history "
                         "WHERE object_id >= ?", (API_ID_BASE,))
            conn.execute("INSERT OR REPLACE INTO main.meta SELECT * FROM old.meta WHERE key "
                         "LIKE 'seq:api:%' OR key = 'applied_actions'")
    finally:
        conn.execute("DETACH DATABASE old")


def _db_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]
