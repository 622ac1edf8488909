"""Provider-neutral call actions: what the platform asks a call to do next.

The flow engine emits these; a provider adapter (``telephony.vonage.ncco``) renders them. Actions
that wait for the network (``Ask``, ``Bridge``, ``Notify``, ``Record``) carry a ``ref``: an opaque
token the adapter writes into the callback URL so the resulting event finds its way back to the
step that asked. This module imports nothing from the rest of the platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Mapping, Union

SIP_URI = re.compile(
    r"^sips?:[^@\s;:]{1,64}@[A-Za-z0-9.-]{1,190}(:\d{1,5})?(;[A-Za-z0-9=._-]{1,40}){0,4}\Z"
)
"""A SIP endpoint's URI as the platform dials it: ``sip:user@host[:port]`` (or ``sips:``) with
at most four ``;name=value`` parameters (``transport=tls``, ``media=srtp``)."""


class MachineDetection(StrEnum):
    """What the provider does when an answering machine picks up a dialled leg."""

    CONTINUE = "continue"
    HANGUP = "hangup"


@dataclass(frozen=True)
class Say:
    """Speak ``text`` with text-to-speech."""

    text: str
    language: str = "en-US"
    style: int = 0
    loop: int = 1
    barge_in: bool = False
    premium: bool = False


@dataclass(frozen=True)
class Play:
    """Play the audio file at ``url`` (mp3 or 16-bit wav)."""

    url: str
    loop: int = 1
    barge_in: bool = False
    level: float = 0.0


@dataclass(frozen=True)
class DtmfSettings:
    """How keypad input is collected."""

    max_digits: int = 4
    timeout: int = 3
    submit_on_hash: bool = False


@dataclass(frozen=True)
class SpeechSettings:
    """How speech input is collected."""

    language: str = "en-US"
    context: tuple[str, ...] = ()
    end_on_silence: float = 2.0
    start_timeout: int = 10
    max_duration: int = 60
    save_audio: bool = False


@dataclass(frozen=True)
class Ask:
    """Collect keypad digits and/or speech; the result comes back as ``InputReceived``."""

    ref: str
    dtmf: DtmfSettings | None = DtmfSettings()
    speech: SpeechSettings | None = None


@dataclass(frozen=True)
class Bridge:
    """Dial ``number`` (or, when ``sip`` is set, that SIP URI, and ``number`` is '') and bridge
    it to the current call (synchronous: failures come back as ``CallStatusChanged`` events on
    the new leg, tagged with ``ref``)."""

    ref: str
    number: str
    caller_id: str
    ring_timeout: int = 60
    max_duration: int = 7200
    machine_detection: MachineDetection | None = None
    ringback_url: str | None = None
    dtmf_answer: str | None = None
    sip: str | None = None


@dataclass(frozen=True)
class Conference:
    """Join the named conference room."""

    name: str
    start_on_enter: bool = True
    end_on_exit: bool = False
    music_on_hold_url: str | None = None
    record: bool = False
    mute: bool = False


class RecordingFormat(StrEnum):
    """Audio container of a recording."""

    MP3 = "mp3"
    WAV = "wav"
    OGG = "ogg"


@dataclass(frozen=True)
class Record:
    """Record the call; the file is announced later by ``RecordingReady`` tagged with ``ref``.

    With any end condition set the call waits until the recording ends.
    """

    ref: str
    format: RecordingFormat = RecordingFormat.MP3
    end_on_silence: int | None = None
    end_on_key: str | None = None
    timeout: int | None = None
    beep_start: bool = False


@dataclass(frozen=True)
class Notify:
    """Ask the provider to call back (``NotifyReceived`` tagged with ``ref``) before going on."""

    ref: str
    payload: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ListenKeys:
    """Report each key the caller presses from now on, one ``KeyPressed`` tagged ``ref`` per
    key, while the call goes on (through a bridge too): Vonage's asynchronous ``input``."""

    ref: str


@dataclass(frozen=True)
class Wait:
    """Keep the call open in silence for ``seconds``."""

    seconds: float = 10.0


@dataclass(frozen=True)
class Hangup:
    """End the call. Nothing after it is rendered."""


Action = Union[Say, Play, Ask, Bridge, Conference, Record, Notify, ListenKeys, Wait, Hangup]
