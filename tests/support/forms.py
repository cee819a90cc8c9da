"""The shipped Shanghai form's places, as the tests of its sheets name them."""

from __future__ import annotations

from xlgoals.layout import load_form

SHANGHAI = load_form("shanghai-2020")
SH_TABLE = SHANGHAI.places()[0]
SH_FIELDS = ("level1", "level2", "level3", "target")
SH_LONG = tuple(spot for spot in SHANGHAI.spots if spot.kind == "long")
SH_AMOUNTS = tuple(spot for spot in SHANGHAI.spots if spot.kind == "amount")


def sh_cell(field: str, row: int) -> str:
    """The cell of an indicator field in a sheet row of the Shanghai form."""
    return f"{SHANGHAI.columns_by_field[field].first}{row}"
