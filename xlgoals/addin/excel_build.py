"""Building the add-in through Excel itself (Windows with Excel, over COM): ``addin build --with-excel``.

Excel imports the same module files and writes the VBA project with its own, compiled, writer;
the settings sheet gets the same keys, and the ribbon part is added to the saved package exactly
as for the file-based build. Needs "Trust access to the VBA project object model" in Excel's Trust
Center. Not exercised on the Linux machines this project is tested on.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..errors import XlgoalsError
from ..outputs import atomic_output
from .package import SETTINGS, Built, ribbon_xml, with_ribbon
from .sources import (
    CONFIG_SHEET,
    PROJECT_NAME,
    macros_dir,
    module_files,
    project_modules,
    xlwings_dir,
    xlwings_module,
    xlwings_version,
)

_XL_OPENXML_ADDIN = 55  # XlFileFormat.xlOpenXMLAddIn
_OFFICE_TYPELIB = ("{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}", 2, 0)


def build_with_excel(out_path: str | Path, *, macros: Path | None = None, inputs: tuple[Path, ...] = ()) -> Built:
    """Write ``xlgoals.xlam`` by driving Excel: import the modules, fill the settings sheet, save as add-in."""
    if not sys.platform.startswith("win"):
        raise XlgoalsError("--with-excel 需要装有 Excel 的 Windows；在本机请去掉 --with-excel，直接生成加载项。")
    try:
        import pythoncom
        import win32com.client
    except ImportError:
        raise XlgoalsError("--with-excel 需要 pywin32，请先运行 pip install pywin32。") from None
    folder = macros_dir(macros)
    modules = project_modules(folder)  # checks the sources exactly as the file-based build does
    ribbon = ribbon_xml(folder)
    with tempfile.TemporaryDirectory() as scratch:
        saved = Path(scratch) / f"{PROJECT_NAME}.xlam"
        pythoncom.CoInitialize()
        try:
            excel = win32com.client.DispatchEx("Excel.Application")
        except pythoncom.com_error:
            pythoncom.CoUninitialize()
            raise XlgoalsError("无法启动 Excel：--with-excel 需要本机装有桌面版 Excel。") from None
        try:
            excel.Visible = False
            excel.DisplayAlerts = False
            _save_addin(excel, _import_files(Path(scratch), folder), saved)
        except pythoncom.com_error as error:
            raise XlgoalsError(f"Excel 生成加载项时出错（{error}），请关闭其他 Excel 窗口后重试，或去掉 --with-excel。") from None
        finally:
            excel.Quit()
            pythoncom.CoUninitialize()
        data = with_ribbon(saved.read_bytes(), ribbon)
    with atomic_output(out_path, inputs=inputs) as temp:
        temp.write_bytes(data)
    return Built(Path(out_path), modules, xlwings_version())


def _import_files(scratch: Path, folder: Path) -> list[Path]:
    """The files Excel imports: xlwings' module (with our project name), its Dictionary class, ours."""
    xlwings_bas = scratch / "xlwings.bas"
    xlwings_bas.write_bytes(xlwings_module().replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii"))
    return [xlwings_bas, xlwings_dir() / "addin" / "Dictionary.cls", *module_files(folder)]


def _save_addin(excel, files: list[Path], saved: Path) -> None:
    import pythoncom

    sheets_in_new_workbook = excel.SheetsInNewWorkbook
    excel.SheetsInNewWorkbook = 1
    try:
        book = excel.Workbooks.Add()
    finally:
        excel.SheetsInNewWorkbook = sheets_in_new_workbook
    try:
        try:
            project = book.VBProject
            components = project.VBComponents
        except pythoncom.com_error:
            raise XlgoalsError("Excel 不允许程序访问 VBA 工程：请在 Excel“文件 → 选项 → 信任中心 → 信任中心设置 → 宏设置”中"
                               "勾选“信任对 VBA 工程对象模型的访问”，然后重试。") from None
        project.Name = PROJECT_NAME
        if not any(str(reference.GUID).upper() == _OFFICE_TYPELIB[0] for reference in project.References):
            project.References.AddFromGuid(*_OFFICE_TYPELIB)
        for path in files:
            components.Import(str(path))
        sheet = book.Worksheets(1)
        sheet.Name = CONFIG_SHEET
        for row, (key, value) in enumerate(SETTINGS.items(), start=1):
            sheet.Cells(row, 1).Value = key
            sheet.Cells(row, 2).Value = value
        book.SaveAs(str(saved), _XL_OPENXML_ADDIN)
    finally:
        book.Close(False)
