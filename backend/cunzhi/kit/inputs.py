"""Text the system can store and hand on: no control characters but tab, LF and CR.

PostgreSQL refuses the NUL character (U+0000) in any text value, and the other C0 controls and DEL
(U+0001-U+0008, U+000B, U+000C, U+000E-U+001F, U+007F) are stored but break what reads them later
(an XLSX export cannot hold them; a printed disclosure shows garbage). `RejectNulText` answers 422
(problem+json, code validation_error, the place in `errors[]`) to a request with such a character in
its path, its query, a JSON body or a form field, for every route at once, so no string input of any
domain reaches the database with it. Like malformed JSON, such a request is refused before anything
else looks at it. File contents in multipart uploads may hold any byte.

`Id` is a row id as a path, query or body value: 1 to 2^31-1, the range of the SERIAL (int4) keys,
so a larger number is a 422 for the field instead of an error from the database driver.

`Body` is the base of every request body: an unknown field is refused (a typo is not silently
dropped). Its numbers and flags are JSON numbers and booleans only, never "3", "0", 4.0 or 1 for
true: `StrictInt`, `StrictBool`, `StrictFloat`, `BodyId` (or pydantic's `Strict()`), and money is
`kit.money.Money`/`PositiveMoney`, a decimal string. A day is `BodyDate`, a JSON string "YYYY-MM-DD"
(never a timestamp number, nor "2026-12-03T00:00:00"), and a moment is `BodyDateTime`, an RFC 3339
string with its UTC offset ("2026-12-03T08:30:00+08:00" or "...Z"; never naive, never a number).
Lists whose items must not repeat use `UniqueList[X]` (refused with type `unique_items`, and `uniqueItems` in the contract).
tests/unit/test_request_contract.py walks every route's body to keep this so.
"""

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictFloat,
    StrictInt,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cunzhi.kit.errors import problem

T = TypeVar("T")
INT4_MAX = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=INT4_MAX)]
# A row id in a JSON body: a JSON integer, never "5" or 5.0.
BodyId = Annotated[int, Strict(), Field(ge=1, le=INT4_MAX)]

__all__ = ["INT4_MAX", "Body", "BodyDate", "BodyDateTime", "BodyId", "Id", "StrictBool", "StrictFloat", "StrictInt",
           "UniqueList"]

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DATETIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$"
_DATE = re.compile(DATE_PATTERN)
_DATETIME = re.compile(DATETIME_PATTERN)
DATE_MESSAGE = 'must be a date string written like "2026-12-03"'
DATETIME_MESSAGE = 'must be a date and time with its UTC offset, written like "2026-12-03T08:30:00+08:00"'


def iso_date_text(v: object) -> object:
    """A BeforeValidator for a day in a body: a string YYYY-MM-DD, never a number nor a date-time.

    A `date` passes (the app's own values); a `datetime` does not (it is not a day)."""
    if isinstance(v, date) and not isinstance(v, datetime):
        return v
    if not isinstance(v, str) or not _DATE.match(v):
        raise PydanticCustomError("date_format", DATE_MESSAGE)
    return v


def iso_datetime_text(v: object) -> object:
    """A BeforeValidator for a moment in a body: an RFC 3339 string with an offset (Z or +08:00).

    A naive time is refused (which clock it was read on is unknown); so is a unix timestamp. An
    aware `datetime` passes (the app's own values)."""
    if isinstance(v, datetime) and v.utcoffset() is not None:
        return v
    if not isinstance(v, str) or not _DATETIME.match(v):
        raise PydanticCustomError("datetime_format", DATETIME_MESSAGE)
    return v


# A day in a request body (see the module's docstring).
BodyDate = Annotated[
    date,
    BeforeValidator(iso_date_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN, "examples": ["2026-12-03"]}),
]
def plain_offset(v: datetime) -> datetime:
    """An AfterValidator: the parsed moment's offset as a stdlib `timezone`. Pydantic's own tzinfo
    answers `utcoffset()` several times slower, and every comparison, `astimezone` and later
    validation of the moment asks it (a phone's batch sync holds hundreds)."""
    offset = v.utcoffset()
    return v if type(v.tzinfo) is timezone or offset is None else v.replace(tzinfo=timezone(offset))


# A moment in a request body, with its UTC offset (see the module's docstring).
BodyDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(iso_datetime_text),
    AfterValidator(plain_offset),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN,
                    "examples": ["2026-12-03T08:30:00+08:00"]}),
]


