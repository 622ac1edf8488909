"""A site of pages (``web.site``): GIVEN the two sites, WHEN their static files are asked for,
THEN each serves the shared stylesheet and its own files only; a form body too large, not ASCII
or with too many fields reads as none; each site's cookie has its own name and key."""

from __future__ import annotations

from chalicelib.callback.portal.pages import SITE as PORTAL
from chalicelib.click2call.site.pages import SITE as COMPANY
from chalicelib.settings import Settings
from chalicelib.web import session as sessions
from chalicelib.web.site import MAX_FORM_BYTES, parse_form


def test_each_site_serves_the_shared_stylesheet_and_its_own_files_only() -> None:
    for site, own in ((PORTAL, "portal.js"), (COMPANY, "company.css")):
        shared = site.static("site.css")
        assert shared.status_code == 200 and "box-sizing" in shared.body
        assert site.static(own).status_code == 200
        assert site.static("../templates/base.html").status_code == 404
    assert COMPANY.static("portal.js").status_code == 404


def test_a_form_too_large_not_ascii_or_with_too_many_fields_reads_as_none() -> None:
    assert parse_form(b"a=1&b=two") == {"a": "1", "b": "two"}
    assert parse_form(None) == {}
    assert parse_form(b"a=" + b"x" * MAX_FORM_BYTES) is None
    assert parse_form("a=\u00e9".encode()) is None
    assert parse_form("&".join(f"f{i}=1" for i in range(50))) is None


def test_each_sites_cookie_has_its_own_name_and_key() -> None:
    settings = Settings(stage="local")
    assert PORTAL.cookie != COMPANY.cookie
    portal_key = sessions.signing_key(settings, PORTAL.purpose)
    assert portal_key != sessions.signing_key(settings, COMPANY.purpose)
    assert portal_key == sessions.signing_key(settings)  # the portal's users stay logged in


def test_the_company_site_takes_a_campaign_form_with_a_long_message() -> None:
    from urllib.parse import urlencode

    message = "ありがとうございます。すぐにお電話します。" * 50  # 9 bytes each, percent-encoded
    sites = "\n".join(f"https://shop{n}.example.com" for n in range(20))
    body = urlencode({"message_text": message[:1000], "sites": sites, "csrf": "t" * 43})
    assert len(body) > MAX_FORM_BYTES
    parsed = parse_form(body, max_bytes=COMPANY.max_form_bytes)
    assert parsed is not None and parsed["message_text"] == message[:1000]
