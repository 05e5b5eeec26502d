"""The admin CLI, run for real: `main(argv)` in process against SQLite and PostgreSQL, and
`python -m server_sync` as a subprocess. Enrolment codes it issues work over HTTP, and a
device it revokes is refused by /api/v1/sync."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from server_sync import db, models
from server_sync.cli import main, write_qr
from server_sync.services import admin, enrolment
from tests.server.browser import sign_in_form

ROOT = Path(__file__).resolve().parents[2]
CSV = (
    "id,name,team_active_since\n"
    "thon-na-pan,Thôn Nà Pàn,2026-03-01\n"
    "thon-ban-cao,Thôn Bản Cao,\n"
    "thon-khon-chu,Thôn Khòn Chu,\n"
)


def run(url: str, *argv: str) -> int:
    return main(["--database-url", url, *argv])


def rows(url: str, model: Any) -> list[Any]:
    engine = db.make_engine(url)
    try:
        db.migrate(engine)
        with db.session_factory(engine)() as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


def setup_commune(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """init-commune, import-hamlets, add-volunteer; the volunteer's id."""
    assert run(url, "init-commune", "06577") == 0
    (tmp_path / "thon.csv").write_text(CSV, encoding="utf-8")
    assert run(url, "import-hamlets", str(tmp_path / "thon.csv")) == 0
    capsys.readouterr()
    assert run(url, "add-volunteer", "--name", "Hoàng Thị Hoa", "--hamlets", "thon-na-pan,thon-ban-cao") == 0
    return capsys.readouterr().out.strip()


# -- the commune -----------------------------------------------------------------------------------


def test_init_commune_sets_up_xa_thong_nhat_and_rerunning_is_harmless(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "init-commune", "06577") == 0
    assert "Xã Thống Nhất" in capsys.readouterr().out
    [commune] = rows(database_url, models.Commune)
    assert (commune.code, commune.name, commune.province) == ("06577", "Xã Thống Nhất", "Lạng Sơn")
    assert run(database_url, "set-adult-age", "15") == 0
    assert run(database_url, "init-commune", "6577") == 0  # leading zero optional
    assert "already set up" in capsys.readouterr().out
    [commune] = rows(database_url, models.Commune)
    assert commune.adult_age == 15  # re-running keeps the configuration
    assert run(database_url, "set-time-zone", "Asia/Bangkok") == 0
    assert run(database_url, "set-campaign-start", "2026-02-01") == 0
    assert "2026-02-01" in capsys.readouterr().out
    [commune] = rows(database_url, models.Commune)
    assert (commune.time_zone, commune.campaign_start.isoformat()) == ("Asia/Bangkok", "2026-02-01")


@pytest.mark.parametrize("code", ["99999", "abc", "123456", ""])
def test_unknown_commune_code_is_refused_and_nothing_written(
    code: str, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "init-commune", code) == 2
    err = capsys.readouterr().err
    assert "Lỗi" in err and "Error" in err
    assert rows(database_url, models.Commune) == []


def test_commands_before_init_commune_say_what_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    (tmp_path / "thon.csv").write_text(CSV, encoding="utf-8")
    assert run(url, "import-hamlets", str(tmp_path / "thon.csv")) == 2
    assert "init-commune" in capsys.readouterr().err
    assert rows(url, models.Hamlet) == []


# -- hamlets ------------------------------------------------------------------------------------------


