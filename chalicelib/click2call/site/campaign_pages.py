"""The company's pages of campaigns, operators and comment types, on the blueprint
``company_site`` (under ``/company``):

- ``campaigns``: the company's campaigns and a new campaign's form (POST makes it, deployed);
  ``campaigns/{id}``: its form filled in (POST saves it), the two snippets a site pastes to show
  its banner (the script tag, the iframe), each with a Copy button, and its try page;
  ``campaigns/{id}/enabled`` (POST): it takes requests again, or is stopped.
- ``operators``: who answers (a number or a SIP address), a form to add or change one (POST;
  the campaigns calling a changed operator are deployed again, or the change is undone);
  ``operators/remove`` (POST), refused while a campaign calls the operator.
- ``comment-types``: the company's comment types with their fields, a form to define or change
  one (POST); the request's page then offers a form per type.

A form's text becomes the service's settings here (``campaign_fields``, ``comment_type_fields``:
pure, ``ValidationError`` in words): numbers, lists from lines, checkboxes. A refusal shows the
form again with what was typed and why (422, 409 for a conflict) and changes nothing; a change
redirects (303) to a page that says what was done. Sessions, CSRF and redirects are
``web.site``'s. Owns these routes and the words they show. Imports Chalice, ``web.site``, the
wiring, the errors, the flows' language list, the product's model, service and site module; must
not import pynamodb or the store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalice.app import Response

from chalicelib import errors
from chalicelib.click2call.model import (
    Campaign,
    CommentType,
    FieldKind,
    FirstCall,
    Operator,
    OutsideHours,
    Ring,
    flow_of,
)
from chalicelib.click2call.service import MAX_OPERATORS
from chalicelib.click2call.site.pages import SITE, company_site, nav, page, path_id, service
from chalicelib.click2call.views import embed_snippets
from chalicelib.flows.languages import TEXT_TO_SPEECH
from chalicelib.web.site import FORM, Visit
from chalicelib.wiring import container

PREFIX = SITE.prefix
MAX_SITES = 20
MAX_TYPE_FIELDS = 10
"""Rows of the comment type's form (``comments.MAX_FIELDS``)."""
_PRICE = re.compile(r"^\d{1,5}(\.\d{1,4})?$")
_WHOLE = re.compile(r"^\d{1,9}$")
_OPERATOR_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_BLANK = Campaign(campaign_id="", company_id="", name="", public_key="", operators=(), caller_id="")
"""A campaign's defaults, for the new campaign's form."""

INTEGERS = {
    "redials": "Redials",
    "redial_pause": "Pause between redials",
    "ring_timeout": "Ring timeout",
    "reminder_minutes": "Reminder after",
    "daily_requests": "Requests a day",
}
"""The whole-number settings and their labels on the form."""
TEXTS = {
    "name": ("Name", 100),
    "message_text": ("Message", 1000),
    "message_url": ("Message audio URL", 500),
    "hours": ("Opening hours", 100),
    "timezone": ("Time zone", 64),
}
"""The text settings, their labels and their most characters."""
CAMPAIGN_KEYS = (
    "campaign_id",
    "name",
    *(f"operator_{n}" for n in range(1, MAX_OPERATORS + 1)),
    "caller_id",
    "company_caller_id",
    "first",
    "ring",
    "message_text",
    "message_url",
    "language",
    *INTEGERS,
    "price",
    "hours",
    "timezone",
    "outside_hours",
    "sites",
    "enabled",
)
"""The campaign form's fields (as typed, kept when the form is shown again)."""
KINDS = {
    "text": "Text",
    "number": "Number",
    "money": "Amount of money",
    "choice": "Choice",
}
"""A comment field's kinds as the form names them (each also "…, required")."""


