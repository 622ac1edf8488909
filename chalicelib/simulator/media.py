"""Small, valid audio bodies for recordings the simulator serves at ``/v1/files/<id>``: silent
MPEG-1 Layer III frames (mp3) or 16-bit PCM (wav), a fraction of a second to a few seconds long.

Pure functions; imports only the standard library.
"""

from __future__ import annotations

import struct

_MP3_FRAME_HEADER = bytes([0xFF, 0xFB, 0x18, 0xC0])  # MPEG-1 L3, 32 kbit/s, 32 kHz, mono
_MP3_FRAME_BYTES = 144  # 144 * bitrate / sample rate, no padding
_MP3_FRAME_SECONDS = 1152 / 32000
_WAV_RATE = 8000
MAX_SECONDS = 3.0


def silent_mp3(seconds: float) -> bytes:
    """A silent mp3 of about ``seconds`` (capped at ``MAX_SECONDS``, at least one frame)."""
    frames = max(1, round(min(seconds, MAX_SECONDS) / _MP3_FRAME_SECONDS))
    frame = _MP3_FRAME_HEADER + bytes(_MP3_FRAME_BYTES - len(_MP3_FRAME_HEADER))
    return frame * frames


def silent_wav(seconds: float) -> bytes:
    """A silent 8 kHz 16-bit mono wav of about ``seconds`` (capped at ``MAX_SECONDS``)."""
    samples = max(1, round(min(seconds, MAX_SECONDS) * _WAV_RATE))
    data = bytes(samples * 2)
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, _WAV_RATE, _WAV_RATE * 2, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(data)) + data


def recording(audio_format: str, seconds: float) -> tuple[bytes, str]:
    """The body and content type of a recording in ``audio_format`` (mp3 unless wav)."""
    if audio_format == "wav":
        return silent_wav(seconds), "audio/wav"
    return silent_mp3(seconds), "audio/mpeg"
