"""How the click-to-call's records are shown, by REST and the CLI: a campaign to its company
(with its banner's key and path, and what a site pastes to show the banner), a request with its
status as the seed names it and the legs of its calls. Pure: imports the product's model only.
"""

from __future__ import annotations

from typing import Any

from chalicelib.click2call.model import Campaign, Request

BANNER_PATH = "/c2c/{public_key}/requests"


def campaign_view(campaign: Campaign) -> dict[str, Any]:
    """A campaign as its company sees it."""
    return {
        "campaign_id": campaign.campaign_id,
        "name": campaign.name,
        "public_key": campaign.public_key,
        "operators": list(campaign.operators),
        "caller_id": campaign.caller_id,
        "company_caller_id": campaign.company_caller_id or campaign.caller_id,
        "first": campaign.first.value,
        "message_text": campaign.message_text,
        "message_url": campaign.message_url,
        "language": campaign.language,
        "redials": campaign.redials,
        "redial_pause": campaign.redial_pause,
        "ring_timeout": campaign.ring_timeout,
        "ring": campaign.ring.value,
        "reminder_minutes": campaign.reminder_minutes,
        "price": str(campaign.price),
        "currency": campaign.currency,
        "hours": campaign.hours,
        "timezone": campaign.timezone,
        "outside_hours": campaign.outside_hours.value,
        "sites": list(campaign.sites),
        "daily_requests": campaign.daily_requests,
        "enabled": campaign.enabled,
        "banner_path": BANNER_PATH.format(public_key=campaign.public_key),
    }


def request_view(request: Request) -> dict[str, Any]:
    """A request with its status (as the seed names it) and its calls' legs."""
    return {
        "request_id": request.request_id,
        "campaign_id": request.campaign_id,
        "visitor": request.visitor,
        "direction": request.direction,
        "created_at": request.created_at.isoformat(),
        "status": request.status.value,
        "status_label": request.status.label,
        "called_back": request.called_back,
        "reminded_at": request.reminded_at.isoformat() if request.reminded_at else None,
        "comments": [
            {
                "at": comment.at.isoformat(),
                "type": comment.type_id,
                "text": comment.text,
                "values": dict(comment.values),
            }
            for comment in request.comments
        ],
        "calls": [
            {
                "call_id": call.call_id,
                "started_at": call.started_at.isoformat(),
                "first": call.first.value,
                "legs": [
                    {
                        "side": leg.side,
                        "number": leg.number,
                        "status": leg.status,
                        "duration": leg.duration,
                        "cost": str(leg.cost),
                    }
                    for leg in call.legs
                ],
            }
            for call in request.calls
        ],
    }


def embed_snippets(base_url: str, public_key: str) -> dict[str, str]:
    """What a marketing site pastes: the script tag, or the iframe itself."""
    base = base_url.rstrip("/")
    return {
        "script": f'<script src="{base}/pages/c2c/{public_key}/embed.js" async></script>',
        "iframe": (
            f'<iframe src="{base}/pages/c2c/{public_key}/banner" title="Call me back"'
            ' width="340" height="300" style="border:0"></iframe>'
        ),
    }
