"""The product wheel: one namespace, no sandbox, no web-server stack.

The first tests build the wheel (pip fetches the build backend, setuptools, if not cached) and read
its metadata; the second installs it into a fresh virtual environment with its declared
dependencies and checks what a user's Airflow environment sees.
"""

from __future__ import annotations

import email
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_ONLY = {"starlette", "uvicorn", "cryptography", "jinja2", "empathy-sandbox"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(out), str(ROOT)],
                   check=True, timeout=300, cwd=out)
    (path,) = out.glob("empathy_engine-*.whl")
    return path


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def _metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(zf.read(meta))


def test_the_wheel_installs_one_namespace(wheel):
    tops = {name.split("/")[0] for name in _names(wheel)}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"empathy_engine"}
    with zipfile.ZipFile(wheel) as zf:
        (top_level,) = [n for n in zf.namelist() if n.endswith("top_level.txt")]
        assert zf.read(top_level).decode().split() == ["empathy_engine"]


def test_the_wheel_holds_the_folders_of_the_design_card(wheel):
    names = _names(wheel)
    for module in ["empathy_engine/core/errors.py", "empathy_engine/connectors/retry.py",
                   "empathy_engine/models/policy.py", "empathy_engine/expectations/runner.py",
                   "empathy_engine/expectations/decisions.json",
                   "empathy_engine/airflow_plugin/plugin.py", "empathy_engine/stages/score.py"]:
        assert module in names
    assert not [n for n in names if "sandbox/" in n or "empathy_sandbox" in n]


def test_the_wheel_depends_on_no_sandbox_or_web_server_package(wheel):
    requires = _metadata(wheel).get_all("Requires-Dist") or []
    runtime = {r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0]
               .split("!")[0].split("~")[0].strip().lower()
               for r in requires if "extra ==" not in r}
    assert "apache-airflow" in runtime and "scikit-learn" in runtime
    assert runtime & SANDBOX_ONLY == set()


def test_the_entry_points_name_modules_inside_the_namespace(wheel):
    with zipfile.ZipFile(wheel) as zf:
        (ep,) = [n for n in zf.namelist() if n.endswith("entry_points.txt")]
        text = zf.read(ep).decode()
    assert "empathy_engine.airflow_plugin.provider:get_provider_info" in text
    assert "empathy_engine.airflow_plugin.plugin:EmpathyPlugin" in text
    assert "empathy_engine.cli:main" in text


@pytest.mark.integration
@pytest.mark.slow
def test_a_fresh_airflow_environment_sees_only_the_namespace(wheel, tmp_path):
    """pip install the wheel alone (dependencies from the index, as a user would)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                   check=True, timeout=1500)
    probe = (
        "import importlib.util, json\n"
        "from importlib.metadata import entry_points\n"
        "names = ['models', 'connectors', 'expectations', 'sandbox', 'empathy_sandbox',\n"
        "         'starlette', 'uvicorn', 'empathy_engine']\n"
        "found = {n: importlib.util.find_spec(n) is not None for n in names}\n"
        "eps = {g: [e.value for e in entry_points(group=g)\n"
        "           if e.value.startswith('empathy_engine')]\n"
        "       for g in ('apache_airflow_provider', 'airflow.plugins')}\n"
        "from empathy_engine.airflow_plugin.provider import get_provider_info\n"
        "print(json.dumps({'found': found, 'eps': eps,\n"
        "                  'conn': get_provider_info()['connection-types'][0]['connection-type']}))\n"
    )
    import json

    out = subprocess.run([str(python), "-c", probe], timeout=300,
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["found"] == {"models": False, "connectors": False, "expectations": False,
                               "sandbox": False, "empathy_sandbox": False,
                               "starlette": report["found"]["starlette"],
                               "uvicorn": report["found"]["uvicorn"], "empathy_engine": True}
    assert all(len(values) == 1 for values in report["eps"].values()), report["eps"]
    assert report["conn"] == "hubspot"
