"""Files sent in a multipart form: how large one may be, and what type its bytes say it is.

A file's type is read from its content, never from its name or the declared type."""

from cunzhi.config import get_settings

FORM_ROOM = 16 * 1024
"""What a multipart form carries besides the file (boundaries, headers, other fields)."""


def upload_limit() -> int:
    """Largest file accepted: the request body limit (CUNZHI_MAX_BODY_BYTES) less room for the form."""
    return get_settings().max_body_bytes - FORM_ROOM


def sniff_image(content: bytes) -> str | None:
    """image/jpeg, image/png or image/webp from the first bytes; None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return None
