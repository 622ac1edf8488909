"""The record widget: record the caller (beep, end key, silence, maximum length); the file is
copied into the recordings bucket when the carrier reports it, and its URI is in
``$call.recordingUri`` from this node on. Pure; imports no I/O."""

from __future__ import annotations

from typing import ClassVar, Literal

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


def object_key(ctx: Ctx, extension: str) -> str:
    """Where the recording made at this step is stored."""
    return f"recordings/{ctx.state.account_id}/{ctx.state.call_id}/{ctx.ref}.{extension}"


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
    key = object_key(ctx, config.format)
    uri = f"s3://{ctx.env.recordings_bucket}/{key}"
    call = {
        "recorded": "true",
        "recordingUri": uri,
        "ivr_recording.recordingUri": uri,
        f"_rec.{ctx.ref}": key,
    }
    return Await(tuple(actions), Updates(call=call))


def resume(config: RecordConfig, ctx: Ctx, event: Resumption) -> Outcome:
    """The recording ended: go on."""
    return Go()


WIDGET = Widget("record", RecordConfig, enter, resume)
