"""Saving and loading the simulator's world without pickle.

A saved world is a folder ``world/`` in the state directory::

    world/manifest.json     format, now, seed, the world id, column dtypes, the tree of extra
    world/<table>.parquet   owners, accounts, people, activities, cases, states
    world/extra.npz         the numpy arrays of ``World.extra`` (numpy.savez, read back with
                            allow_pickle=False)

Nothing in it runs code when loaded. Plain values of ``extra`` (None, bool, int, float, str,
lists and tuples of them) and its nesting (dicts with string keys) live in the manifest; arrays
of Python strings (dtype object) are stored as UTF-8 bytes plus offsets, and come back as
object arrays. Anything else raises TypeError on save rather than being silently changed.

The folder is written as ``world.new/`` and renamed into place (the previous one moved aside to
``world.old/`` first and deleted after), so a crash never leaves a half-written world: if it
strikes between the two renames, the next load puts ``world.old/`` back.

Column dtypes are kept exactly: Parquet already keeps ints, floats, bools, tz-aware timestamps
(with their unit), NaT/NaN and pandas' str; object columns, which Parquet would return as str,
are restored as object (None stays None), and categoricals are stored as their codes plus a
table of categories, so any category dtype and the ordered flag survive.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from empathy_sandbox.simulator.world import World

WORLD_DIR = "world"
FORMAT = 1
FRAMES = ("owners", "accounts", "people", "activities", "cases", "states")
LEGACY_FILES = ("world.pkl", "world.pkl.tmp")  # pickled worlds of earlier versions: stale
_MANIFEST = "manifest.json"
_ARRAYS = "extra.npz"
_NEW, _OLD = WORLD_DIR + ".new", WORLD_DIR + ".old"


class WorldNotSaved(FileNotFoundError):
    """The state directory holds no world in the current format."""


def save_world(state_dir: Path, world: World, world_id: str = "") -> None:
    """Write ``world`` to ``state_dir/world/``, replacing any previous one atomically."""
    state_dir = Path(state_dir)
    _recover(state_dir)
    tmp = state_dir / _NEW
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        _write(tmp, world, world_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    final, old = state_dir / WORLD_DIR, state_dir / _OLD
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    _fsync(state_dir)
    shutil.rmtree(old, ignore_errors=True)
    for name in LEGACY_FILES:
        (state_dir / name).unlink(missing_ok=True)


def _write(folder: Path, world: World, world_id: str) -> None:
    frames = {name: _write_frame(getattr(world, name), folder, name) for name in FRAMES}
    arrays: dict[str, np.ndarray] = {}
    extra = _encode(world.extra, arrays, "extra")
    np.savez(folder / _ARRAYS, **arrays)
    manifest = {"format": FORMAT, "world_id": world_id, "seed": world.seed,
                "now": _encode_now(world.now), "frames": frames, "extra": extra}
    (folder / _MANIFEST).write_text(json.dumps(manifest, allow_nan=True))
    for path in folder.iterdir():
        _fsync(path)
    _fsync(folder)


def load_world(state_dir: Path) -> World:
    """The world saved in ``state_dir`` (raises WorldNotSaved if there is none)."""
    folder = Path(state_dir) / WORLD_DIR
    manifest = _manifest(Path(state_dir))
    frames = {name: _read_frame(folder, name, spec)
              for name, spec in manifest["frames"].items()}
    with np.load(folder / _ARRAYS, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    return World(**frames, now=_decode_now(manifest["now"]), seed=manifest["seed"],
                 extra=_decode(manifest["extra"], arrays))


def saved_world_id(state_dir: Path) -> str | None:
    """The id ``save_world`` was given for the world in ``state_dir``; None if there is none
    (or only a world in an older format)."""
    try:
        return _manifest(Path(state_dir)).get("world_id", "")
    except WorldNotSaved:
        return None


def _manifest(state_dir: Path) -> dict:
    _recover(state_dir)
    try:
        manifest = json.loads((state_dir / WORLD_DIR / _MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise WorldNotSaved(f"no saved world in {state_dir}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise WorldNotSaved(f"the world in {state_dir} has format {manifest.get('format')!r}, "
                            f"not {FORMAT}")
    return manifest


def _recover(state_dir: Path) -> None:
    """Put back the previous world if a save stopped between its two renames."""
    old = state_dir / _OLD
    if old.is_dir() and not (state_dir / WORLD_DIR).exists():
        old.rename(state_dir / WORLD_DIR)


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk; folders cannot be opened on Windows."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if path.is_dir():
            return
        raise
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- tables ----------------------------------------------------------------------------------

def _write_frame(frame: pd.DataFrame, folder: Path, name: str) -> dict:
    """Write ``frame`` as ``name.parquet`` (plus one table per categorical column); return what
    reading it back needs."""
    if not all(isinstance(c, str) for c in frame.columns) or not frame.columns.is_unique:
        raise TypeError(f"{name}: column names must be unique strings to be saved")
    spec = {"dtypes": {c: str(t) for c, t in frame.dtypes.items()}, "categoricals": {}}
    out = frame
    for col in frame.columns:
        dtype = frame[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            if out is frame:
                out = frame.copy(deep=False)
            out[col] = frame[col].cat.codes
            cats = f"{name}.{col}.categories"
            if not isinstance(dtype.categories.name, str | None):
                raise TypeError(f"{name}.{col}: the categories' name must be a string")
            spec["categoricals"][col] = {"ordered": bool(dtype.ordered),
                                         "name": dtype.categories.name, "categories":
                                         _write_frame(pd.DataFrame({"c": dtype.categories}),
                                                      folder, cats)}
    pq.write_table(pa.Table.from_pandas(out, preserve_index=None), folder / f"{name}.parquet")
    return spec


def _read_frame(folder: Path, name: str, spec: dict) -> pd.DataFrame:
    table = pq.read_table(folder / f"{name}.parquet")
    frame = table.to_pandas()
    for col, dtype in spec["dtypes"].items():
        if col in spec["categoricals"]:
            cat = spec["categoricals"][col]
            categories = pd.Index(_read_frame(folder, f"{name}.{col}.categories",
                                              cat["categories"])["c"]).rename(cat["name"])
            frame[col] = pd.Categorical.from_codes(
                frame[col].to_numpy(), dtype=pd.CategoricalDtype(categories, cat["ordered"]))
        elif dtype == "object":
            # Parquet has no object type: strings come back as str, with NaN for None
            frame[col] = pd.Series(table.column(col).to_numpy(zero_copy_only=False),
                                   index=frame.index, dtype=object)
        elif str(frame[col].dtype) != dtype:
            frame[col] = frame[col].astype(dtype)
    return frame


# --- extra -----------------------------------------------------------------------------------

_PLAIN = (type(None), bool, int, float, str)


def _encode(value, arrays: dict[str, np.ndarray], where: str):
    """A JSON-able description of ``value``; its arrays go into ``arrays``."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError(f"{where}: only dicts with string keys can be saved")
        return {"dict": {k: _encode(v, arrays, f"{where}[{k!r}]") for k, v in value.items()}}
    if isinstance(value, np.ndarray):
        return _encode_array(value, arrays, where)
    if isinstance(value, np.generic):
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        if arrays[key].dtype.hasobject:
            raise TypeError(f"{where}: cannot save a numpy object scalar")
        return {"scalar": key}
    if isinstance(value, list | tuple):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, _PLAIN):
        return {"value": value}
    raise TypeError(f"{where}: cannot save a {type(value).__name__} without pickle")


