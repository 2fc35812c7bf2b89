"""Help text without Python types: ``TEXT``, ``N``, ``PATH`` or the choices, and nothing after a flag.

Typer 0.29 prints each parameter's Python annotation in the help (``<bool>``, ``<list[str]>``),
which reads as an internal detail to someone used to ``oc``. :func:`plain_help_types` replaces the
two methods that produce that column; a parameter with its own ``metavar`` keeps it. It also writes the
usage line's arguments as ``oc`` and click write them (``INPUTS...``, ``[NAME]``): Typer 0.29 writes a
required one in braces, ``{inputs}...``, which reads as a template to fill in.
"""

from __future__ import annotations

from typing import Any

_NAMES = {"int": "N", "float": "NUMBER", "str": "TEXT", "Path": "PATH", "datetime": "TIME"}


def label(param: Any, ctx: Any = None) -> str | None:
    """The help's type column for one typer parameter: None for a flag, else a word or the choices."""
    if getattr(param, "is_flag", False):
        return None
    if param.metavar is not None:  # an argument's metavar is already its name in the first column
        return None if param.param_type_name == "argument" else str(param.metavar)
    desc = param.type_descriptor
    if desc.is_choice:
        text = "|".join(str(getattr(c, "value", c)) for c in desc.choices or ())
    else:
        annotation = desc.annotation
        args = getattr(annotation, "__args__", None)
        if desc.is_list and args:
            annotation = args[0]
        text = _NAMES.get(getattr(annotation, "__name__", str(annotation)), "TEXT")
    repeated = desc.is_list or getattr(param, "nargs", 1) != 1
    return f"{text}..." if repeated and not getattr(param, "multiple", False) else text


def usage_name(param: Any) -> str:
    """An argument as the usage line shows it: its ``metavar`` as written, else its name in capitals;
    in brackets when optional, ``...`` after one that takes several values (unless its metavar says so)."""
    name = str(param.metavar) if param.metavar is not None else str(param.name).upper()
    if getattr(param, "nargs", 1) != 1 and "..." not in name:
        name += "..."
    return name if param.required else f"[{name}]"


def plain_help_types() -> None:
    """Install :func:`label` as the type column of every typer option and argument, and :func:`usage_name`
    as an argument's name in the usage line (idempotent)."""
    from typer import core

    for cls in (core.TyperOption, core.TyperArgument):
        if hasattr(cls, "display_type_rich"):
            cls.display_type_rich = label  # type: ignore[method-assign, assignment]
    if hasattr(core.TyperArgument, "_usage_display_name"):
        core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign, assignment]