class Body(BaseModel):
    """The base of every request body (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")


def _no_repeats(v: list[Any] | None) -> list[Any] | None:
    if v is not None and len(set(map(_hashable, v))) != len(v):
        raise PydanticCustomError("unique_items", "values must not repeat")
    return v


def _hashable(item: Any) -> Any:
    if isinstance(item, BaseModel):
        return json.dumps(item.model_dump(mode="json"), sort_keys=True)
    return item


# `items: UniqueList[X] = ...`: refused when an item repeats; the contract says so.
UniqueList = Annotated[list[T], AfterValidator(_no_repeats), Field(json_schema_extra={"uniqueItems": True})]

NUL = "\x00"
MESSAGE = "Text must not contain control characters (U+0000-U+001F other than tab, LF and CR, or U+007F)"
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A JSON escape of one of them (\u0000-\u001f, \u007f); a cheap test before decoding the body.
_JSON_ESCAPED = re.compile(rb"\\u00(?:[01][0-9a-fA-F]|7[fF])")
_PERCENT_ESCAPED = re.compile(rb"%(?:[01][0-9a-fA-F]|7[fF])")


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def strip_control(text: str) -> str:
    """`text` without the characters refused at the door (for what was stored before they were)."""
    return CONTROL.sub("", text)


def _shown(name: str) -> str:
    """A field name for `errors[].loc` with its control characters written as \\uXXXX."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", name)


def nul_locations(value: Any, loc: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Where a refused control character occurs in a decoded JSON value (strings and object keys)."""
    if isinstance(value, str):
        if has_control(value):
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            if has_control(key):
                yield (*loc, key)
            else:
                yield from nul_locations(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from nul_locations(item, (*loc, str(i)))


def _pairs_with_nul(text: str, where: str) -> Iterator[tuple[str, ...]]:
    for name, value in parse_qsl(text, keep_blank_values=True):
        if has_control(name) or has_control(value):
            yield (where, _shown(name))


def _multipart_with_nul(content_type: str, body: bytes) -> Iterator[tuple[str, ...]]:
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";")
                     if p.strip().lower().startswith("boundary=")), "")
    if not boundary:
        return
    for part in body.split(b"--" + boundary.encode("latin-1")):
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        is_file = b"filename" in head.lower()
        if _CONTROL_BYTES.search(head) or (not is_file and _CONTROL_BYTES.search(content.removesuffix(b"\r\n"))):
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0] if b'name="' in head else b""
            yield ("body", _shown(name.decode("utf-8", "replace")))


def request_nul_locations(scope: Scope, body: bytes) -> list[tuple[str, ...]]:
    """Every place of a request (path, query, JSON or form body) whose text holds a refused control."""
    found: list[tuple[str, ...]] = []
    if has_control(scope.get("path", "")):
        found.append(("path",))
    query = scope.get("query_string", b"")
    if _PERCENT_ESCAPED.search(query) or _CONTROL_BYTES.search(query):
        found.extend(_pairs_with_nul(query.decode("latin-1"), "query"))
    if body:
        content_type = _content_type(scope)
        media = content_type.split(";", 1)[0].strip().lower()
        if media == "application/json" or media.endswith("+json"):
            if _JSON_ESCAPED.search(body) or _CONTROL_BYTES.search(body):
                # Not JSON (or nested too deep to read): the route's own parsing answers 4xx.
                with contextlib.suppress(ValueError, RecursionError):
                    found.extend(("body", *loc) for loc in nul_locations(json.loads(body)))
        elif media == "application/x-www-form-urlencoded":
            if _PERCENT_ESCAPED.search(body) or _CONTROL_BYTES.search(body):
                found.extend(_pairs_with_nul(body.decode("latin-1"), "body"))
        elif media == "multipart/form-data" and _CONTROL_BYTES.search(body):
            found.extend(_multipart_with_nul(content_type, body))
    return found


def _content_type(scope: Scope) -> str:
    raw = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"")
    return raw.decode("latin-1")


def _reads_body(scope: Scope) -> bool:
    media = _content_type(scope).split(";", 1)[0].strip().lower()
    return media in ("application/json", "application/x-www-form-urlencoded", "multipart/form-data") \
        or media.endswith("+json")


class RejectNulText:
    """ASGI middleware: 422 for a control character in the path, the query or a JSON/form body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = b""
        replay = receive
        if _reads_body(scope):
            more = True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                more = message.get("more_body", False)
            sent = False

            async def replay_body() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            replay = replay_body
        found = request_nul_locations(scope, body)
        if found:
            errors = [{"loc": list(loc), "msg": MESSAGE, "type": "value_error"} for loc in found]
            return await problem(422, "validation_error", "The request is not valid", errors=errors)(scope, replay, send)
        await self.app(scope, replay, send)
