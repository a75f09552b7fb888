"""Money: NUMERIC(14,2) in the database, Decimal in Python, a decimal string in JSON. Never float.

An amount in a request is a JSON string in plain notation with at most two decimals ("1234.50"):
never a JSON number (a float has already lost precision, and an integer is not what the contract
says). The contract's pattern is exactly what the validator accepts (`MONEY_PATTERN`,
`POSITIVE_MONEY_PATTERN`, checked against each other in tests/unit/test_money.py). Field errors
have stable types the SPA translates: `money_format` (not written like "1234.50") and
`money_range` (zero or negative where a positive amount is needed, or too large).
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy import Numeric

MONEY_SQL = Numeric(14, 2)
MAX_MONEY = Decimal("999999999999.99")

# What a request may write: up to 12 digits before the point, up to 2 after, ASCII digits only.
MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$"
# The same, but not zero (0, 0.0, 00.00, ...) and not negative.
POSITIVE_MONEY_PATTERN = r"^(?!0+(\.0{1,2})?$)[0-9]{1,12}(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN)

_PLAIN_DECIMAL = re.compile(r"^-?[0-9]{1,13}(\.[0-9]+)?$")
FORMAT_MESSAGE = 'must be a decimal string written like "1234.50"'


def plain_decimal(v: object) -> object:
    """A BeforeValidator for a decimal input that is not money (shares, weights).

    A decimal string in plain notation, as the contract's patterns say: no JSON number (a float has
    already lost precision), no "1e3", no spaces, no "+", ASCII digits only. A Decimal passes (the
    app's own values).
    """
    if isinstance(v, Decimal):
        return v
    if not isinstance(v, str) or not _PLAIN_DECIMAL.match(v):
        raise PydanticCustomError("decimal_format", 'must be a decimal string written like "12.5"')
    return v


def _money_text(v: object) -> object:
    if isinstance(v, Decimal):  # the app's own value (a row read back, a sum)
        return v
    if not isinstance(v, str) or not _MONEY.match(v):
        raise PydanticCustomError("money_format", FORMAT_MESSAGE)
    try:
        return Decimal(v)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise PydanticCustomError("money_format", FORMAT_MESSAGE) from None


def _two_places(v: Decimal) -> Decimal:
    if not v.is_finite():
        raise PydanticCustomError("money_format", FORMAT_MESSAGE)
    exp = v.as_tuple().exponent
    if isinstance(exp, int) and exp < -2:
        raise PydanticCustomError("money_format", "money has at most two decimal places")
    if abs(v) > MAX_MONEY:
        raise PydanticCustomError("money_range", "money is at most 999999999999.99")
    return v.quantize(Decimal("0.01"))


def _positive(v: Decimal) -> Decimal:
    if v <= 0:
        raise PydanticCustomError("money_range", "must be more than 0.00")
    return v


_SERIALISE = PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="always")

# Any amount (balances, signed ledger amounts).
Money = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    AfterValidator(_two_places),
    _SERIALISE,
    WithJsonSchema({"type": "string", "pattern": MONEY_PATTERN, "examples": ["-1234.50"],
                    "description": "Amount in yuan as a decimal string, at most two decimals"}),
]

# An amount a user enters: strictly positive.
PositiveMoney = Annotated[
    Decimal,
    BeforeValidator(_money_text),
    AfterValidator(_two_places),
    AfterValidator(_positive),
    _SERIALISE,
    WithJsonSchema({"type": "string", "pattern": POSITIVE_MONEY_PATTERN, "examples": ["1234.50"],
                    "description": "Positive amount in yuan as a decimal string, at most two decimals, not 0.00"}),
]
