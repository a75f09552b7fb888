"""Money: NUMERIC(14,2) in the database, Decimal in Python, a decimal string in JSON. Never float."""

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from sqlalchemy import Numeric

MONEY_SQL = Numeric(14, 2)
MAX_MONEY = Decimal("999999999999.99")


_PLAIN_DECIMAL = re.compile(r"^-?[0-9]{1,13}(\.[0-9]+)?$")


def plain_decimal(v: object) -> object:
    """A BeforeValidator for any decimal input (money, shares, weights).

    A float has already lost precision (0.1 + 0.2), so insist on a string or an integer, and on
    plain notation as the contract's patterns say: no "1e3", no spaces, no "+", ASCII digits only.
    """
    if isinstance(v, float):
        raise ValueError("use a decimal string such as \"1234.50\", not a JSON number with a fraction")
    if isinstance(v, bool):
        raise ValueError("must be a decimal string")
    if isinstance(v, str) and not _PLAIN_DECIMAL.match(v):
        raise ValueError("must be written like \"1234.50\"")
    return v


def _two_places(v: Decimal) -> Decimal:
    if not v.is_finite():
        raise ValueError("money must be a finite number")
    exp = v.as_tuple().exponent
    if isinstance(exp, int) and exp < -2:
        raise ValueError("money has at most two decimal places")
    if abs(v) > MAX_MONEY:
        raise ValueError("money is too large")
    return v.quantize(Decimal("0.01"))


_SERIALISE = PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="always")

# Any amount (balances, signed ledger amounts).
Money = Annotated[
    Decimal,
    BeforeValidator(plain_decimal),
    AfterValidator(_two_places),
    _SERIALISE,
    WithJsonSchema({"type": "string", "pattern": r"^-?\d{1,12}(\.\d{1,2})?$", "examples": ["-1234.50"],
                    "description": "Amount in yuan as a decimal string, at most two decimals"}),
]

# An amount a user enters: strictly positive.
PositiveMoney = Annotated[
    Decimal,
    BeforeValidator(plain_decimal),
    AfterValidator(_two_places),
    Field(gt=0),
    _SERIALISE,
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,12}(\.\d{1,2})?$", "examples": ["1234.50"],
                    "description": "Positive amount in yuan as a decimal string, at most two decimals"}),
]