# -- a form's text as the service's settings (pure) ---------------------------------------------
def campaign_fields(form: Mapping[str, str], creating: bool) -> dict[str, Any]:
    """A campaign's settings from its form (``ValidationError`` saying which field is wrong and
    why); a change has no id and no ``enabled`` (its own buttons)."""
    fields: dict[str, Any] = {}
    if creating:
        campaign_id = form.get("campaign_id", "").strip().lower()
        if campaign_id:
            fields["campaign_id"] = campaign_id
        fields["enabled"] = bool(form.get("enabled"))
    for name, (label, most) in TEXTS.items():
        text = form.get(name, "").replace("\r\n", "\n").strip()
        if len(text) > most:
            raise errors.ValidationError(f"{label} is at most {most} characters")
        fields[name] = text
    if not fields["name"]:
        raise errors.ValidationError("Give the campaign a name")
    if not fields["message_text"] and not fields["message_url"]:
        raise errors.ValidationError(
            "Give the message the visitor hears: its text, or the URL of its audio"
        )
    if not fields["message_text"]:
        del fields["message_text"]  # the stored text stays for when the audio is taken out
    fields["timezone"] = fields["timezone"] or "UTC"
    chosen = [
        form.get(f"operator_{n}", "").strip()
        for n in range(1, MAX_OPERATORS + 1)
        if form.get(f"operator_{n}", "").strip()
    ]
    if not chosen:
        raise errors.ValidationError("Choose at least one operator to answer the calls")
    twice = sorted({o for o in chosen if chosen.count(o) > 1})
    if twice:
        raise errors.ValidationError(f"Operator {twice[0]!r} is chosen more than once")
    fields["operators"] = [o[:40] for o in chosen]
    caller = form.get("caller_id", "").strip()
    if not caller:
        raise errors.ValidationError("Choose the number the calls come from")
    fields["caller_id"] = caller[:40]
    fields["company_caller_id"] = form.get("company_caller_id", "").strip()[:40]
    ring = form.get("ring", "order")
    if ring not in {r.value for r in Ring}:
        raise errors.ValidationError("Choose how the operators are rung: in order, or all at once")
    fields["ring"] = ring
    first = form.get("first", "")
    if first not in {f.value for f in FirstCall}:
        raise errors.ValidationError("Choose who is called first: the visitor or the company")
    fields["first"] = first
    language = form.get("language", "").strip()
    if language not in TEXT_TO_SPEECH:
        raise errors.ValidationError(
            f"Language {language[:20]!r} is not one the calls can speak: choose one from the list"
        )
    fields["language"] = language
    for name, label in INTEGERS.items():
        text = form.get(name, "").strip()
        if not _WHOLE.match(text):
            raise errors.ValidationError(f"{label}: {text[:20]!r} is not a whole number")
        fields[name] = int(text)
    price = form.get("price", "").strip()
    if not _PRICE.match(price):
        raise errors.ValidationError(
            f"Price: {price[:20]!r} is not an amount such as 0.50 (at most 4 decimals)"
        )
    fields["price"] = price
    outside = form.get("outside_hours", "")
    if outside not in {o.value for o in OutsideHours}:
        raise errors.ValidationError("Choose what a request outside the opening hours gets")
    fields["outside_hours"] = outside
    sites = [line.strip() for line in form.get("sites", "").splitlines() if line.strip()]
    if len(sites) > MAX_SITES:
        raise errors.ValidationError(f"A campaign has at most {MAX_SITES} sites")
    if any(len(site) > 220 for site in sites):
        raise errors.ValidationError("A site is at most 220 characters (https://host[:port])")
    fields["sites"] = sites
    return fields


def comment_type_fields(form: Mapping[str, str]) -> list[dict[str, Any]]:
    """A comment type's fields from the form's rows (``f<n>_name``, ``f<n>_kind`` as ``kind``
    or ``kind-required``, ``f<n>_choices`` comma separated); blank rows are left out."""
    made: list[dict[str, Any]] = []
    for n in range(1, MAX_TYPE_FIELDS + 1):
        name = form.get(f"f{n}_name", "").strip()
        kind = form.get(f"f{n}_kind", "text")
        choices = [c.strip() for c in form.get(f"f{n}_choices", "").split(",") if c.strip()]
        if not name:
            if choices:
                raise errors.ValidationError(f"Field {n} has choices but no name")
            continue
        base, _, required = kind.partition("-")
        if base not in KINDS or required not in ("", "required"):
            raise errors.ValidationError(f"Field {name[:40]!r}: choose its kind from the list")
        if choices and base != FieldKind.CHOICE.value:
            raise errors.ValidationError(
                f"Field {name[:40]!r} has choices: make its kind a choice, or leave them out"
            )
        made.append({"name": name, "kind": base, "choices": choices, "required": bool(required)})
    return made


def sentence(refused: Exception) -> str:
    """An error's words as a sentence."""
    words = str(refused).strip() or "That was refused"
    return words[:1].upper() + words[1:] + ("" if words.endswith((".", "!", "?")) else ".")


