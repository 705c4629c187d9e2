"""The simulator's world is saved without pickle and comes back exactly as it was."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from empathy_sandbox.simulator import generate as simulator
from empathy_sandbox.server.state import SeedParams, build_state, open_state
from empathy_sandbox.server.store import Store
from empathy_sandbox.simulator.world import World
from empathy_sandbox.simulator.world_store import (
    FRAMES,
    WORLD_DIR,
    WorldNotSaved,
    load_world,
    save_world,
    saved_world_id,
)

from .conftest import tiny_world


@pytest.fixture(scope="module")
def sim_world() -> World:
    """A real simulated world, advanced once so that extra holds actions and ignored ones."""
    config = simulator.load_config()
    world = simulator.generate(config, 120, 70, seed=3)
    people = world.people["email"].iloc[:3].tolist()
    actions = pd.DataFrame({"email": [*people, "nobody@nowhere.example"],
                            "action": ["support_note", "offer", "silence", "offer"],
                            "ts": pd.to_datetime([world.now] * 4, utc=True)})
    return simulator.advance(world, config, 14, actions)


def assert_same_value(a, b, where="extra") -> None:
    """Equal values of the same type; arrays of the same dtype and shape (NaN equal to NaN)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} became {type(b).__name__}"
    if isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same_value(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_value(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        if a.dtype == object:
            assert a.tolist() == b.tolist(), where
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where
        if isinstance(a, np.generic):
            assert a.dtype == b.dtype, where


def assert_same_world(a: World, b: World) -> None:
    for name in FRAMES:
        assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True,
                           check_index_type=True, check_column_type=True,
                           check_categorical=True, check_freq=True, obj=name)
    assert (a.now, a.now.tzinfo is None, a.seed) == (b.now, b.now.tzinfo is None, b.seed)
    assert type(a.now) is type(b.now)
    assert_same_value(a.extra, b.extra)


def test_simulated_world_round_trips(tmp_path, sim_world):
    assert sim_world.extra["ignored_actions"] == 1
    assert len(sim_world.extra["actions"]["pid"]) == 3
    assert sim_world.activities["ts"].dtype == "datetime64[ns, UTC]"
    assert sim_world.cases["closed_at"].isna().any()  # NaT survives
    assert sim_world.activities["amount"].isna().any()  # NaN survives
    save_world(tmp_path, sim_world, "w1")
    assert_same_world(sim_world, load_world(tmp_path))
    assert saved_world_id(tmp_path) == "w1"


def test_the_loaded_world_keeps_simulating_identically(tmp_path, sim_world):
    config = simulator.load_config()
    save_world(tmp_path, sim_world)
    loaded = load_world(tmp_path)
    assert_same_world(simulator.advance(sim_world, config, 7, None),
                      simulator.advance(loaded, config, 7, None))


def test_tiny_world_round_trips(tmp_path):
    world = tiny_world()
    save_world(tmp_path, world)
    assert_same_world(world, load_world(tmp_path))


def test_every_kind_of_column_and_extra_value_round_trips(tmp_path):
    world = tiny_world()
    n = len(world.people)
    world.people = world.people.assign(
        tier=pd.Categorical(["gold", None, "tin"], categories=["tin", "gold", "lead"],
                            ordered=True),
        size=pd.Categorical([3, 1, 3]),
        note=pd.Series(["a", None, "ü"], dtype=object),
        score=pd.array([1, None, 3], dtype="Int64"),
        seen=pd.to_datetime(["2026-01-01 10:00", None, "2026-02-01 00:00"]).tz_localize(
            "Europe/Berlin").as_unit("ms"),
        naive=pd.to_datetime(["2026-01-01", "2026-01-02", None]).as_unit("ns"),
        wait=pd.to_timedelta([1, None, 3], unit="s"),
        small=np.array([1, 2, 3], dtype=np.int8),
    )
    world.states = world.states.iloc[[2, 0]]  # a non-range index
    world.cases = world.cases.iloc[:0]  # empty, typed
    world.extra = {
        "nested": {"floats": np.array([[1.5, np.nan], [np.inf, -0.0]]),
                   "strings": np.array(["é", "", None, "x\ud800y"], dtype=object),
                   "matrix": np.array([["a", "b"], ["c", "d"]], dtype=object),
                   "no_strings": np.array([], dtype=object),
                   "unicode": np.array(["fixed", "width"]),
                   "bools": np.ones(n, dtype=bool),
                   "times": np.array(["2026-01-01"], dtype="datetime64[ns]")},
        "int": 2**62, "float": 0.1, "nan": float("nan"), "none": None, "flag": True,
        "text": "hi", "list": [1, "two", [3.0]], "tuple": (1, np.int16(2)),
        "np_int": np.int64(7), "np_float": np.float32(0.5),
    }
    save_world(tmp_path, world)
    loaded = load_world(tmp_path)
    assert_same_world(world, loaded)
    assert loaded.people["note"].tolist() == ["a", None, "ü"]


def test_a_naive_now_and_a_timestamp_now_round_trip(tmp_path):
    world = tiny_world()
    for now in (dt.datetime(2026, 1, 2, 3, 4, 5, 678901), pd.Timestamp("2026-01-02T03:04:05Z")):
        world.now = now
        save_world(tmp_path, world)
        assert_same_world(world, load_world(tmp_path))


@pytest.mark.parametrize("extra", [{"bad": {1, 2}}, {1: "int key"},
                                   {"objects": np.array([1, "a"], dtype=object)},
                                   {"when": dt.date(2026, 1, 1)}])
def test_what_cannot_be_saved_without_pickle_is_refused(tmp_path, extra):
    world = tiny_world()
    save_world(tmp_path, world, "kept")
    world.extra = extra
    with pytest.raises(TypeError):
        save_world(tmp_path, world, "refused")
    assert saved_world_id(tmp_path) == "kept"  # the saved world is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [WORLD_DIR]  # nothing half-written
    assert_same_world(tiny_world(), load_world(tmp_path))


def test_the_files_hold_no_pickle(tmp_path, sim_world):
    save_world(tmp_path, sim_world)
    folder = tmp_path / WORLD_DIR
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["manifest.json", "extra.npz", *(f"{name}.parquet" for name in FRAMES)])
    json.loads((folder / "manifest.json").read_text())
    with zipfile.ZipFile(folder / "extra.npz") as npz:
        for name in npz.namelist():
            header = npz.read(name)[:200]
            assert b"'descr': '|O'" not in header and b"'descr': 'O'" not in header, name
    with np.load(folder / "extra.npz", allow_pickle=False) as arrays:
        assert all(arrays[key].dtype != object for key in arrays.files)


