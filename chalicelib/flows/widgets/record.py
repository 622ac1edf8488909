"""The record widget: record the caller (beep, end key, silence, maximum length); the file is
copied into the recordings bucket when the carrier reports it, and its URL is in
``$call.recordingUri`` from this node on.

Owns the one spelling of where a recording lives: its object key in the bucket
(``recordings/<account>/<call>/<ref>-<node>.<format>``; keys written before the node was part of
them are ``<ref>.<format>`` and still read), the content type of each format, and its URL, a
route of the app's REST API (``<public base URL>/v1/calls/<call>/recordings/<ref>``) that a
tenant fetches with the account's API key, whenever. Pure; imports no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal
from urllib.parse import quote, unquote

from pydantic import Field

from chalicelib.flows.outcomes import Await, Go, Outcome, Updates
from chalicelib.flows.widgets.base import Ctx, Resumption, SpokenConfig, Widget
from chalicelib.telephony.actions import Action, Notify, Record, RecordingFormat, Say


class RecordConfig(SpokenConfig):
    """Record the caller until a key, silence or ``max_seconds``; the file goes to the
    recordings bucket and ``$call.recordingUri`` holds its URI from this node on."""

    widget: Literal["record"]
    prompt: str | None = Field(default=None, description="Spoken before the recording starts.")
    beep: bool = Field(default=True, description="Play a beep when the recording starts.")
    max_seconds: int = Field(
        default=60, ge=3, le=7200, description="The longest recording, in seconds."
    )
    end_on_key: Literal["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"] | None = Field(
        default="#", description="A key that ends the recording; null: none."
    )
    end_on_silence: int | None = Field(
        default=3,
        ge=3,
        le=10,
        description="Seconds of silence that end the recording; null: silence does not.",
    )
    format: Literal["mp3", "wav", "ogg"] = Field(
        default="mp3", description="The audio format of the file."
    )

    WAITS: ClassVar[bool] = True


CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav", "ogg": "audio/ogg"}
"""The content type a recording of each format is stored and served with."""


def call_prefix(account_id: str, call_id: str) -> str:
    """The key prefix of every recording of a call (the account's own: another account's
    prefix never holds this call's recordings)."""
    return f"recordings/{account_id}/{call_id}/"


def object_key(account_id: str, call_id: str, ref: str, node_id: str, extension: str) -> str:
    """Where the recording made at step ``ref`` of the call, by ``node_id``, is stored."""
    return f"{call_prefix(account_id, call_id)}{ref}-{quote(node_id, safe='')}.{extension}"


@dataclass(frozen=True)
class RecordingKey:
    """What an object key says of its recording: the step's ref, the node (None in the keys
    written before it was part of them) and the format."""

    ref: str
    node: str | None
    format: str

    @property
    def content_type(self) -> str:
        """The recording's content type."""
        return CONTENT_TYPES.get(self.format, "application/octet-stream")


def parse_key(key: str) -> RecordingKey | None:
    """The recording an object key names, or None if it is not a recording's key."""
    name = key.rpartition("/")[2]
    stem, dot, extension = name.rpartition(".")
    if not dot or extension not in CONTENT_TYPES:
        return None
    ref, dash, node = stem.partition("-")
    if not ref.isdigit() or (dash and not node):
        return None
    return RecordingKey(ref, unquote(node) if dash else None, extension)


def recording_url(base_url: str, call_id: str, ref: str) -> str:
    """The REST route that serves the recording of step ``ref`` of a call."""
    return f"{base_url}/v1/calls/{quote(call_id, safe='')}/recordings/{ref}"


def enter(config: RecordConfig, ctx: Ctx) -> Outcome:
    """Record, then wait for the recording to end (a notify after it)."""
    actions: list[Action] = []
    if config.prompt:
        actions.append(Say(ctx.text(config.prompt), ctx.language(config.language), config.style))
    actions.append(
        Record(
            ctx.ref,
            RecordingFormat(config.format),
            end_on_silence=config.end_on_silence,
            end_on_key=config.end_on_key,
            timeout=config.max_seconds,
            beep_start=config.beep,
        )
    )
    actions.append(Notify(ctx.ref, {"after": "record", "node": ctx.node_id}))
    state = ctx.state
    key = object_key(state.account_id, state.call_id, ctx.ref, ctx.node_id, config.format)
    uri = recording_url(ctx.env.public_base_url, state.call_id, ctx.ref)
    call = {
        "recorded": "true",
        "recordingUri": uri,
        "ivr_recording.recordingUri": uri,
        f"_rec.{ctx.ref}": key,
    }
    if config.prompt:  # a prompt, then the recording: the seed's "play and record"
        call["play_and_record.recordingUri"] = uri
    return Await(tuple(actions), Updates(call=call))


def resume(config: RecordConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """The recording ended: go on."""
    return Go()


WIDGET = Widget("record", RecordConfig, enter, resume)