# -- what the forms show ------------------------------------------------------------------------
def campaign_typed(campaign: Campaign) -> dict[str, str]:
    """A campaign's settings as its form shows them."""
    typed = {
        "campaign_id": campaign.campaign_id,
        "name": campaign.name,
        "caller_id": campaign.caller_id,
        "company_caller_id": campaign.company_caller_id,
        "first": campaign.first.value,
        "ring": campaign.ring.value,
        "message_text": campaign.message_text,
        "message_url": campaign.message_url,
        "language": campaign.language,
        "price": f"{campaign.price:f}",
        "hours": campaign.hours,
        "timezone": campaign.timezone,
        "outside_hours": campaign.outside_hours.value,
        "sites": "\n".join(campaign.sites),
        "enabled": "on" if campaign.enabled else "",
        **{name: str(getattr(campaign, name)) for name in INTEGERS},
    }
    for n in range(1, MAX_OPERATORS + 1):
        typed[f"operator_{n}"] = campaign.operators[n - 1] if n <= len(campaign.operators) else ""
    return typed


def _as_typed(form: Mapping[str, str]) -> dict[str, str]:
    return {key: form.get(key, "")[:2000] for key in CAMPAIGN_KEYS}


def _numbers(company_id: str, campaigns: list[Campaign], own: str = "") -> list[dict[str, Any]]:
    """The company's numbers for the caller id's choice: free ones and the campaign's own
    usable, the others shown with what they answer."""
    names = {flow_of(c.company_id, c.campaign_id): c.name for c in campaigns}
    shown = []
    for held in container().numbers.list_by_account(company_id):
        usable = held.flow_id is None or (bool(own) and held.flow_id == flow_of(company_id, own))
        serves = "" if usable else names.get(held.flow_id or "", "another flow")
        shown.append({"number": held.number, "usable": usable, "serves": serves})
    return shown


def _slots(operators: list[Operator]) -> int:
    """How many ordered operator choices the campaign form offers."""
    return min(MAX_OPERATORS, max(1, len(operators)))


def _form_values(company_id: str, campaigns: list[Campaign], own: str = "") -> dict[str, Any]:
    operators = service().operators.list(company_id)
    return {
        "operators": operators,
        "slots": _slots(operators),
        "numbers": _numbers(company_id, campaigns, own),
        "languages": sorted(TEXT_TO_SPEECH),
        "integers": INTEGERS,
    }


# -- campaigns ----------------------------------------------------------------------------------
def _campaigns(
    visit: Visit, status: int = 200, error: str = "", typed: dict[str, str] | None = None
) -> Response:
    company_id = visit.session.account_id
    campaigns = service().campaigns.list(company_id)
    operators = {o.operator_id: o for o in service().operators.list(company_id)}
    return visit.show(
        "campaigns.html",
        status,
        error=error,
        campaigns=campaigns,
        by_id=operators,
        typed=typed or campaign_typed(_BLANK),
        **_form_values(company_id, campaigns),
        **nav(visit, "campaigns"),
    )


@company_site.route(PREFIX + "/campaigns", methods=["GET"])
@page()
def company_campaigns(visit: Visit) -> Response:
    """The company's campaigns and a new campaign's form."""
    return _campaigns(visit)


@company_site.route(PREFIX + "/campaigns", methods=["POST"], content_types=FORM)
@page(post=True)
def company_create_campaign(visit: Visit) -> Response:
    """Make a campaign (deployed: its banner takes requests when enabled)."""
    try:
        fields = campaign_fields(visit.form, creating=True)
        made = service().create_campaign(visit.session.account_id, fields)
    except errors.RingflowError as refused:
        status = 409 if isinstance(refused, errors.ConflictError) else 422
        return _campaigns(visit, status, sentence(refused), _as_typed(visit.form))
    notice = f"Campaign {made.name} is made: paste its snippet on your site to show its banner."
    return visit.done(f"/campaigns/{path_id(made.campaign_id)}", notice)


