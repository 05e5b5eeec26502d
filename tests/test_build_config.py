"""The APK build's inputs, checked offline: `flet build apk` itself needs the Flutter SDK and
runs only on a hosted runner (.github/workflows/apk.yml), so what it reads is checked here.

Keys are the ones flet-cli 1.0.5 reads (flet_cli/commands/build_base.py): `tool.flet.app.path`
and `module`, `tool.flet.android.deep_linking.scheme`/`host`, and the icon and splash images
in the packaged app's `assets/` folder (`icon.png`, `splash_android.png`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))


def workflow() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "apk.yml").read_text("utf-8"))


def test_the_enrolment_link_opens_the_app_the_deep_link_names() -> None:
    from state import ENROL_LINK, enrolment_link

    from server_sync.services import admin

    linking = pyproject()["tool"]["flet"]["android"]["deep_linking"]
    assert f"{linking['scheme']}://{linking['host']}" == ENROL_LINK == admin.ENROL_SCHEME
    link = admin.enrol_link("http://192.168.1.10:8000", "K7P2-9QXA")
    assert link.startswith(ENROL_LINK + "?") and enrolment_link(link) == ("http://192.168.1.10:8000", "K7P2-9QXA")


def test_the_packaged_app_its_icon_and_splash_are_where_flet_build_looks() -> None:
    flet = pyproject()["tool"]["flet"]
    app = ROOT / flet["app"]["path"]
    assert (app / f"{flet['app']['module']}.py").is_file()
    assert flet["android"]["min_sdk_version"] >= 24 and flet["splash"]["color"].startswith("#")
    with Image.open(ROOT / "assets" / "icon.png") as icon:
        assert icon.format == "PNG" and icon.width == icon.height >= 512
    with Image.open(ROOT / "assets" / "splash_android.png") as splash:
        assert splash.format == "PNG" and min(splash.size) >= 288
    # the workflow copies them into the packaged folder, where flet-cli looks (app path/assets)
    build = workflow()["jobs"]["build-apk"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert f"cp -r assets {flet['app']['path']}/assets" in runs
    assert any(r.startswith("flet build apk") for r in runs)


def test_the_apk_workflow_runs_the_projects_ci_with_what_the_tests_need() -> None:
    jobs = workflow()["jobs"]
    test = jobs["test"]
    assert jobs["build-apk"]["needs"] == "test"
    # the tests fail rather than skip under CI: PostgreSQL and chromium must be there
    assert [s["run"] for s in test["steps"] if "run" in s] == ["bash .ci/run"]
    assert "postgres" in test["services"] and test["services"]["postgres"]["image"].startswith("postgres:")
    url = test["env"]["TEST_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@postgres:5432/" in url
    assert re.match(r"^(python|debian):[\w.-]*bookworm", test["container"])  # apt's chromium is a real one
    assert "apt-get install" in (ROOT / ".ci" / "run").read_text("utf-8")
    # the CLI that builds is the version the app runs on
    flet_pin = next(d for d in pyproject()["project"]["dependencies"] if d.startswith("flet=="))
    cli = next(s["run"] for s in jobs["build-apk"]["steps"] if "flet[cli]" in s.get("run", ""))
    assert f'"flet[cli]=={flet_pin.split("==")[1]}"' in cli
