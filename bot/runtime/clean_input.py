"""What users send, made safe to store: control characters out, text and line breaks kept.

A NUL cannot be stored in a PostgreSQL text column (the whole transaction fails, every time the
user tries again), and other control characters or lone surrogates only break the displays and
files the text ends up in.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab and line breaks, DEL, C1 controls, and lone UTF-16 surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    return _UNSAFE.sub("", text)


def clean_payload(value: Any) -> Any:
    """The same, through every string (keys included) of a decoded JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_payload(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_payload(v) for v in value]
    return value