def _campaign(
    visit: Visit,
    campaign_id: str,
    status: int = 200,
    error: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    company_id = visit.session.account_id
    try:
        campaign = service().campaign(company_id, campaign_id[:40])
    except errors.NotFoundError:
        return visit.show(
            "refused.html", 404, message="There is no such campaign.", **nav(visit, "campaigns")
        )
    campaigns = service().campaigns.list(company_id)
    return visit.show(
        "campaign.html",
        status,
        error=error,
        campaign=campaign,
        typed=typed or campaign_typed(campaign),
        snippets=embed_snippets(container().settings.public_base_url, campaign.public_key),
        app=visit.base,
        **_form_values(company_id, campaigns, campaign.campaign_id),
        **nav(visit, "campaigns"),
    )


@company_site.route(PREFIX + "/campaigns/{campaign_id}", methods=["GET"])
@page()
def company_campaign(visit: Visit, campaign_id: str) -> Response:
    """One campaign: its settings' form, its banner's snippets and its try page."""
    return _campaign(visit, campaign_id)


@company_site.route(PREFIX + "/campaigns/{campaign_id}", methods=["POST"], content_types=FORM)
@page(post=True)
def company_update_campaign(visit: Visit, campaign_id: str) -> Response:
    """Save a campaign's settings (its flow follows)."""
    typed = {**_as_typed(visit.form), "campaign_id": campaign_id[:40]}
    try:
        fields = campaign_fields(visit.form, creating=False)
        saved = service().update_campaign(visit.session.account_id, campaign_id[:40], fields)
    except errors.NotFoundError:
        return _campaigns(visit, 404, "There is no such campaign.")
    except errors.RingflowError as refused:
        status = 409 if isinstance(refused, errors.ConflictError) else 422
        return _campaign(visit, campaign_id, status, sentence(refused), typed)
    return visit.done(
        f"/campaigns/{path_id(saved.campaign_id)}", f"Campaign {saved.name} is saved."
    )


@company_site.route(
    PREFIX + "/campaigns/{campaign_id}/enabled", methods=["POST"], content_types=FORM
)
@page(post=True)
def company_enable_campaign(visit: Visit, campaign_id: str) -> Response:
    """The campaign takes requests (``enabled=yes``) or is stopped (``enabled=no``)."""
    wanted = visit.form.get("enabled", "")
    if wanted not in ("yes", "no"):
        return _campaign(visit, campaign_id, 422, "Choose to enable or to stop the campaign.")
    try:
        saved = service().update_campaign(
            visit.session.account_id, campaign_id[:40], {"enabled": wanted == "yes"}
        )
    except errors.NotFoundError:
        return _campaigns(visit, 404, "There is no such campaign.")
    except errors.RingflowError as refused:
        status = 409 if isinstance(refused, errors.ConflictError) else 422
        return _campaign(visit, campaign_id, status, sentence(refused))
    notice = (
        f"Campaign {saved.name} takes requests."
        if saved.enabled
        else f"Campaign {saved.name} is stopped: its banner takes no requests."
    )
    return visit.done(f"/campaigns/{path_id(saved.campaign_id)}", notice)


# -- operators ----------------------------------------------------------------------------------
def _using(campaigns: list[Campaign], operator_id: str) -> list[Campaign]:
    return [c for c in campaigns if operator_id in c.operators]


def _operators(
    visit: Visit, status: int = 200, error: str = "", typed: dict[str, str] | None = None
) -> Response:
    company_id = visit.session.account_id
    operators = service().operators.list(company_id)
    campaigns = service().campaigns.list(company_id)
    if typed is None:
        editing = visit.query.get("edit", "")[:40]
        found = next((o for o in operators if o.operator_id == editing), None)
        typed = {"operator_id": "", "name": "", "number": "", "sip": "", "change": ""}
        if found is not None:
            typed = {
                "operator_id": found.operator_id,
                "name": found.name,
                "number": f"+{found.number}" if found.number else "",
                "sip": found.sip,
                "change": found.operator_id,
            }
    return visit.show(
        "operators.html",
        status,
        error=error,
        operators=operators,
        using={o.operator_id: _using(campaigns, o.operator_id) for o in operators},
        typed=typed,
        **nav(visit, "operators"),
    )


@company_site.route(PREFIX + "/operators", methods=["GET"])
@page()
def company_operators(visit: Visit) -> Response:
    """The company's operators and a form to add one (``?edit=<id>``: to change it)."""
    return _operators(visit)


@company_site.route(PREFIX + "/operators", methods=["POST"], content_types=FORM)
@page(post=True)
def company_put_operator(visit: Visit) -> Response:
    """Add an operator, or change one (``change`` names it); the campaigns calling a changed
    operator are deployed again with it, or the change is undone."""
    form = visit.form
    company_id = visit.session.account_id
    typed = {
        key: form.get(key, "")[:260] for key in ("operator_id", "name", "number", "sip", "change")
    }
    operator_id = typed["operator_id"].strip().lower()
    changing = typed["change"].strip().lower()
    try:
        if not _OPERATOR_ID.match(operator_id):
            raise errors.ValidationError("An operator's id is 1 to 40 of a-z, 0-9 and -")
        if changing and changing != operator_id:
            raise errors.ValidationError("An operator's id cannot change: add a new operator")
        try:
            before: Operator | None = service().operators.get(company_id, operator_id[:40])
        except errors.NotFoundError:
            before = None
        if before is not None and not changing:
            raise errors.ConflictError(
                f"There is already an operator {operator_id!r}: change it from the list"
            )
        if before is None and changing:
            raise errors.NotFoundError(f"There is no operator {operator_id!r} any more")
        saved = service().put_operator(
            company_id,
            operator_id,
            typed["name"][:100],
            number=typed["number"].strip(),
            sip=typed["sip"].strip(),
        )
    except errors.RingflowError as refused:
        status = 409 if isinstance(refused, errors.ConflictError) else 422
        status = 404 if isinstance(refused, errors.NotFoundError) else status
        return _operators(visit, status, sentence(refused), typed)
    notice = f"Operator {saved.name} is {'changed' if before else 'added'}."
    return visit.done("/operators", notice)


@company_site.route(PREFIX + "/operators/remove", methods=["POST"], content_types=FORM)
@page(post=True)
def company_remove_operator(visit: Visit) -> Response:
    """Remove an operator no campaign calls."""
    company_id = visit.session.account_id
    operator_id = visit.form.get("operator_id", "")[:40]
    try:
        if not _OPERATOR_ID.match(operator_id):
            raise errors.NotFoundError(operator_id)
        operator = service().operators.get(company_id, operator_id)
    except errors.NotFoundError:
        return _operators(visit, 404, "There is no such operator.")
    try:
        service().remove_operator(company_id, operator_id)
    except errors.ConflictError as refused:
        return _operators(visit, 409, sentence(refused))
    return visit.done("/operators", f"Operator {operator.name} is removed.")


# -- comment types ------------------------------------------------------------------------------
def type_typed(kind: CommentType | None) -> dict[str, str]:
    """A comment type as its form shows it."""
    typed = {"type_id": "", "name": "", "change": ""}
    if kind is not None:
        typed = {"type_id": kind.type_id, "name": kind.name, "change": kind.type_id}
    for n in range(1, MAX_TYPE_FIELDS + 1):
        field = kind.fields[n - 1] if kind is not None and n <= len(kind.fields) else None
        typed[f"f{n}_name"] = field.name if field else ""
        typed[f"f{n}_kind"] = (
            field.kind.value + ("-required" if field.required else "") if field else "text"
        )
        typed[f"f{n}_choices"] = ", ".join(field.choices) if field else ""
    return typed


def _comment_types(
    visit: Visit, status: int = 200, error: str = "", typed: dict[str, str] | None = None
) -> Response:
    kinds = service().comment_types.list(visit.session.account_id)
    if typed is None:
        editing = visit.query.get("edit", "")[:40]
        typed = type_typed(next((k for k in kinds if k.type_id == editing), None))
    return visit.show(
        "comment_types.html",
        status,
        error=error,
        kinds=kinds,
        typed=typed,
        rows=MAX_TYPE_FIELDS,
        choices=KINDS,
        **nav(visit, "comment-types"),
    )


@company_site.route(PREFIX + "/comment-types", methods=["GET"])
@page()
def company_comment_types(visit: Visit) -> Response:
    """The company's comment types and a form to define one (``?edit=<id>``: to change it)."""
    return _comment_types(visit)


@company_site.route(PREFIX + "/comment-types", methods=["POST"], content_types=FORM)
@page(post=True)
def company_put_comment_type(visit: Visit) -> Response:
    """Define a comment type, or change one (``change`` names it)."""
    form = visit.form
    company_id = visit.session.account_id
    keys = ["type_id", "name", "change"] + [
        f"f{n}_{part}"
        for n in range(1, MAX_TYPE_FIELDS + 1)
        for part in ("name", "kind", "choices")
    ]
    typed = {key: form.get(key, "")[:400] for key in keys}
    type_id = typed["type_id"].strip()
    changing = typed["change"].strip()
    try:
        if changing and changing != type_id:
            raise errors.ValidationError("A comment type's id cannot change: define a new type")
        if not changing and type_id in {
            k.type_id for k in service().comment_types.list(company_id)
        }:
            raise errors.ConflictError(
                f"There is already a comment type {type_id!r}: change it from the list"
            )
        fields = comment_type_fields(form)
        saved = service().put_comment_type(company_id, type_id, typed["name"], fields)
    except errors.RingflowError as refused:
        status = 409 if isinstance(refused, errors.ConflictError) else 422
        return _comment_types(visit, status, sentence(refused), typed)
    verb = "changed" if changing else "defined"
    return visit.done(
        "/comment-types", f"Comment type {saved.name} is {verb}: requests offer its form."
    )
