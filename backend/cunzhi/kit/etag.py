"""ETags are the row version: `W/"7"`. Updates must send it back in If-Match."""

import re

from cunzhi.kit.errors import PreconditionFailed, PreconditionRequired

_ETAG = re.compile(r'^(?:W/)?"([0-9]+)"$')


def etag(version: int) -> str:
    return f'W/"{version}"'


def expected_version(if_match: str | None, current: int) -> int:
    """The version the client read; 428 without If-Match, 412 when it is not the current one."""
    if not if_match:
        raise PreconditionRequired()
    m = _ETAG.match(if_match.strip())
    if m is None:
        raise PreconditionFailed("If-Match must be the ETag from a GET, such as W/\"3\"")
    version = int(m.group(1))
    if version != current:
        raise PreconditionFailed(extra={"current_version": current})
    return version
