"""Workbooks: the template builder, the writer and the reader, over :mod:`xlgoals.layout`."""
