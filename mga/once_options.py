"""Options that take one value refuse to be given twice, instead of silently keeping the last one.

Click keeps the last of ``--format json --format md``; a support engineer who pasted two command
lines together then gets a report in a format they did not expect, with no word said. A command
built with :class:`OnceOptionsCommand` fails with a usage error (exit 2) naming the option and both
values. Options given as lists (``--logs`` repeated) and plain flags are not affected.
"""

from __future__ import annotations

from collections import Counter

from typer.core import TyperCommand

try:  # typer vendors click from 0.2x on; older releases use click itself
    from typer._click.exceptions import ClickException
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException  # type: ignore[no-redef]


class OnceOptionsCommand(TyperCommand):
    """A command whose single-value options may appear once on the command line."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]  # click's signature
        if not ctx.resilient_parsing:
            _refuse_repeats(self, ctx, list(args))
        return super().parse_args(ctx, args)


def _refuse_repeats(command: TyperCommand, ctx, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    parser = command.make_parser(ctx)
    try:
        _, _, order = parser.parse_args(args=args)
    except ClickException:  # the real parse right after reports it in click's words
        return
    seen = Counter(id(param) for param in order)
    for param in command.get_params(ctx):
        once = getattr(param, "param_type_name", "") == "option" and not (
            getattr(param, "multiple", False) or getattr(param, "count", False) or getattr(param, "is_flag", False)
        )
        if once and seen[id(param)] > 1:
            ctx.fail(f"{'/'.join(param.opts)} given {seen[id(param)]} times: give it once")
