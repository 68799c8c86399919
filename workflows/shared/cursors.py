"""Keyset cursors over (moment, id): opaque to clients, refused when they were not ours."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from workflows.shared.errors import InvalidCursor


def encode_cursor(moment: datetime, item_id: str) -> str:
    raw = json.dumps([moment.isoformat(), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment_text, item_id = json.loads(raw)
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None or not isinstance(item_id, str):
            raise ValueError(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this API gave out.") from exc
    return moment, item_id
