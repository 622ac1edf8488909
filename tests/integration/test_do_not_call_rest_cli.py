"""An account's do-not-call list by REST and CLI, on moto: GIVEN the platform (the campaigns
product installed) and two accounts, WHEN acme lists, reads, pages through, imports (JSON and
CSV, with bad lines) and takes numbers off, THEN each answer says what happened (201 new, 200
listed already with its first entry kept, 204 taken off, 404 not listed), bad numbers are
refused naming each, an import lists the good lines and reports the bad ones, a body over the
cap is a 413 before it is parsed and one that is not JSON a 400 problem; globex never sees
acme's list; the routes are documented; and ``ringflow dnc`` does the same from the command
line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from platformkit import Platform, running_platform

from chalicelib.errors import NotFoundError, TooLargeError, ValidationError

MOBILE = "447911123456"
OTHER = "447911123457"
NEW_YORK = "12125551234"
PROBLEM = "application/problem+json"


@dataclass
class Running:
    platform: Platform
    client: Any
    globex_key: str

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = None,
        media: str = "application/json",
        raw: bytes | None = None,
    ) -> Any:
        headers = {
            "Authorization": f"Bearer {key or self.platform.api_key}",
            "Content-Type": media,
        }
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        return self.client.http.request(method, path, headers=headers, body=data)

    @property
    def lists(self) -> Any:
        return self.platform.container.services("campaigns").do_not_call


@pytest.fixture
def running(monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    with running_platform(monkeypatch) as platform:
        _, globex_key = platform.container.admin.create_account("globex", "Globex", "en-GB")
        yield Running(platform, platform.client, globex_key)


def answer(response: Any) -> Any:
    return json.loads(response.body) if response.body else None


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"] == PROBLEM
    shown: dict[str, Any] = answer(response)
    assert shown["status"] == status
    return shown


def test_a_number_is_listed_read_paged_and_taken_off(running: Running) -> None:
    # WHEN acme lists a number, with a reason / THEN 201 with its entry
    put = running.call("PUT", f"/v1/do-not-call/{MOBILE}", {"reason": "asked on the phone"})
    assert put.status_code == 201
    first = answer(put)
    assert (first["number"], first["reason"], first["source"]) == (
        MOBILE,
        "asked on the phone",
        "rest",
    )
    # AND listing it again, as +44 ..., without a body, is a 200 that keeps the first entry
    running.platform.clock.advance(3600)
    again = running.call("PUT", f"/v1/do-not-call/%2B{MOBILE}")
    assert again.status_code == 200 and answer(again) == first
    # AND it reads back; the campaigns' check finds it
    assert answer(running.call("GET", f"/v1/do-not-call/{MOBILE}")) == first
    assert running.lists.is_listed("acme", [f"+{MOBILE}", OTHER]) == {MOBILE}
    # WHEN more are listed / THEN the list pages through them in number order
    for number in (NEW_YORK, OTHER):
        assert running.call("PUT", f"/v1/do-not-call/{number}").status_code == 201
    page = answer(running.call("GET", "/v1/do-not-call?limit=2"))
    assert [e["number"] for e in page["numbers"]] == [NEW_YORK, MOBILE]
    assert page["next_cursor"]
    rest = answer(running.call("GET", f"/v1/do-not-call?limit=2&cursor={page['next_cursor']}"))
    assert [e["number"] for e in rest["numbers"]] == [OTHER] and rest["next_cursor"] is None
    whole = answer(running.call("GET", "/v1/do-not-call"))
    assert len(whole["numbers"]) == 3 and whole["next_cursor"] is None
    # WHEN one is taken off / THEN 204, then 404 for it, and it is no longer listed
    assert running.call("DELETE", f"/v1/do-not-call/{MOBILE}").status_code == 204
    assert (
        "not on the do-not-call list"
        in problem(running.call("DELETE", f"/v1/do-not-call/{MOBILE}"), 404)["detail"]
    )
    problem(running.call("GET", f"/v1/do-not-call/{MOBILE}"), 404)
    assert running.lists.is_listed("acme", [MOBILE]) == frozenset()


def test_another_accounts_list_is_not_visible(running: Running) -> None:
    # GIVEN acme's list holding a number
    assert running.call("PUT", f"/v1/do-not-call/{MOBILE}").status_code == 201
    globex = running.globex_key
    # THEN globex neither reads, pages through nor takes off acme's number
    problem(running.call("GET", f"/v1/do-not-call/{MOBILE}", key=globex), 404)
    assert answer(running.call("GET", "/v1/do-not-call", key=globex)) == {
        "numbers": [],
        "next_cursor": None,
    }
    problem(running.call("DELETE", f"/v1/do-not-call/{MOBILE}", key=globex), 404)
    # AND its own listing of the same number is its own (201, not 200)
    assert running.call("PUT", f"/v1/do-not-call/{MOBILE}", key=globex).status_code == 201
    assert running.lists.is_listed("acme", [MOBILE]) == {MOBILE}
    # AND without a key nothing is answered
    bare = running.client.http.request("GET", "/v1/do-not-call", headers={}, body=b"")
    problem(bare, 401)


def test_bad_numbers_and_bodies_are_problems_that_change_nothing(running: Running) -> None:
    # a national number, a number without a known country code
    national = problem(running.call("PUT", "/v1/do-not-call/07911123456"), 422)
    assert "national number" in national["detail"]
    problem(running.call("PUT", "/v1/do-not-call/9991234567"), 422)
    # a body that is not JSON, a field that does not exist, a reason too long
    problem(running.call("PUT", f"/v1/do-not-call/{MOBILE}", raw=b"{nope"), 400)
    problem(running.call("PUT", f"/v1/do-not-call/{MOBILE}", {"why": "x"}), 422)
    problem(running.call("PUT", f"/v1/do-not-call/{MOBILE}", {"reason": "x" * 201}), 422)
    # a page's limit out of range, a forged cursor
    problem(running.call("GET", "/v1/do-not-call?limit=0"), 422)
    problem(running.call("GET", "/v1/do-not-call?limit=1001"), 422)
    assert "cursor" in problem(running.call("GET", "/v1/do-not-call?cursor=abc!"), 422)["detail"]
    # an import that is not JSON, that lists nothing, of another media type
    problem(running.call("POST", "/v1/do-not-call", raw=b"numbers: 1"), 400)
    problem(running.call("POST", "/v1/do-not-call", {"numbers": []}), 422)
    problem(running.call("POST", "/v1/do-not-call", raw=b"x", media="application/xml"), 415)
    # THEN nothing was listed
    assert running.lists.count("acme") == 0


def test_an_import_lists_the_good_numbers_and_reports_the_bad_ones(running: Running) -> None:
    # GIVEN one number listed already
    running.call("PUT", f"/v1/do-not-call/{MOBILE}")
    # WHEN a JSON list comes with good numbers in several forms, a repeat and bad ones
    numbers = [f"+{MOBILE}", "0044 7911 123457", "+1 212-555-1234", "07911123458", "hello", OTHER]
    imported = running.call("POST", "/v1/do-not-call", {"numbers": numbers, "reason": "NCPR"})
    # THEN the counts, and each bad entry by its position with the reason
    assert imported.status_code == 200
    report = answer(imported)
    assert {k: report[k] for k in ("lines", "numbers", "added", "already_listed", "rejected")} == {
        "lines": 6,
        "numbers": 3,
        "added": 2,
        "already_listed": 1,
        "rejected": 2,
    }
    assert [(p["line"], p["text"]) for p in report["problems"]] == [
        (4, "07911123458"),
        (5, "hello"),
    ]
    assert "national number" in report["problems"][0]["reason"]
    assert running.lists.entry("acme", OTHER).reason == "NCPR"
    assert running.lists.entry("acme", OTHER).source == "import"
    # WHEN a CSV comes with a number column (a BOM, a quoted cell, an empty cell)
    csv = (
        "\ufeffname,number,note\n"
        'Ann,"+91 98765 43210",x\n'
        "Bob,,y\n"
        "Cy,+61 2 9123 4567\n"
        "Di,0612345678\n"
    ).encode()
    report = answer(running.call("POST", "/v1/do-not-call", raw=csv, media="text/csv"))
    # THEN its good rows are listed and its bad ones reported by line
    assert (report["lines"], report["numbers"], report["added"], report["rejected"]) == (4, 2, 2, 2)
    assert [p["line"] for p in report["problems"]] == [3, 5]
    assert running.lists.is_listed("acme", ["919876543210", "61291234567"]) == {
        "919876543210",
        "61291234567",
    }
    # AND a plain text list, one number per line, is taken too
    plain = f"{NEW_YORK}\n\n+1 212 555 1235\n".encode()
    report = answer(running.call("POST", "/v1/do-not-call", raw=plain, media="text/plain"))
    assert (report["lines"], report["added"], report["already_listed"]) == (2, 1, 1)
    assert running.lists.count("acme") == 6
    # AND globex's list is still empty
    assert running.lists.count("globex") == 0


def test_an_import_over_the_cap_is_refused_before_it_is_parsed(running: Running) -> None:
    from chalicelib.campaigns.dnc_routes import MAX_BODY_BYTES, MAX_BULK_BODY_BYTES

    # GIVEN bodies one byte over the caps (not even JSON: they are never parsed)
    over = b"9" * (MAX_BULK_BODY_BYTES + 1)
    # THEN 413, with the limit named, and nothing listed
    shown = problem(running.call("POST", "/v1/do-not-call", raw=over, media="text/csv"), 413)
    assert str(MAX_BULK_BODY_BYTES) in shown["detail"]
    problem(running.call("POST", "/v1/do-not-call", raw=over), 413)
    big = b"{" + b" " * MAX_BODY_BYTES + b"}"
    problem(running.call("PUT", f"/v1/do-not-call/{MOBILE}", raw=big), 413)
    assert running.lists.count("acme") == 0


def test_the_routes_are_documented() -> None:
    from openapi_spec_validator import validate

    from chalicelib.web.openapi import openapi_document

    doc = openapi_document()
    paths = doc["paths"]
    assert set(paths["/v1/do-not-call/{number}"]) == {"put", "get", "delete"}
    assert set(paths["/v1/do-not-call"]) == {"get", "post"}
    bulk = paths["/v1/do-not-call"]["post"]["requestBody"]["content"]
    assert set(bulk) == {"application/json", "text/csv", "text/plain"}
    assert bulk["text/csv"]["schema"] == {"type": "string"}
    listing = paths["/v1/do-not-call"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"limit", "cursor"}
    put = paths["/v1/do-not-call/{number}"]["put"]
    assert set(put["responses"]) >= {"200", "201", "default"}
    assert put["security"] == [{"apiKey": []}]
    validate(doc)


# -- the CLI -------------------------------------------------------------------------------


def ringflow(*argv: str) -> int:
    """Run ``ringflow`` with the campaigns' do-not-call commands, as the product adds them."""
    from chalicelib.campaigns.dnc_cli import register

    parser = argparse.ArgumentParser(prog="ringflow")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code: int = args.run(args)
    return code


