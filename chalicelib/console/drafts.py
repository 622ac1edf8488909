"""A draft check, pure: a flow document pasted (or read from a file) that is not loaded, checked
as a load checks it (``flows.model.parse_flow``) and drawn with every problem on its node
(``console.picture``). Nothing is stored. Hostile text gets a clear ``ValidationError`` (not
JSON, nested too deeply, not an object) or ``TooLargeError`` (more bytes than a flow document
may have, more nodes than a picture draws), never anything else.

Imports the flow model, the document size rule, ``console.picture`` and the neutral errors; no
I/O, must not import the store, the web layer or the wiring.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.accounts.admin import MAX_FLOW_DOCUMENT_BYTES
from chalicelib.console.picture import drawing
from chalicelib.errors import TooLargeError, ValidationError
from chalicelib.flows.errors import FlowValidationError
from chalicelib.flows.model import parse_flow


def read_draft(text: str) -> Any:
    """The JSON value of a draft's text; ``TooLargeError`` past ``MAX_FLOW_DOCUMENT_BYTES``
    bytes, ``ValidationError`` for text that is not JSON or is nested too deeply."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FLOW_DOCUMENT_BYTES:
        raise TooLargeError(
            f"the document is {size} bytes; a flow document has at most {MAX_FLOW_DOCUMENT_BYTES}"
        )
    if not text.strip():
        raise ValidationError("paste a flow document (JSON) to check it")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValidationError("the document is nested too deeply to read") from None
    except ValueError as error:
        raise ValidationError(f"the document is not JSON: {error}") from None


def check_draft(text: str) -> dict[str, Any]:
    """The draft's drawing with its problems (``parse_flow``'s, or the warnings of a valid
    flow) and whether it would load (``valid``); refused as ``read_draft`` says, or when it is
    not a JSON object."""
    document = read_draft(text)
    if not isinstance(document, dict):
        raise ValidationError("a flow document is a JSON object")
    try:
        flow = parse_flow(document)
    except FlowValidationError as error:
        problems, valid = list(error.problems), False
    else:
        problems, valid = list(flow.warnings), True
    try:
        picture = drawing(document, problems)
    except RecursionError:
        raise ValidationError("the document is nested too deeply to read") from None
    return {**picture, "valid": valid, "problem_count": len(problems)}