def test_import_hamlets_with_bom_then_reimport_updates_and_is_idempotent(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "init-commune", "06577") == 0
    path = tmp_path / "thon.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV.replace("\n", "\r\n").encode("utf-8"))  # Excel's "CSV UTF-8"
    assert run(database_url, "import-hamlets", str(path)) == 0
    assert "3 hamlet(s) added" in capsys.readouterr().out
    hamlets = {h.id: h for h in rows(database_url, models.Hamlet)}
    assert hamlets["thon-na-pan"].name == "Thôn Nà Pàn" and hamlets["thon-na-pan"].team_active_since == "2026-03-01"
    assert hamlets["thon-ban-cao"].team_active_since is None and hamlets["thon-na-pan"].commune_code == "06577"
    tallies_before = len(rows(database_url, models.HamletTally))

    assert run(database_url, "import-hamlets", str(path)) == 0  # the same file again
    assert "0 updated, 3 unchanged" in capsys.readouterr().out
    # A renamed hamlet and a file without the team column: names change, flags stay.
    path.write_text("id;name\nthon-na-pan;Thôn Nà Pàn (mới)\nthon-pac-ma;Thôn Pác Mạ\n", encoding="utf-8")
    assert run(database_url, "import-hamlets", str(path)) == 0
    out = capsys.readouterr().out
    assert "1 hamlet(s) added, 1 updated" in out and "thon-ban-cao" in out  # kept, and said so
    hamlets = {h.id: h for h in rows(database_url, models.Hamlet)}
    assert len(hamlets) == 4 and hamlets["thon-na-pan"].name == "Thôn Nà Pàn (mới)"
    assert hamlets["thon-na-pan"].team_active_since == "2026-03-01"
    assert len(rows(database_url, models.HamletTally)) == tallies_before * 4 // 3


def test_bad_csv_rows_are_all_reported_by_line_and_nothing_is_written(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "init-commune", "06577") == 0
    path = tmp_path / "thon.csv"
    path.write_text(
        "id,name,team_active_since\n"
        "thon-na-pan,Thôn Nà Pàn,2026-03-01\n"  # line 2: fine
        "thôn-bản-cao,Thôn Bản Cao,\n"  # 3: not a slug
        "\n"  # 4: blank, skipped
        "thon-khon-chu,,\n"  # 5: no name
        "thon-na-pan,Again,\n"  # 6: duplicate of line 2
        "thon-pac-ma,Thôn Pác Mạ,31/02/2026\n"  # 7: no such day
        "thon-x,Thôn X\n"  # 8: missing a column
        '"thon-y","Thôn Y, ""mới""",\n',
        encoding="utf-8",
    )  # 9: fine (quoted)
    assert run(database_url, "import-hamlets", str(path)) == 2
    err = capsys.readouterr().err
    for line in (3, 5, 6, 7, 8):
        assert f"Line {line}:" in err and f"Dòng {line}:" in err
    for line in (2, 4, 9):
        assert f"Line {line}:" not in err
    assert "nothing was written" in err
    assert rows(database_url, models.Hamlet) == []

    path.write_bytes("id,name\nthon-a,Thôn Bà\n".encode("cp1258"))
    assert run(database_url, "import-hamlets", str(path)) == 2
    assert "not UTF-8 (line 2)" in capsys.readouterr().err
    path.write_text("ma,ten\nthon-a,A\n", encoding="utf-8")
    assert run(database_url, "import-hamlets", str(path)) == 2
    assert "Line 1 must be the header" in capsys.readouterr().err
    assert run(database_url, "import-hamlets", str(tmp_path / "missing.csv")) == 2
    assert rows(database_url, models.Hamlet) == []


