"""Adapters of the workbook port: files (python-calamine to read, openpyxl to write) and the
live Excel workbook (xlwings). The only place where spreadsheet libraries are imported."""