def printed(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_the_cli_adds_lists_imports_and_removes(
    running: Running, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # WHEN numbers are added, in several forms, with a reason
    assert ringflow("dnc", "add", "--account", "acme", f"+{MOBILE}", "0044 7911 123457") == 0
    assert printed(capsys) == {"numbers": [MOBILE, OTHER], "added": 2, "already_listed": 0}
    assert ringflow("dnc", "add", "--account", "acme", MOBILE, "--reason", "complaint") == 0
    assert printed(capsys)["already_listed"] == 1
    assert running.lists.entry("acme", MOBILE).source == "cli"
    # WHEN a file is imported / THEN its report
    listing = tmp_path / "ncpr.txt"
    listing.write_text(f"{NEW_YORK}\nnot a number\n{MOBILE}\n")
    assert ringflow("dnc", "import", "--account", "acme", str(listing)) == 0
    report = printed(capsys)
    assert (report["added"], report["already_listed"], report["rejected"]) == (1, 1, 1)
    assert report["problems"][0]["line"] == 2
    # AND the list shows its count and a page, with the cursor of the next
    assert ringflow("dnc", "list", "--account", "acme", "--limit", "2") == 0
    shown = printed(capsys)
    assert shown["count"] == 3
    assert [e["number"] for e in shown["numbers"]] == [NEW_YORK, MOBILE]
    assert ringflow("dnc", "list", "--account", "acme", "--cursor", shown["next_cursor"]) == 0
    assert [e["number"] for e in printed(capsys)["numbers"]] == [OTHER]
    # WHEN one is removed / THEN it is gone, and removing it again is refused
    assert ringflow("dnc", "remove", "--account", "acme", MOBILE) == 0
    assert printed(capsys) == {"number": MOBILE, "removed": True}
    with pytest.raises(NotFoundError, match="not on the do-not-call list"):
        ringflow("dnc", "remove", "--account", "acme", MOBILE)
    assert running.lists.count("acme") == 2


def test_the_cli_refuses_bad_input_with_the_platforms_errors(
    running: Running, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a bad number among good ones: each bad one named, nothing listed
    with pytest.raises(ValidationError) as refused:
        ringflow("dnc", "add", "--account", "acme", MOBILE, "07911123456", "abc")
    assert len(refused.value.problems) == 2
    assert "national number" in refused.value.problems[0]
    assert running.lists.count("acme") == 0
    # a file that is not there, that is not text, that is too large
    with pytest.raises(ValidationError, match="cannot be read"):
        ringflow("dnc", "import", "--account", "acme", str(tmp_path / "missing.csv"))
    binary = tmp_path / "list.bin"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(ValidationError, match="not text"):
        ringflow("dnc", "import", "--account", "acme", str(binary))
    from chalicelib.campaigns.dnc import MAX_IMPORT_BYTES

    huge = tmp_path / "huge.txt"
    with huge.open("wb") as out:
        out.truncate(MAX_IMPORT_BYTES + 1)
    with pytest.raises(TooLargeError):
        ringflow("dnc", "import", "--account", "acme", str(huge))
    # a CSV without a number column
    headed = tmp_path / "headed.csv"
    headed.write_text("name,phone\nAnn,447911123456\n")
    with pytest.raises(ValidationError, match="'number' column"):
        ringflow("dnc", "import", "--account", "acme", str(headed))
    # a page size out of range is argparse's refusal
    with pytest.raises(SystemExit):
        ringflow("dnc", "list", "--account", "acme", "--limit", "0")
    assert running.lists.count("acme") == 0
