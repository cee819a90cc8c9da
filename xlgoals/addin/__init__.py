"""The Excel add-in: building ``xlgoals.xlam`` (VBA project, ribbon, xlwings settings) and installing it.

``vbaproject`` (with ``compression`` and ``cfb``) writes the VBA project per MS-OVBA, ``sources``
says which modules go in, ``package`` assembles the add-in, ``install`` puts it where Excel loads
it, and ``excel_build`` has Excel itself build it on Windows.
"""

from .package import build_addin

__all__ = ["build_addin"]
