"""An Airflow UI page listing Empathy Engine runs and their reports.

Registered through the ``airflow.plugins`` entry point; the page is a small FastAPI app that
the api-server mounts at ``/empathy`` and links from the navigation bar.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
from airflow.api_fastapi.core_api.security import requires_access_view
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse

from empathy_engine.airflow_plugin.context import airflow_data_dir

# Run reports can name contacts (data-quality examples), so the page needs an Airflow login
# with access to plugin views, like the rest of the UI.
app = FastAPI(title="Empathy Engine runs",
              dependencies=[Depends(requires_access_view(AccessView.PLUGINS))])


def _runs_dir() -> Path:
    return Path(airflow_data_dir()) / "runs"


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>{html.escape(title)}</title>"
                        "<body style='font-family:sans-serif;max-width:60em;margin:2em auto'>"
                        f"<h1>{html.escape(title)}</h1>{body}</body>")


@app.get("/", response_class=HTMLResponse)
def list_runs() -> HTMLResponse:
    runs = sorted((p.name for p in _runs_dir().glob("*") if (p / "report.json").exists()),
                  reverse=True)
    items = "".join(f"<li><a href='runs/{r}'>{r}</a></li>" for r in runs) or "<li>no runs yet</li>"
    return _page("Empathy Engine runs", f"<ul>{items}</ul>")


@app.get("/runs/{run_date}", response_class=HTMLResponse)
def show_run(run_date: str) -> HTMLResponse:
    path = _runs_dir() / run_date / "report.md"
    if not run_date.replace("-", "").isdigit() or not path.exists():
        raise HTTPException(status_code=404, detail=f"no report for {run_date}")
    quality = _runs_dir() / run_date / "quality_raw.json"
    details = json.loads(quality.read_text()) if quality.exists() else {}
    return _page(f"Run {run_date}", f"<pre>{html.escape(path.read_text())}</pre>"
                 f"<h2>Data quality</h2><pre>{html.escape(json.dumps(details, indent=2))}</pre>")


class EmpathyPlugin(AirflowPlugin):
    """Adds the Empathy Engine runs page to the Airflow UI."""

    name = "empathy_engine"
    fastapi_apps = [{"app": app, "url_prefix": "/empathy", "name": "Empathy Engine runs"}]
    external_views = [{"name": "Empathy runs", "href": "/empathy/", "destination": "nav",
                       "category": "browse"}]
