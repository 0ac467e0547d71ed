"""Serialising the typed record objects: dataclasses -> JSON, empty optionals left out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


def json_name(name: str, alias: str = "") -> Any:
    """A dataclass field with its JSON property name (``alias``), omitted when empty."""
    return dataclasses.field(default=None, metadata={"json": alias or name})


def to_json(value: Any) -> Any:
    """Dataclasses become dicts (JSON names from field metadata ``json``); None and empty
    lists are left out of objects, so an optional property is either set or absent."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if item is None or (
                isinstance(item, list | dict) and not item and not field.metadata.get("keep_empty")
            ):
                continue
            out[field.metadata.get("json", field.name)] = to_json(item)
        return out
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, dt.datetime):
        return timestamp(value)
    return value


def timestamp(value: dt.datetime) -> str:
    """RFC 3339 in UTC with a Z, milliseconds only when there are any."""
    value = value.astimezone(dt.UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if value.microsecond:
        text += f".{value.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_timestamp(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value
