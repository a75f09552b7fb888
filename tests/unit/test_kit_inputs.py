"""Pure parts of the kit's input guards: finding NUL in requests, documenting problems in a contract."""

import copy

from cunzhi.kit.errors import document_problems
from cunzhi.kit.inputs import nul_locations, request_nul_locations


def _scope(path: str = "/x", query: bytes = b"", content_type: str | None = None) -> dict:  # type: ignore[type-arg]
    headers = [(b"content-type", content_type.encode())] if content_type else []
    return {"type": "http", "path": path, "query_string": query, "headers": headers}


def test_nul_locations_walks_strings_lists_and_keys():
    value = {"a": "ok", "b": ["x", "y\x00"], "c": {"d\x00": 1, "e": {"f": "\x00"}}, "n": 5, "t": True}
    assert sorted(nul_locations(value)) == [("b", "1"), ("c", "d\x00"), ("c", "e", "f")]
    assert list(nul_locations(["fine", 1, None])) == []


def test_request_locations_for_path_query_and_bodies():
    assert request_nul_locations(_scope(path="/a\x00"), b"") == [("path",)]
    assert request_nul_locations(_scope(query=b"q=a%00&x=1"), b"") == [("query", "q")]
    assert request_nul_locations(_scope(query=b"q=a%2500"), b"") == []  # the text "%00" is fine
    assert request_nul_locations(_scope(content_type="application/json"), b'{"n": "a\\u0000"}') == [("body", "n")]
    assert request_nul_locations(_scope(content_type="application/merge-patch+json"), b'["\\u0000"]') == [("body", "0")]
    assert request_nul_locations(_scope(content_type="application/json"), b'{"n": "a\\\\u0000"}') == []
    assert request_nul_locations(_scope(content_type="application/json"), b'{"n": \x00') == []  # not JSON: left to the route
    deep = b'["\\u0000"' + b"," + b"[" * 200_000 + b"]" * 200_000 + b"]"
    assert request_nul_locations(_scope(content_type="application/json"), deep) == []  # too deep: left to the route
    form = "application/x-www-form-urlencoded"
    assert request_nul_locations(_scope(content_type=form), b"username=a%00&password=b") == [("body", "username")]
    # Other media types (e.g. a raw upload) are not read.
    assert request_nul_locations(_scope(content_type="application/octet-stream"), b"\x00") == []


def test_multipart_checks_field_values_and_part_headers_not_file_bytes():
    ct = "multipart/form-data; boundary=XyZ"

    def part(head: bytes, content: bytes) -> bytes:
        return b"--XyZ\r\nContent-Disposition: form-data; " + head + b"\r\n\r\n" + content + b"\r\n"

    file_part = part(b'name="file"; filename="a.bin"', b"\x00\x01")
    assert request_nul_locations(_scope(content_type=ct), file_part + b"--XyZ--\r\n") == []
    body = file_part + part(b'name="note"', b"a\x00") + b"--XyZ--\r\n"
    assert request_nul_locations(_scope(content_type=ct), body) == [("body", "note")]
    body = part(b'name="file"; filename="a\x00.bin"', b"x") + b"--XyZ--\r\n"
    assert request_nul_locations(_scope(content_type=ct), body) == [("body", "file")]


SPEC = {
    "openapi": "3.1.0",
    "paths": {"/a": {
        "get": {"responses": {"200": {"description": "ok"}, "404": {"description": "missing"},
                              "422": {"description": "Validation Error", "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}}},
        "parameters": [],
    }},
    "components": {"schemas": {
        "HTTPValidationError": {"properties": {"detail": {"items": {"$ref": "#/components/schemas/ValidationError"}}}},
        "ValidationError": {"type": "object"},
    }},
}


def test_document_problems_rewrites_errors_and_drops_fastapis_unused_shapes():
    spec = document_problems(copy.deepcopy(SPEC))
    responses = spec["paths"]["/a"]["get"]["responses"]
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    assert responses["404"]["content"] == problem and responses["422"]["content"] == problem
    assert responses["4XX"]["content"] == problem
    assert responses["200"] == {"description": "ok"}
    assert set(spec["components"]["schemas"]) == {"ProblemDetails", "ProblemFieldError"}
    assert document_problems(copy.deepcopy(spec)) == spec  # idempotent


def test_document_problems_keeps_validation_error_schemas_still_in_use():
    spec = copy.deepcopy(SPEC)
    spec["paths"]["/b"] = {"post": {"responses": {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ValidationError"}}}}}}}
    spec = document_problems(spec)
    assert "ValidationError" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]
