import pytest
from funds_helpers import Cast, make_cast


@pytest.fixture
async def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    return await make_cast(db)
