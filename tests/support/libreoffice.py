"""pytest-side access to headless LibreOffice Calc and poppler.

UNO only imports under Debian's ``/usr/bin/python3`` (not the venv), so the
real work happens in ``tests/lo/uno_probe.py``, run as a subprocess that
starts its own soffice with a private profile. That keeps tests parallel-safe
and isolates crashes of soffice from the pytest process.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEM_PYTHON = os.environ.get("XLGOALS_LO_PYTHON", "/usr/bin/python3")
PROBE = Path(__file__).resolve().parent.parent / "lo" / "uno_probe.py"
TIMEOUT = 180.0  # whole subprocess; the probe's own watchdog gets 20 s less


class LibreOfficeError(RuntimeError):
    """The probe failed; the message carries its exit code and stderr."""


def _clean_env() -> dict[str, str]:
    """Environment for the system interpreter: drop venv/pyenv leftovers that
    would make it import the wrong stdlib or site-packages."""
    env = dict(os.environ)
    for key in ("PYTHONHOME", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONSTARTUP"):
        env.pop(key, None)
    return env


@functools.lru_cache(maxsize=None)
def _available_for(path_env: str) -> tuple[bool, str]:
    soffice = shutil.which("soffice", path=path_env)
    if not soffice:
        return False, "soffice is not on PATH (install libreoffice-calc-nogui)"
    if not Path(SYSTEM_PYTHON).exists():
        return False, f"{SYSTEM_PYTHON} does not exist (needed for python3-uno)"
    try:
        proc = subprocess.run(
            [SYSTEM_PYTHON, "-c", "import uno"],
            capture_output=True,
            text=True,
            timeout=30,
            env=_clean_env(),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"cannot run {SYSTEM_PYTHON}: {exc}"
    if proc.returncode != 0:
        return False, f"{SYSTEM_PYTHON} cannot import uno (install python3-uno): {proc.stderr.strip()}"
    return True, soffice


def _status() -> tuple[bool, str]:
    # Cached per PATH value, so tests that monkeypatch PATH see a fresh answer.
    return _available_for(os.environ.get("PATH", os.defpath))


def available() -> bool:
    """soffice on PATH and the system python can import uno (cached)."""
    return _status()[0]


def require() -> None:
    """Skip the calling test without LibreOffice; fail instead when ``CI`` is set,
    so a broken CI image cannot silently skip the whole LibreOffice suite."""
    ok, detail = _status()
    if ok:
        return
    message = f"LibreOffice/UNO unavailable: {detail}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set, so this is an error)", pytrace=False)
    pytest.skip(message)


def _stop(proc: subprocess.Popen) -> tuple[bytes, bytes]:
    """SIGTERM first: the probe then kills its soffice and removes the profile.
    A bare SIGKILL of the probe would orphan soffice (it runs in its own group)."""
    proc.terminate()
    try:
        return proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def _run_probe(args: list[str], timeout: float) -> dict:
    ok, detail = _status()
    if not ok:
        raise LibreOfficeError(f"LibreOffice/UNO unavailable: {detail}")
    # The probe's own watchdog fires first and cleans up after itself.
    probe_timeout = max(5.0, timeout - 20.0)
    cmd = [SYSTEM_PYTHON, str(PROBE), "--soffice", detail, "--timeout", str(probe_timeout), *args]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_clean_env(),
        # Keep terminal Ctrl-C away from the probe; we stop it ourselves, in order.
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _, err = _stop(proc)
        raise LibreOfficeError(
            f"uno_probe timed out after {timeout:.0f}s: {cmd}\n{err.decode('utf-8', 'replace')}"
        ) from exc
    except BaseException:  # KeyboardInterrupt in pytest, etc.
        _stop(proc)
        raise
    stdout = out.decode("utf-8", "replace")
    stderr = err.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise LibreOfficeError(f"uno_probe exited with {proc.returncode}: {cmd}\n{stderr.strip()}")
    try:
        return json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise LibreOfficeError(
            f"uno_probe printed no JSON: {exc}\nstdout: {stdout[:2000]}\nstderr: {stderr}"
        ) from exc


def inspect(
    path: str | os.PathLike,
    *,
    password: str | None = None,
    evaluate: list[str] | None = None,
    links: list[str] | None = None,
    timeout: float = TIMEOUT,
) -> dict:
    """What LibreOffice sees in a workbook; the JSON shape is documented in uno_probe.py.

    ``evaluate``: formulas in LibreOffice API syntax (English names, ``;``),
    computed on a scratch sheet; results land in ``result["evaluated"]``.
    ``password`` unprotects the document structure first, if protected.
    ``links``: sheets whose cells' hyperlink URLs land in ``result["links"][sheet]``.
    """
    args = ["inspect", str(Path(path).resolve())]
    if password is not None:
        args += ["--password", password]
    if evaluate is not None:
        args += ["--evaluate", json.dumps(list(evaluate), ensure_ascii=False)]
    for sheet in links or ():
        args += ["--links", sheet]
    return _run_probe(args, timeout)


def convert(path: str | os.PathLike, to: str, outdir: str | os.PathLike, *, timeout: float = TIMEOUT) -> Path:
    """Store ``path`` as ``to`` (xlsx, pdf, ods, png = first page) in ``outdir``;
    returns the output path, guaranteed to exist and be non-empty."""
    result = _run_probe(
        ["convert", str(Path(path).resolve()), "--to", to, "--outdir", str(Path(outdir).resolve())],
        timeout,
    )
    out = Path(result["output"])
    if not out.is_file() or out.stat().st_size == 0:
        raise LibreOfficeError(f"uno_probe reported {out}, but it is missing or empty")
    return out


# --------------------------------------------------------------------------- poppler


def poppler_available() -> bool:
    return all(shutil.which(tool) for tool in ("pdffonts", "pdfinfo", "pdftoppm"))


def require_poppler() -> None:
    """Skip without poppler-utils; fail instead when ``CI`` is set (CI installs them)."""
    if poppler_available():
        return
    if os.environ.get("CI"):
        pytest.fail("poppler-utils unavailable (CI is set, so this is an error)", pytrace=False)
    pytest.skip("poppler-utils not installed")


def _poppler(cmd: list[str]) -> str:
    if not shutil.which(cmd[0]):
        raise LibreOfficeError(f"{cmd[0]} is not on PATH (install poppler-utils)")
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    if proc.returncode != 0:
        raise LibreOfficeError(f"{cmd} failed ({proc.returncode}): {proc.stderr.decode('utf-8', 'replace')}")
    return proc.stdout.decode("utf-8", "replace")


_FONT_TYPE = re.compile(
    r"^(?P<name>.*?)\s+(?P<type>(?:CID )?(?:Type 1C?|Type 3|Type 0C?|TrueType)(?: \(OT\))?|unknown)$"
)


def pdf_fonts(pdf: str | os.PathLike) -> list[dict]:
    """Fonts of a PDF as ``[{"name", "type", "encoding", "emb", "sub", "uni"}]``;
    emb/sub/uni are the raw "yes"/"no" strings of ``pdffonts``."""
    fonts = []
    lines = _poppler(["pdffonts", str(pdf)]).splitlines()
    # Parse from the right: long names overflow pdffonts' fixed columns and
    # types such as "CID TrueType" contain spaces.
    for line in lines[2:]:
        tokens = line.split()
        if len(tokens) < 8:
            continue
        encoding, emb, sub, uni = tokens[-6:-2]
        head = " ".join(tokens[:-6])
        m = _FONT_TYPE.match(head)
        name, ftype = (m.group("name"), m.group("type")) if m else (tokens[0], " ".join(tokens[1:-6]))
        fonts.append({"name": name, "type": ftype, "encoding": encoding, "emb": emb, "sub": sub, "uni": uni})
    return fonts


def pdf_pages(pdf: str | os.PathLike) -> list[tuple[float, float]]:
    """(width, height) in points per page; A4 portrait is about (595.28, 841.89)."""
    info = _poppler(["pdfinfo", str(pdf)])
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    if not match:
        raise LibreOfficeError(f"pdfinfo reported no page count for {pdf}")
    count = int(match.group(1))
    if count == 0:
        return []
    info = _poppler(["pdfinfo", "-f", "1", "-l", str(count), str(pdf)])
    sizes = re.findall(r"^Page\s+\d+\s+size:\s+([\d.]+)\s+x\s+([\d.]+)\s+pts", info, re.M)
    return [(float(w), float(h)) for w, h in sizes]


def render_png(
    pdf: str | os.PathLike, outprefix: str | os.PathLike, first: int = 1, last: int = 1, dpi: int = 60
) -> list[Path]:
    """Render pages ``first..last`` to ``<outprefix>-<n>.png`` (pdftoppm pads n);
    returns the files in page order."""
    prefix = Path(outprefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    _poppler(["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last), str(pdf), str(prefix)])
    pages = []
    pattern = re.compile(re.escape(prefix.name) + r"-(\d+)\.png$")
    for candidate in prefix.parent.iterdir():
        m = pattern.match(candidate.name)
        if m and first <= int(m.group(1)) <= last:
            pages.append((int(m.group(1)), candidate))
    return [p for _, p in sorted(pages)]
