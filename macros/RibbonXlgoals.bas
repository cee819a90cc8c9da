Attribute VB_Name = "RibbonXlgoals"
' Ribbon callbacks of the xlgoals add-in (the tab defined in customUI14.xml).
Option Explicit

' Each button runs one Python entry function in xlgoals.excel through xlwings' RunPython
' (the xlwings module of this project). Python shows every message to the user, in Chinese;
' the VBA here stays ASCII because the project is stored in code page 1252.

Sub OnValidate(control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.validate()"
End Sub

Sub OnFill(control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.fill()"
End Sub

Sub OnNewProjectSheet(control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.new_project_sheet()"
End Sub

Sub OnClear(control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.clear()"
End Sub

Sub OnAbout(control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.about()"
End Sub
