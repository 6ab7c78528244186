"""The project's environment: the site-packages whose libraries (timm, torchvision, ...) are
read like project code, never imported.

Found as mypy finds its ``--python-executable``, but without running anything when the
interpreter belongs to a virtual environment (its ``pyvenv.cfg`` and ``lib/pythonX.Y``
say where its site-packages are).  In order: ``--python``, ``[tool.shapelint] python`` in
the nearest pyproject.toml, ``VIRTUAL_ENV``, a ``.venv`` at the project root.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from ..config import read_toml

# Asked of an interpreter that is not a virtual environment's, isolated (-I -S): nothing of
# the user's runs, only the standard library's sysconfig.
_ASK = "import json, sysconfig; p = sysconfig.get_paths(); print(json.dumps([p['purelib'], p['platlib']]))"


class EnvironmentError_(Exception):
    """A configured interpreter that cannot be used: the CLI reports it and exits 2."""


def _read_cfg(path: Path) -> Dict[str, str]:
    out: Dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return out
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip().lower()] = value.strip()
    return out


def _lib_dirs(prefix: Path, version: Optional[str]) -> List[Path]:
    """``prefix/lib/pythonX.Y/site-packages`` (the version's, if known) and Windows' ``Lib``."""
    found: List[Path] = []
    for lib in ("lib", "lib64"):
        base = prefix / lib
        names = [f"python{version}"] if version else sorted(p.name for p in base.glob("python3*")) if base.is_dir() else []
        for name in names:
            site = base / name / "site-packages"
            if site.is_dir() and site.resolve() not in [f.resolve() for f in found]:
                found.append(site)
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir() and windows.resolve() not in [f.resolve() for f in found]:
        found.append(windows)
    return found


def venv_site_packages(prefix: Path) -> List[Path]:
    """The site-packages of a virtual environment (and its base's, when it includes them)."""
    cfg = _read_cfg(prefix / "pyvenv.cfg")
    version = ".".join(cfg.get("version", cfg.get("version_info", "")).split(".")[:2]) or None
    found = _lib_dirs(prefix, version)
    if cfg.get("include-system-site-packages", "").lower() == "true" and cfg.get("home"):
        found += _lib_dirs(Path(cfg["home"]).parent, version)
    return found


def interpreter_site_packages(python: Path) -> List[Path]:
    """The site-packages of the interpreter ``python`` (or of the environment folder ``python``)."""
    if python.is_dir():  # a virtual environment's folder
        if (python / "pyvenv.cfg").is_file():
            return venv_site_packages(python)
        raise EnvironmentError_(f"{python} is a folder but not a virtual environment (no pyvenv.cfg)")
    if not python.is_file():
        raise EnvironmentError_(f"{python}: no such interpreter")
    prefix = python.absolute().parent.parent  # bin/python, Scripts/python.exe
    if (prefix / "pyvenv.cfg").is_file():
        return venv_site_packages(prefix)
    found = _lib_dirs(prefix, None)
    if len(found) == 1:  # a conda environment or a lone installation: its one lib/pythonX.Y
        return found
    import json
    import subprocess

    try:  # several Pythons share the prefix (/usr): ask it where its libraries are, running none of them
        out = subprocess.run([str(python), "-I", "-S", "-c", _ASK], capture_output=True, text=True, timeout=30, check=True).stdout
        paths = [Path(p) for p in json.loads(out)]
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        raise EnvironmentError_(f"{python}: cannot find its site-packages ({type(e).__name__})") from e
    return list(dict.fromkeys(p for p in paths if p.is_dir()))


def _pth_dirs(site: Path) -> List[Path]:
    """Folders that ``.pth`` files add to the path (editable installs); ``import`` lines are never run."""
    out: List[Path] = []
    for pth in sorted(site.glob("*.pth")):
        try:
            lines = pth.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            folder = (site / line).resolve()
            if folder.is_dir():
                out.append(folder)
    return out


def _nearest_pyproject(start: Path) -> Optional[Path]:
    for folder in [start, *start.parents]:
        if (folder / "pyproject.toml").is_file():
            return folder / "pyproject.toml"
    return None


def configured_python(pyproject: Path) -> Optional[Path]:
    """``[tool.shapelint] python`` of a pyproject.toml, relative to its folder; None if unset."""
    try:
        data = read_toml(pyproject)
    except (OSError, ValueError) as e:  # unreadable, not UTF-8, not TOML
        raise EnvironmentError_(f"{pyproject}: cannot read it ({e})") from e
    tool = data.get("tool", {})
    section = tool.get("shapelint", {}) if isinstance(tool, dict) else {}
    if not isinstance(section, dict) or "python" not in section:
        return None
    value = section["python"]
    if not isinstance(value, str) or not value:
        raise EnvironmentError_(f"{pyproject}: [tool.shapelint] python must be a path to an interpreter, got {value!r}")
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else pyproject.parent / path


def _project_venv(start: Path) -> Optional[Path]:
    """A ``.venv`` in the folders from ``start`` up to the project root (pyproject.toml or .git)."""
    for folder in [start, *start.parents]:
        if (folder / ".venv" / "pyvenv.cfg").is_file():
            return folder / ".venv"
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return None
    return None


def library_roots(start: Path, python: Optional[str] = None, environ: Optional[Mapping[str, str]] = None) -> List[Path]:
    """The folders installed libraries are read from, for a project containing ``start``.

    Raises EnvironmentError_ for an interpreter that is named (flag or configuration) but
    cannot be used; an environment that is only guessed at and missing gives none.
    """
    environ = os.environ if environ is None else environ
    start = start.resolve()
    if start.is_file():
        start = start.parent
    sites: List[Path] = []
    if python is not None:
        sites = interpreter_site_packages(Path(python))
    else:
        pyproject = _nearest_pyproject(start)
        configured = configured_python(pyproject) if pyproject is not None else None
        if configured is not None:
            sites = interpreter_site_packages(configured)
        elif environ.get("VIRTUAL_ENV"):
            sites = venv_site_packages(Path(environ["VIRTUAL_ENV"]))
        else:
            venv = _project_venv(start)
            sites = venv_site_packages(venv) if venv is not None else []
    roots: List[Path] = []
    for site in sites:
        for folder in [site, *_pth_dirs(site)]:
            if folder.resolve() not in roots:
                roots.append(folder.resolve())
    return roots
