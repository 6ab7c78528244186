"""timm: ``create_model("resnet18", ...)`` runs the ``@register_model`` function of that name.

timm fills its registry while importing ``timm.models`` (each ``@register_model`` adds its
function); shapelint imports nothing, so the registry is rebuilt from the source: the
``timm/models/*.py`` files are scanned as text, once per run, for a decorated ``def``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List

from ...layers import UNKNOWN
from ..common import ArgSites
from ..values import FuncRef, Site

if TYPE_CHECKING:
    from ..machine import Machine

_REGISTERED = re.compile(r"^@register_model\b[^\n]*\n(?:@[^\n]*\n)*def\s+(\w+)\s*\(", re.MULTILINE)
# create_model's own options: they pick weights, caches and jit settings, never a shape
_NOT_PASSED = ("model_name", "pretrained", "checkpoint_path", "cache_dir", "scriptable", "exportable", "no_jit")


def registry(m: "Machine", models_dir: Path) -> Dict[str, str]:
    """Model name -> dotted module that registers it, for the timm at ``models_dir``."""
    key = f"timm.registry:{models_dir}"
    known = m.index.memo.get(key)
    if isinstance(known, dict):
        return known
    names: Dict[str, str] = {}
    for path in sorted(models_dir.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if "register_model" not in text:
            continue
        for match in _REGISTERED.finditer(text):
            names[match.group(1)] = path.stem  # a later registration overwrites, as in timm
    m.index.memo[key] = names
    return names


def entrypoint(m: "Machine", fn: FuncRef, model_name: Any) -> Any:
    """The registered function for a name (``resnet18.a1_in1k`` names ``resnet18``); UNKNOWN
    for a name from the Hub or a folder, whose architecture is in a config file."""
    if not isinstance(model_name, str) or fn.info.path is None or ":" in model_name or "/" in model_name:
        return UNKNOWN
    arch = model_name.split(".", 1)[0]
    module = registry(m, fn.info.path.resolve().parent).get(arch)
    package = fn.info.name.rpartition(".")[0]  # timm.models
    if module is None or not package:
        return UNKNOWN
    return m.resolve_from(f"{package}.{module}", arch)


def create_model(m: "Machine", fn: FuncRef, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: ArgSites) -> Any:
    model_name = args[0] if args else kwargs.get("model_name", UNKNOWN)
    create_fn = entrypoint(m, fn, model_name)
    if not isinstance(create_fn, FuncRef) or len(args) > 2:
        return UNKNOWN
    # as create_model: options set to None are dropped; weights are never loaded
    passed = {k: v for k, v in kwargs.items() if k not in _NOT_PASSED and v is not None}
    passed["pretrained"] = False
    if "img_size" not in passed and "fixed_input_size=True" in create_fn.info.source:
        passed["img_size"] = UNKNOWN  # the pretrained config's input size, which we do not read
    keep = {k: s for k, s in sites.keywords.items() if k in passed}
    return m.call_function(create_fn, [], passed, ArgSites([], keep), phase="init")


def model_entrypoint(m: "Machine", fn: FuncRef, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: ArgSites) -> Any:
    return entrypoint(m, fn, args[0] if args else kwargs.get("model_name", UNKNOWN))


def update_default_model_kwargs(m: "Machine", fn: FuncRef, args: List[Any], kwargs: Dict[str, Any], site: Site, sites: ArgSites) -> Any:
    """The pretrained config fills ``num_classes`` and ``in_chans`` the caller left out.

    That config comes from registries filled while timm imports its model files, which
    shapelint does not run (it would see them empty): the values are unknown, never the
    model class's own defaults, which may differ (an in21k head has 21843 classes)."""
    model_kwargs = args[1] if len(args) > 1 else kwargs.get("kwargs")
    if isinstance(model_kwargs, dict):
        for name in ("num_classes", "in_chans"):
            model_kwargs.setdefault(name, UNKNOWN)
    return m.call_function(fn, args, kwargs, sites, phase="init")


def _in(module: str) -> List[str]:
    return [f"timm.models.{module}", f"timm.models.{module.lstrip('_')}"]  # timm < 0.9 had no underscore


OVERLAYS: Dict[Any, Any] = {
    **{(mod, "create_model"): create_model for mod in _in("_factory")},
    **{(mod, "model_entrypoint"): model_entrypoint for mod in _in("_registry")},
    **{(mod, "_update_default_model_kwargs"): update_default_model_kwargs for mod in _in("_builder")},
}

__all__ = ["OVERLAYS", "entrypoint", "registry"]
