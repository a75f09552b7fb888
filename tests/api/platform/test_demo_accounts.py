"""A later start of `make run` prints the demo accounts with their scope, as the first one did."""

from cunzhi.demo import accounts_with_scope


async def test_accounts_are_listed_with_the_name_of_their_scope(db):
    scopes = {u: (role, scope) for u, role, scope in await accounts_with_scope(db)}
    assert scopes["admin"] == ("county_admin", "松江县")
    assert scopes["township02"] == ("township_official", "会发镇")
    assert scopes["agency01"][1] == "松江镇"
    village = scopes["secretary01"][1]
    assert village and village == scopes["cadre01"][1] == scopes["committee01"][1] and village != "松江镇"
    assert scopes["partner01"][0] == "partner_unit" and scopes["partner01"][1]
    assert all(scope for _, scope in scopes.values())
