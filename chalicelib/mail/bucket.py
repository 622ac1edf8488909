"""The mail bucket in S3, where SES puts each received message (the intake's ``MailObjects``),
under ``OBJECT_PREFIX``.

Reads at most one byte more than the parser takes (a larger object is read in part: the parser
then reads its headers only). Takes a botocore S3 client; imports no AWS library itself, nothing
of the platform but the intake's error.
"""

from __future__ import annotations

from typing import Any

from chalicelib.mail.intake import MailObjectMissingError
from chalicelib.mail.message import MAX_MAIL_BYTES

OBJECT_PREFIX = "inbound/"
"""Where SES's receipt rule stores each received message (``inbound/<messageId>``)."""


class S3MailObjects:
    """Raw received messages in S3."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def read(self, bucket: str, key: str) -> bytes:
        """The object's first ``MAX_MAIL_BYTES + 1`` bytes; ``MailObjectMissingError`` if there
        is none. 1 GetObject."""
        try:
            answer = self._client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_MAIL_BYTES}"
            )
        except self._client.exceptions.NoSuchKey:
            raise MailObjectMissingError(f"no object {key} in {bucket}") from None
        return bytes(answer["Body"].read())
