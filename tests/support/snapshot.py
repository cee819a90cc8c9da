"""A comparable description of a workbook: what a user sees and what protects it, not zip bytes.

Two workbooks with equal snapshots have the same sheets, values, styles, merged ranges, sizes,
print setup, validations, protection and defined names; the diff names what changed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl


def _color(color) -> str | None:
    return None if color is None else str(color.rgb if color.type == "rgb" else f"{color.type}:{color.value}")


def snapshot(path: str | Path) -> dict[str, Any]:
    workbook = openpyxl.load_workbook(path)
    security = workbook.security
    result: dict[str, Any] = {
        "sheets": workbook.sheetnames,
        "structure_locked": bool(security and security.lockStructure),
        "workbook_password": bool(security and security.workbookPassword),
        "defined_names": {name: dn.attr_text for name, dn in workbook.defined_names.items()},
    }
    for ws in workbook.worksheets:
        sheet: dict[str, Any] = {
            "state": ws.sheet_state,
            "protection": {key: getattr(ws.protection, key) for key in (
                "sheet", "password", "formatRows", "formatCells", "insertRows", "deleteRows",
                "selectLockedCells", "selectUnlockedCells")},
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "columns": {key: dim.width for key, dim in ws.column_dimensions.items() if dim.width},
            "rows": {key: dim.height for key, dim in ws.row_dimensions.items() if dim.height},
            "page": {"paper": ws.page_setup.paperSize, "orientation": ws.page_setup.orientation,
                     "fit_width": ws.page_setup.fitToWidth, "fit_height": ws.page_setup.fitToHeight,
                     "fit": ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None,
                     "titles": ws.print_title_rows, "area": ws.print_area,
                     "breaks": [brk.id for brk in ws.row_breaks.brk],
                     "margins": (ws.page_margins.left, ws.page_margins.right, ws.page_margins.top,
                                 ws.page_margins.bottom)},
            "validations": sorted(
                (str(dv.sqref), dv.type, dv.operator, dv.formula1, dv.formula2, dv.prompt, dv.error,
                 dv.showErrorMessage, dv.showInputMessage)
                for dv in ws.data_validations.dataValidation),
            "cells": {},
        }
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                sheet["cells"][cell.coordinate] = (
                    cell.value, cell.font.name, cell.font.sz, cell.font.b, _color(cell.fill.fgColor),
                    cell.protection.locked, cell.number_format, cell.alignment.wrap_text,
                    cell.alignment.horizontal, cell.alignment.vertical)
        result[f"sheet:{ws.title}"] = sheet
    return result


def differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Human-readable paths where two snapshots differ (first ones only matter for a failure)."""
    out: list[str] = []
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                out.append(f"{prefix}{key}: only in {'new' if key in b else 'reference'}")
            else:
                out += differences(a[key], b[key], f"{prefix}{key}.")
    elif a != b:
        out.append(f"{prefix.rstrip('.')}: reference={a!r} new={b!r}")
    return out
