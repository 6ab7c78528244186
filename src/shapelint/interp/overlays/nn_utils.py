"""``torch.nn.utils`` wrappers that return the module they were given: weight_norm and
spectral_norm (old and ``parametrizations``), ``parametrize.register_parametrization``.

The layer stays the same layer (same shapes); only its parameters change the way torch's
do: weight_norm splits ``weight`` into ``weight_v`` (the same size) and ``weight_g``
(one value per slice along ``dim``, or one in all with ``dim=None``); spectral_norm adds
only buffers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional

from ...layers import UNKNOWN
from ...layers.core import is_int, norm_dim
from ..values import ModuleObj, Parameter

if TYPE_CHECKING:
    from ..machine import Machine


def _arg(args: List[Any], kwargs: Dict[str, Any], i: int, name: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwargs.get(name, default)


def _norm_size(module: ModuleObj, name: Any, dim: Any) -> Optional[int]:
    """The size of weight_g: the tensor's size along ``dim`` (None or -1: one value)."""
    if module.spec is None or module.cfg is None or not isinstance(name, str):
        return None
    shape = module.spec.weights(module.cfg).get(name)
    if shape is None:
        return None
    if dim is None or dim == -1:
        return 1
    d = norm_dim(dim, len(shape)) if is_int(dim) else None
    return shape[d] if d is not None and is_int(shape[d]) else None  # type: ignore[return-value]


def _weight_norm(m: "Machine", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    module = _arg(args, kwargs, 0, "module", UNKNOWN)
    if not isinstance(module, ModuleObj):
        return module
    name, dim = _arg(args, kwargs, 1, "name", "weight"), _arg(args, kwargs, 2, "dim", 0)
    size = _norm_size(module, name, dim)
    if size is None:
        module.complete = False  # its parameter count is no longer known
    else:
        module.parameters[f"{name}_g"] = Parameter((size,))
    return module


def _parametrized_weight_norm(m: "Machine", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """As torch builds it: ``parametrizations.<name>`` holds original0 (g) and the rule."""
    module = _arg(args, kwargs, 0, "module", UNKNOWN)
    if not isinstance(module, ModuleObj):
        return module
    name, dim = _arg(args, kwargs, 1, "name", "weight"), _arg(args, kwargs, 2, "dim", 0)
    size = _norm_size(module, name, dim)
    holder = _parametrizations(module, name, ModuleObj("_WeightNorm", "custom"))
    if size is None or holder is None:
        module.complete = False
    else:
        holder.parameters["original0"] = Parameter((size,))
    return module


def _register_parametrization(m: "Machine", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    module = _arg(args, kwargs, 0, "module", UNKNOWN)
    name = _arg(args, kwargs, 1, "tensor_name", UNKNOWN)
    rule = _arg(args, kwargs, 2, "parametrization", UNKNOWN)
    if not isinstance(module, ModuleObj):
        return module
    if not isinstance(rule, ModuleObj) or _parametrizations(module, name, rule) is None:
        module.complete = False
    return module


def _parametrizations(module: ModuleObj, name: Any, rule: ModuleObj) -> Optional[ModuleObj]:
    """``module.parametrizations.<name>`` (a list of rules), created on first use; the rule appended."""
    if not isinstance(name, str):
        return None
    if not module.type_name.startswith("Parametrized"):
        module.type_name = "Parametrized" + module.type_name  # torch swaps in a subclass of that name
    table = module.children.get("parametrizations")
    if table is None:
        table = ModuleObj("ModuleDict", "moduledict")
        module.register("parametrizations", table)
    rules = table.children.get(name)
    if rules is None:
        rules = ModuleObj("ParametrizationList", "modulelist")
        table.register(name, rules)
    rules.register(str(len(rules.children)), rule)
    return rules


def _parametrized_spectral_norm(m: "Machine", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    """Buffers only: the parameter count stays; the module gains its parametrizations table."""
    module = _arg(args, kwargs, 0, "module", UNKNOWN)
    if isinstance(module, ModuleObj) and _parametrizations(module, _arg(args, kwargs, 1, "name", "weight"), ModuleObj("_SpectralNorm", "custom")) is None:
        module.complete = False
    return module


def _same(m: "Machine", args: List[Any], kwargs: Dict[str, Any]) -> Any:
    return _arg(args, kwargs, 0, "module", UNKNOWN)


MEMBERS: Dict[str, Any] = {
    "torch.nn.utils.weight_norm": _weight_norm,
    "torch.nn.utils.weight_norm.weight_norm": _weight_norm,
    "torch.nn.utils.parametrizations.weight_norm": _parametrized_weight_norm,
    "torch.nn.utils.spectral_norm": _same,
    "torch.nn.utils.spectral_norm.spectral_norm": _same,
    "torch.nn.utils.parametrizations.spectral_norm": _parametrized_spectral_norm,
    "torch.nn.utils.parametrize.register_parametrization": _register_parametrization,
}
