from decimal import Decimal

import pytest
from pydantic import BaseModel, ValidationError

from cunzhi.kit.money import Money, PositiveMoney


class Claim(BaseModel):
    amount: PositiveMoney


class Entry(BaseModel):
    amount: Money


@pytest.mark.parametrize("raw,expected", [("12.5", "12.50"), ("0.01", "0.01"), ("7", "7.00"),
                                          ("999999999999.99", "999999999999.99")])
def test_accepts_and_serialises_as_string(raw, expected):
    claim = Claim(amount=raw)
    assert claim.amount == Decimal(expected)
    assert claim.model_dump_json() == f'{{"amount":"{expected}"}}'


@pytest.mark.parametrize("raw", ["0", "0.00", "-1", "1.234", 1.5, 0.1, 7, 0, "abc", "NaN", "Infinity",
                                 "1000000000000.00", True, None, "", "1e3", " 12", "+5", "1_000", "١٢"])
def test_rejects_what_is_not_money(raw):
    with pytest.raises(ValidationError):
        Claim(amount=raw)


def test_json_float_is_refused_but_string_is_exact():
    with pytest.raises(ValidationError):
        Claim.model_validate_json('{"amount": 0.1}')
    assert Claim.model_validate_json('{"amount": "0.10"}').amount == Decimal("0.10")


def test_signed_money_allows_negative_reversals():
    assert Entry(amount="-20.05").model_dump(mode="json") == {"amount": "-20.05"}


def test_schema_is_a_string():
    schema = Claim.model_json_schema()["properties"]["amount"]
    assert schema["type"] == "string" and "anyOf" not in schema


@pytest.mark.parametrize("raw,kind", [(7, "money_format"), (1.5, "money_format"), ("abc", "money_format"),
                                      ("1.234", "money_format"), ("1e3", "money_format"), (True, "money_format"),
                                      ("0", "money_range"), ("0.00", "money_range"), ("-1", "money_range")])
def test_money_errors_have_their_own_types(raw, kind):
    """The SPA translates a field error by its type, never by the English text."""
    with pytest.raises(ValidationError) as e:
        Claim(amount=raw)
    assert [err["type"] for err in e.value.errors()] == [kind]


def test_a_json_integer_is_not_money():
    with pytest.raises(ValidationError) as e:
        Claim.model_validate_json('{"amount": 3}')
    assert e.value.errors()[0]["type"] == "money_format"