def _encode_array(arr: np.ndarray, arrays: dict[str, np.ndarray], where: str) -> dict:
    key = f"a{len(arrays)}"
    if not arr.dtype.hasobject:
        arrays[key] = arr
        return {"array": key}
    if arr.dtype != object:
        raise TypeError(f"{where}: cannot save a structured array holding objects")
    flat = arr.ravel()
    missing = np.fromiter((x is None for x in flat), dtype=bool, count=len(flat))
    if not all(isinstance(x, str) for x in flat[~missing]):
        raise TypeError(f"{where}: only object arrays of str (or None) can be saved")
    encoded = [b"" if x is None else x.encode("utf-8", "surrogatepass") for x in flat]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)),
              out=offsets[1:])
    arrays[key + "_data"] = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    arrays[key + "_offsets"] = offsets
    arrays[key + "_none"] = missing
    return {"strings": {"key": key, "shape": list(arr.shape)}}


def _decode(node: dict, arrays: dict[str, np.ndarray]):
    (kind, body), = node.items()
    if kind == "dict":
        return {k: _decode(v, arrays) for k, v in body.items()}
    if kind == "array":
        return arrays[body]
    if kind == "scalar":
        return arrays[body][()]
    if kind == "strings":
        return _decode_strings(arrays, body["key"], body["shape"])
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays) for v in body]
        return items if kind == "list" else tuple(items)
    if kind == "value":
        return body
    raise ValueError(f"unknown entry {kind!r} in the saved world")


def _decode_strings(arrays: dict[str, np.ndarray], key: str, shape: list[int]) -> np.ndarray:
    blob, offsets = arrays[key + "_data"].tobytes(), arrays[key + "_offsets"].tolist()
    out = np.empty(len(offsets) - 1, dtype=object)
    out[:] = [blob[a:b].decode("utf-8", "surrogatepass")
              for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    out[arrays[key + "_none"]] = None
    return out.reshape(shape)


def _encode_now(now) -> dict:
    if isinstance(now, pd.Timestamp):
        return {"timestamp": now.isoformat()}
    if isinstance(now, datetime):
        return {"datetime": now.isoformat()}
    raise TypeError(f"World.now: cannot save a {type(now).__name__}")


def _decode_now(node: dict):
    if "timestamp" in node:
        return pd.Timestamp(node["timestamp"])
    return datetime.fromisoformat(node["datetime"])