def test_a_hamlet_file_from_vietnamese_excel_with_day_first_dates_is_imported_and_kept_iso(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 12 §4's example: `;`, a BOM, CRLF and dd/mm/yyyy, as a spreadsheet in Vietnamese saves it.
    assert run(database_url, "init-commune", "06577") == 0
    path = tmp_path / "thon.csv"
    path.write_bytes(
        "id;name;team_active_since\r\nthon-na-pan;Thôn Nà Pàn;15/03/2026\r\nthon-ban-cao;Thôn Bản Cao;1.4.2026\r\n".encode(
            "utf-8-sig"
        )
    )
    assert run(database_url, "import-hamlets", str(path)) == 0
    hamlets = {h.id: h.team_active_since for h in rows(database_url, models.Hamlet)}
    assert hamlets == {"thon-na-pan": "2026-03-15", "thon-ban-cao": "2026-04-01"}
    assert run(database_url, "set-team", "thon-ban-cao", "--since", "01/05/2026") == 0
    assert run(database_url, "set-campaign-start", "2/1/2026") == 0
    capsys.readouterr()
    assert {h.id: h.team_active_since for h in rows(database_url, models.Hamlet)}["thon-ban-cao"] == "2026-05-01"
    [commune] = rows(database_url, models.Commune)
    assert commune.campaign_start.isoformat() == "2026-01-02"

    before = {h.id: h.team_active_since for h in rows(database_url, models.Hamlet)}
    for typed in ("31/02/2027", "05/31/2026", "1/5/26"):
        assert run(database_url, "set-team", "thon-ban-cao", "--since", typed) == 2
        err = capsys.readouterr().err
        assert typed in err and "Lỗi:" in err and "Error:" in err
    path.write_text("id,name,team_active_since\nthon-na-pan,Thôn Nà Pàn,2027-13-01\n", encoding="utf-8")
    assert run(database_url, "import-hamlets", str(path)) == 2
    err = capsys.readouterr().err
    assert "Dòng 2:" in err and "Line 2:" in err and "2027-13-01" in err
    assert {h.id: h.team_active_since for h in rows(database_url, models.Hamlet)} == before


# -- volunteers, codes and QR --------------------------------------------------------------------------


def png_modules(path: Path, scale: int, border: int, size: int) -> list[list[bool]]:
    """The dark/light module grid of the `size`-module QR at the top of the PNG, centred across
    its width (the caption lines sit below it), read at each module's centre."""
    from PIL import Image

    image = Image.open(path).convert("L")
    left = (image.width - (size + 2 * border) * scale) // 2
    return [
        [
            image.getpixel((left + (border + c) * scale + scale // 2, (border + r) * scale + scale // 2)) < 128
            for c in range(size)
        ]
        for r in range(size)
    ]


def test_issue_code_prints_a_code_that_enrols_once_and_a_qr_of_url_and_code(
    database_url: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    assert len(volunteer_id) == 36  # stdout is the id alone
    qr = tmp_path / "qr" / "hoa.png"
    assert (
        run(
            database_url,
            "issue-code",
            "--volunteer",
            volunteer_id,
            "--server-url",
            "http://192.168.1.10:8000/",
            "--qr",
            str(qr),
            "--days",
            "3",
        )
        == 0
    )
    captured = capsys.readouterr()
    code = captured.out.strip()
    assert len(code) == 9 and code[4] == "-" and "http://192.168.1.10:8000" in captured.err

    link = admin.enrol_link("http://192.168.1.10:8000", code)
    assert link == f"khaosat://enrol?server=http%3A%2F%2F192.168.1.10%3A8000&code={code}"
    assert admin.parse_enrol_link(link) == ("http://192.168.1.10:8000", code)
    # The PNG is exactly the QR symbol of that text (segno cannot decode, nothing pure-Python
    # here does: compare the image's modules with the symbol segno makes of the link).
    assert 8_000 > len(qr.read_bytes()) > 200  # the QR and two lines of text
    expected = [[bool(v) for v in row] for row in segno.make(link, error="m", micro=False).matrix]
    assert png_modules(qr, scale=10, border=4, size=len(expected)) == expected

    with enrolment_rows(database_url) as (codes, _):
        [stored] = codes
        assert stored.code_hash == enrolment.digest(code.replace("-", "")) and code not in str(stored.__dict__)
        assert 2.9 < (stored.expires_at - stored.created_at).total_seconds() / 86400 < 3.1
    response = client.post("/api/v1/enroll", json={"code": code, "device_name": "Redmi 9A"})
    assert response.status_code == 200, response.text
    assert response.json()["commune"] == {"code": "06577", "name": "Xã Thống Nhất", "province": "Lạng Sơn"}
    assert sorted(h["id"] for h in response.json()["hamlets"]) == ["thon-ban-cao", "thon-na-pan"]
    again = client.post("/api/v1/enroll", json={"code": code, "device_name": "other"})
    assert again.status_code == 401


class enrolment_rows:
    def __init__(self, url: str) -> None:
        self.engine = db.make_engine(url)

    def __enter__(self) -> tuple[list[Any], list[Any]]:
        session = db.session_factory(self.engine)()
        self.session = session
        return (list(session.scalars(select(models.EnrolmentCode))), list(session.scalars(select(models.Device))))

    def __exit__(self, *exc: object) -> None:
        self.session.close()
        self.engine.dispose()


def test_default_qr_file_and_no_qr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    volunteer_id = setup_commune(url, tmp_path, capsys)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVER_URL", "https://xa-thongnhat.example.vn/sync")
    assert run(url, "issue-code", "--volunteer", volunteer_id) == 0
    captured = capsys.readouterr()
    code = captured.out.strip()
    assert (tmp_path / f"enrol-{code}.png").is_file()
    assert "https%3A%2F%2Fxa-thongnhat.example.vn%2Fsync" in captured.err
    assert run(url, "issue-code", "--volunteer", volunteer_id, "--no-qr") == 0
    assert len(list(tmp_path.glob("enrol-*.png"))) == 1


def test_bad_input_exits_2_and_writes_nothing(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    bad = [
        ["add-volunteer", "--name", "Lý Văn Nam", "--hamlets", "thon-na-pan,thon-khong-co"],
        ["add-volunteer", "--name", "  ", "--hamlets", "thon-na-pan"],
        ["add-volunteer", "--name", "Lý Văn Nam"],
        ["issue-code", "--volunteer", "no-such-volunteer", "--server-url", "http://10.0.0.1:8000"],
        ["issue-code", "--volunteer", volunteer_id, "--server-url", "http://admin:secret@10.0.0.1:8000"],
        ["issue-code", "--volunteer", volunteer_id, "--server-url", "ftp://10.0.0.1"],
        ["issue-code", "--volunteer", volunteer_id, "--server-url", "http://10.0.0.1:8000", "--days", "0"],
        ["set-target", "no_such_indicator", "--min", "90"],
        ["set-target", "adults_ready", "--min", "120"],
        ["set-target", "products_online", "--min", "50", "--max", "30"],
        ["set-target", "adults_ready", "--default", "--strict"],
        ["set-target", "adults_ready"],
        ["set-adult-age", "16"],
        ["set-time-zone", "Mars/Olympus_Mons"],
        ["set-campaign-start", "31/02/2026"],
        ["set-team", "thon-na-pan", "--since", "03/31/2026"],
        ["set-team", "thon-khong-co", "--none"],
        ["set-team", "thon-na-pan"],
        ["revoke-device", "no-such-device"],
        ["init-commune", "06577", "--commune", "06577"],
        ["no-such-command"],
    ]
    for argv in bad:
        assert run(database_url, *argv) == 2, argv
        err = capsys.readouterr().err
        assert "Error" in err or "Usage error" in err, argv
    assert len(rows(database_url, models.Volunteer)) == 1
    assert rows(database_url, models.EnrolmentCode) == []
    [commune] = rows(database_url, models.Commune)
    assert commune.targets == {} and commune.adult_age == 18
    assert (commune.time_zone, commune.campaign_start.isoformat()) == ("Asia/Ho_Chi_Minh", "2026-01-01")
    assert main(["--help"]) == 0


# -- devices -----------------------------------------------------------------------------------------------


def test_a_revoked_phone_gets_401_from_sync(
    database_url: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    tokens = {}
    for phone in ("Samsung A05 của chị Hoa", "Nokia 4G"):
        assert (
            run(
                database_url,
                "issue-code",
                "--volunteer",
                volunteer_id,
                "--no-qr",
                "--server-url",
                "http://127.0.0.1:8000",
            )
            == 0
        )
        code = capsys.readouterr().out.strip()
        enrolled = client.post("/api/v1/enroll", json={"code": code, "device_name": phone}).json()
        tokens[enrolled["device_id"]] = enrolled["token"]
    lost, kept = list(tokens)
    body = {"protocol": 2, "app_version": "0.1.0", "cursor": None, "households": [], "visits": []}

    def sync(device_id: str) -> Any:
        return client.post("/api/v1/sync", json=body, headers={"Authorization": f"Bearer {tokens[device_id]}"})

    assert sync(lost).status_code == 200
    assert run(database_url, "list-devices") == 0
    listing = capsys.readouterr().out
    assert lost in listing and "Samsung A05 của chị Hoa" in listing and "Hoàng Thị Hoa" in listing
    assert "revoked" not in listing.split("\n", 1)[1]

    assert run(database_url, "revoke-device", lost) == 0
    assert "Revoked" in capsys.readouterr().out
    refused = sync(lost)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_revoked"
    assert sync(kept).status_code == 200
    assert run(database_url, "revoke-device", lost) == 0  # again: harmless
    assert "already revoked" in capsys.readouterr().out
    assert run(database_url, "list-devices") == 0
    listing = capsys.readouterr().out
    assert next(line for line in listing.splitlines() if lost in line).count("revoked") == 1
    with enrolment_rows(database_url) as (_, devices):
        assert all(d.token_hash not in tokens.values() for d in devices)


# -- configuration -------------------------------------------------------------------------------------------


def test_targets_adult_age_and_team_flags(
    database_url: str, client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    volunteer_id = setup_commune(database_url, tmp_path, capsys)
    assert run(database_url, "set-target", "products_online", "--min", "30", "--max", "50") == 0
    assert run(database_url, "set-target", "adults_ready", "--min", "95", "--strict") == 0
    assert run(database_url, "set-target", "households_waste_sorting", "--none") == 0
    assert run(database_url, "set-target", "visit_coverage", "--min", "80") == 0
    assert run(database_url, "set-target", "visit_coverage", "--default") == 0
    assert run(database_url, "set-adult-age", "15") == 0
    assert run(database_url, "set-team", "thon-ban-cao", "--since", "2026-04-01") == 0
    assert run(database_url, "set-team", "thon-na-pan", "--none") == 0
    capsys.readouterr()
    [commune] = rows(database_url, models.Commune)
    assert commune.adult_age == 15
    config = admin.coverage_config(commune)
    assert (config.targets["adults_ready"].min, config.targets["adults_ready"].strict) == (95, True)
    assert (config.targets["products_online"].min, config.targets["products_online"].max) == (30, 50)
    assert "households_waste_sorting" not in config.targets
    assert config.targets["visit_coverage"].min == 100  # back to the default
    hamlets = {h.id: h.team_active_since for h in rows(database_url, models.Hamlet)}
    assert hamlets == {"thon-na-pan": None, "thon-ban-cao": "2026-04-01", "thon-khon-chu": None}

    # What a phone then receives at enrolment.
    assert (
        run(database_url, "issue-code", "--volunteer", volunteer_id, "--no-qr", "--server-url", "http://127.0.0.1:8000")
        == 0
    )
    code = capsys.readouterr().out.strip()
    enrolled = client.post("/api/v1/enroll", json={"code": code, "device_name": "A05"}).json()
    assert enrolled["config"]["adult_age"] == 15
    assert enrolled["config"]["targets"]["adults_ready"]["min"] == 95
    coverage = client.get("/api/v1/coverage", headers={"Authorization": f"Bearer {enrolled['token']}"}).json()
    assert coverage["adult_age"] == 15
    assert coverage["commune"]["hamlets_with_team"]["numerator"] == 1


def test_commune_is_chosen_with_commune_when_there_are_several(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'server.db'}"
    assert run(url, "init-commune", "06577") == 0
    assert run(url, "init-commune", "00070") == 0  # Phường Hoàn Kiếm, Hà Nội
    capsys.readouterr()
    assert run(url, "set-adult-age", "15") == 2
    assert "--commune" in capsys.readouterr().err
    assert run(url, "set-adult-age", "15", "--commune", "70") == 0
    ages = {c.code: (c.name, c.province, c.adult_age) for c in rows(url, models.Commune)}
    assert ages == {"06577": ("Xã Thống Nhất", "Lạng Sơn", 18), "00070": ("Phường Hoàn Kiếm", "Thành phố Hà Nội", 15)}


# -- the demo ---------------------------------------------------------------------------------------------------


def test_seed_demo_only_on_an_empty_database(
    database_url: str, client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(database_url, "seed-demo") == 0
    assert "Seeded demo commune 06577" in capsys.readouterr().out
    households, visits = len(rows(database_url, models.Household)), len(rows(database_url, models.Visit))
    assert households >= 20 and visits >= 10
    assert {h.name for h in rows(database_url, models.Hamlet)} >= {"Thôn Nà Pàn", "Thôn Bản Cao"}
    assert run(database_url, "seed-demo") == 0
    assert "no demo data added" in capsys.readouterr().out
    assert len(rows(database_url, models.Household)) == households

    [volunteer] = rows(database_url, models.Volunteer)
    assert (
        run(database_url, "issue-code", "--volunteer", volunteer.id, "--no-qr", "--server-url", "http://127.0.0.1:8000")
        == 0
    )
    code = capsys.readouterr().out.strip()
    token = client.post("/api/v1/enroll", json={"code": code, "device_name": "demo"}).json()["token"]
    synced = client.post(
        "/api/v1/sync",
        headers={"Authorization": f"Bearer {token}"},
        json={"protocol": 2, "app_version": "0.1.0", "cursor": None, "households": [], "visits": []},
    )
    assert synced.status_code == 200
    roster = synced.json()["roster"]
    assert {h["hamlet_id"] for h in roster["households"]} == {"thon-na-pan", "thon-ban-cao"}
    coverage = synced.json()["coverage"]["hamlets"]["thon-na-pan"]["visit_coverage"]
    assert 0 < coverage["numerator"] < coverage["denominator"]


# -- as a program ------------------------------------------------------------------------------------------------


def cli(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server_sync", *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_python_m_server_sync_as_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "SERVER_DATA_DIR": str(tmp_path / "data"), "PYTHONIOENCODING": "utf-8"}
    env.pop("DATABASE_URL", None)
    done = cli("init-commune", "06577", env=env)
    assert done.returncode == 0 and "Xã Thống Nhất" in done.stdout, done.stderr
    assert (tmp_path / "data" / "server.db").is_file()
    (tmp_path / "thon.csv").write_text(CSV, encoding="utf-8")
    assert cli("import-hamlets", str(tmp_path / "thon.csv"), env=env).returncode == 0
    added = cli("add-volunteer", "--name", "Hoàng Thị Hoa", "--hamlets", "thon-na-pan,thon-ban-cao", env=env)
    assert added.returncode == 0 and len(added.stdout.strip()) == 36 and "Hoàng Thị Hoa" in added.stderr
    bad = cli("init-commune", "99999", env=env)
    assert bad.returncode == 2 and "99999" in bad.stderr and bad.stdout == ""
    usage = cli("set-adult-age", "16", env=env)
    assert usage.returncode == 2 and "Usage error" in usage.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_migrates_then_answers_health(tmp_path: Path) -> None:
    env = {**os.environ, "SERVER_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "server_sync", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200, server.poll()
        assert health.json()["protocol"] == 2
        engine = db.make_engine(f"sqlite:///{tmp_path / 'data' / 'server.db'}")
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(models.Commune.__table__)).scalar() == 0
        revision = db.current_revision(engine)
        engine.dispose()
        assert revision is not None
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"schema at revision {revision}" in output
    assert server.returncode in (0, -15)


def test_write_qr_makes_a_png_with_the_volunteer_and_the_code_under_it(tmp_path: Path) -> None:
    from PIL import Image, ImageFont

    link = admin.enrol_link("http://192.168.1.10:8000", "K7P2-9QXA")
    bare = Image.open(write_qr(link, tmp_path / "bare.png"))
    path = write_qr(link, tmp_path / "a" / "b.png", ("Nguyễn Thị Ánh Đào", "K7P2-9QXA"))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    labelled = Image.open(path).convert("L")
    assert labelled.height > bare.height + 60  # two lines of text below the code
    below = labelled.crop((0, bare.height, labelled.width, labelled.height))
    assert below.getextrema()[0] < 100  # something dark is written there
    # the bundled font draws every Vietnamese letter of the caption (no empty boxes)
    font = ImageFont.truetype(str(admin.FONTS / "DejaVuSans-Bold.ttf"), 30)
    missing = font.getmask("\uffff").getbbox()
    assert [ch for ch in "Nguyễn Thị Ánh Đào ỹữợ" if ch != " " and font.getmask(ch).getbbox() == missing] == []
    with pytest.raises(ValueError):
        admin.parse_enrol_link("https://example.com/?server=x&code=y")


def test_make_runs_preparation_seeds_once_and_issues_a_working_code(
    database_url: str, client: TestClient, tmp_path: Path
) -> None:
    from server_sync import devrun

    first = devrun.prepare("http://127.0.0.1:8000", tmp_path / "data", database_url)
    assert first is not None and first.volunteer == "Hoàng Thị Hoa"
    assert first.qr == tmp_path / "data" / "enrol-demo.png" and first.qr.is_file()
    households = len(rows(database_url, models.Household))
    second = devrun.prepare("http://127.0.0.1:8000", tmp_path / "data", database_url)
    assert second is not None and second.code != first.code
    assert len(rows(database_url, models.Household)) == households  # seeded once
    text = devrun.banner("http://127.0.0.1:8550", "http://127.0.0.1:8000", second)
    assert "http://127.0.0.1:8550" in text and second.code in text
    for code in (first.code, second.code):
        assert client.post("/api/v1/enroll", json={"code": code, "device_name": "web"}).status_code == 200
    # The demo dashboard accounts: made once, the same on every start, and they sign in.
    assert [(u, r) for u, r, _ in first.staff] == [("admin", "admin"), ("canbo", "staff")]
    assert second.staff == first.staff
    assert (tmp_path / "data" / "demo-staff.txt").stat().st_mode & 0o077 == 0
    assert "/dash/" in text and first.staff[0][2] in text
    for username, _role, password in first.staff:
        response = client.post(
            "/dash/sign-in", data=sign_in_form(client, username=username, password=password), follow_redirects=False
        )
        assert response.status_code == 303 and "khaosat_staff" in response.cookies


def test_serving_leaves_what_was_loaded_before_out_of_full_collections() -> None:
    """Issue 12 §6: a full garbage collection walked the ~190,000 objects the server loads
    before serving (~80 ms here) inside whichever request crossed the threshold; the current
    overview at 1,000 hamlets took ~95 ms instead of ~17 ms when one did. `serve` freezes
    them first: a sweep walks only what requests allocated since."""
    import gc

    from server_sync.cli import settle_heap

    loaded = [[k] for k in range(1_000)]  # tracked by the collector
    try:
        frozen = settle_heap()
        assert frozen == gc.get_freeze_count() > len(loaded)
        assert len(gc.get_objects()) < frozen / 10  # the next sweep walks almost nothing
        assert not any(o is loaded[-1] for o in gc.get_objects())  # what was loaded is left alone
        assert loaded[-1] == [999]  # and kept, not collected
    finally:
        gc.unfreeze()
    assert len(gc.get_objects()) >= frozen  # back in the sweeps: nothing lost