def test_a_save_that_stopped_between_the_renames_is_recovered(tmp_path):
    world = tiny_world()
    save_world(tmp_path, world, "first")
    (tmp_path / WORLD_DIR).rename(tmp_path / "world.old")  # the crash: old moved, new not in
    (tmp_path / "world.new").mkdir()  # a half-written new one
    assert saved_world_id(tmp_path) == "first"
    assert_same_world(world, load_world(tmp_path))
    save_world(tmp_path, world, "second")
    assert saved_world_id(tmp_path) == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == [WORLD_DIR]


def test_no_world_is_not_found(tmp_path):
    assert saved_world_id(tmp_path) is None
    with pytest.raises(WorldNotSaved):
        load_world(tmp_path)
    (tmp_path / "world.pkl").write_bytes(b"a pickle of an older version")
    with pytest.raises(WorldNotSaved):
        load_world(tmp_path)


def _tiny_factory(params: SeedParams) -> World:
    return tiny_world()


def test_seeding_writes_no_pickle_and_reuses_its_world(tmp_path):
    params = SeedParams(contacts=3, seed=1, days=30)
    store, seeded = open_state(tmp_path, params, world_factory=_tiny_factory)
    assert seeded
    world_id = store.get_meta("world_id")
    assert world_id and saved_world_id(tmp_path) == world_id
    assert set(store.get_meta("seconds")) == {"generate", "seed", "save_world"}
    store.close()
    store, seeded = open_state(tmp_path, params, world_factory=_tiny_factory)
    assert not seeded
    store.close()
    assert_same_world(tiny_world(), load_world(tmp_path))
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))


def test_a_state_dir_of_the_pickle_era_is_reseeded(tmp_path):
    params = SeedParams(contacts=3, seed=1, days=30)
    store = Store(tmp_path / "sandbox.sqlite")
    store.create_schema()
    with store.transaction():  # what version 1 wrote: same params, schema "1", and world.pkl
        store.set_meta("params", {**params.as_meta(), "schema": "1"})
        store.set_meta("complete", True)
    store.close()
    (tmp_path / "world.pkl").write_bytes(b"not to be loaded")
    store, seeded = open_state(tmp_path, params, world_factory=_tiny_factory)
    store.close()
    assert seeded
    assert not (tmp_path / "world.pkl").exists()
    assert_same_world(tiny_world(), load_world(tmp_path))


def test_a_database_without_its_world_is_reseeded(tmp_path):
    params = SeedParams(contacts=3, seed=1, days=30)
    open_state(tmp_path, params, world_factory=_tiny_factory)[0].close()
    first = saved_world_id(tmp_path)
    other = tiny_world()
    other.seed = 99
    save_world(tmp_path, other, "from-a-crashed-advance")  # world swapped, database not
    store, seeded = open_state(tmp_path, params, world_factory=_tiny_factory)
    assert seeded and saved_world_id(tmp_path) == store.get_meta("world_id") != first
    store.close()
    assert load_world(tmp_path).seed == 1


def test_build_state_swaps_the_world_with_the_database(tmp_path, sim_world):
    params = SeedParams(contacts=120, seed=3, days=70)
    store = build_state(tmp_path, params, sim_world, None, carry_api_records=False)
    assert store.get_meta("world_id") == saved_world_id(tmp_path)
    store.close()
    assert_same_world(sim_world, load_world(tmp_path))
    assert not list(tmp_path.rglob("*.pkl"))
