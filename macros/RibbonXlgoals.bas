Attribute VB_Name = "RibbonXlgoals"
' Ribbon callbacks of the xlgoals add-in (the tab defined in customUI14.xml).
Option Explicit

' Each button runs one Python entry function in xlgoals.excel through xlwings' RunPython
' (the xlwings module of this project). Python shows every message to the user, in Chinese;
' the VBA here stays ASCII because the project is stored in code page 1252: the few Chinese
' words it shows itself (the dialogs' titles) are written as \uXXXX escapes, see Zh.
' The control argument is Optional so that `xlgoals addin selftest` can run each callback
' with Application.Run, as the ribbon would.

Sub OnValidate(Optional control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.validate()"
End Sub

Sub OnFill(Optional control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.fill()"
End Sub

Sub OnNewProjectSheet(Optional control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.new_project_sheet()"
End Sub

Sub OnClear(Optional control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.clear()"
End Sub

Sub OnMerge(Optional control As IRibbonControl)
    ' Excel's own dialogs ask for the folder of submitted workbooks and for the consolidated file;
    ' a cancelled dialog passes "" and Python says what is missing.
    Dim folder As String, target As Variant
    With Application.FileDialog(msoFileDialogFolderPicker)
        .Title = Zh("\u9009\u62e9\u5b58\u653e\u5404\u90e8\u95e8\u8868\u683c\u7684\u6587\u4ef6\u5939")
        .AllowMultiSelect = False
        If .Show = -1 Then folder = .SelectedItems(1)
    End With
    target = ""
    If folder <> "" Then
        #If Mac Then
            target = Application.GetSaveAsFilename(InitialFileName:=folder & Zh("-\u6c47\u603b.xlsx"), _
                Title:=Zh("\u6c47\u603b\u6587\u4ef6\u4fdd\u5b58\u4e3a"))
        #Else
            target = Application.GetSaveAsFilename(InitialFileName:=folder & Zh("-\u6c47\u603b.xlsx"), _
                FileFilter:=Zh("Excel \u5de5\u4f5c\u7c3f (*.xlsx),*.xlsx"), Title:=Zh("\u6c47\u603b\u6587\u4ef6\u4fdd\u5b58\u4e3a"))
        #End If
        If VarType(target) = vbBoolean Then target = ""
    End If
    MergeFolder folder, CStr(target)
End Sub

Sub MergeFolder(folder As String, target As String)
    ' The merge without the dialogs (what the self-test runs). RunPython needs an active workbook:
    ' with none open, a blank one stands in and is closed afterwards.
    Dim scratch As Workbook
    If ActiveWorkbook Is Nothing Then Set scratch = Workbooks.Add
    RunPython "import xlgoals.excel; xlgoals.excel.merge_folder(" & PyText(folder) & ", " & PyText(target) & ")"
    If Not scratch Is Nothing Then scratch.Close SaveChanges:=False
End Sub

Sub OnAbout(Optional control As IRibbonControl)
    RunPython "import xlgoals.excel; xlgoals.excel.about(addin_version=" & PyText(AddinVersion()) & ")"
End Sub

Function AddinVersion() As String
    ' The xlgoals version this add-in was built from (its settings sheet); when it is not the
    ' Python package's, About tells the user to reinstall the add-in.
    AddinVersion = CStr(GetConfigFromSheet(ThisWorkbook).Item("XLGOALS VERSION"))
End Function

Private Function PyText(text As String) As String
    ' A Python string literal of A-Z, a-z, 0-9 and \uXXXX escapes (UTF-16 code units): safe in
    ' the command line RunPython builds, where cmd.exe gives % & ^ and quotes a meaning.
    Dim i As Long, code As Long, out As String
    out = "'"
    For i = 1 To Len(text)
        code = AscW(Mid$(text, i, 1)) And &HFFFF&
        If (code >= 48 And code <= 57) Or (code >= 65 And code <= 90) Or (code >= 97 And code <= 122) Then
            out = out & ChrW(code)
        Else
            out = out & "\u" & Right$("000" & LCase$(Hex$(code)), 4)
        End If
    Next i
    PyText = out & "'"
End Function

Private Function Zh(text As String) As String
    ' Text with \uXXXX escapes (four hex digits each) turned into the characters they name.
    Dim parts() As String, i As Long, k As Long, code As Long
    parts = Split(text, "\u")
    Zh = parts(0)
    For i = 1 To UBound(parts)
        code = 0
        For k = 1 To 4
            code = code * 16 + InStr(1, "0123456789abcdef", Mid$(parts(i), k, 1), vbTextCompare) - 1
        Next k
        Zh = Zh & ChrW(code) & Mid$(parts(i), 5)
    Next i
End Function
