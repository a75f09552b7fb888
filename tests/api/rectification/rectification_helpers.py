"""Constants and score sheets shared by the screening and rectification API tests."""

COUNTY = "230199000000"
T01 = "230199100000"
T02 = "230199101000"
T03 = "230199102000"
T02_VILLAGES = [f"230199101{200 + i:03d}" for i in range(11)]
CRITERIA = [
    "no_fit_secretary",
    "weak_economy",
    "poor_public_order",
    "many_petitions",
    "irregular_activity",
    "weak_branch",
]
# In the demo, 230199101203 and 230199101208 are already weak (with open cases).
DEMO_WEAK_T02 = {"230199101203", "230199101208"}


def sheet(default: int = 2, **scores: int) -> dict[str, int]:
    return {c: scores.get(c, default) for c in CRITERIA}


# Township 02's scores: 200 weak on economy + public order, 201 weak on everything, 203 (already listed)
# weak, the rest clean.
def t02_scores(code: str) -> dict[str, int]:
    if code == "230199101200":
        return sheet(5, weak_economy=10, poor_public_order=9)  # index 65
    if code == "230199101201":
        return sheet(8)  # index 80, all six categories
    if code == "230199101203":
        return sheet(9)
    return sheet(2)
