"""Options that take one value refuse to be given twice, instead of silently keeping the last one.

Click keeps the last of ``--format json --format md``; a support engineer who pasted two command
lines together then gets a report in a format they did not expect, with no word said. A command
built with :class:`OnceOptionsCommand` fails with a usage error (exit 2) naming the option and both
values. Options given as lists (``--logs`` repeated) and plain flags are not affected; those of
:data:`mga.option_values.FOLLOWING_VALUES` (``--namespace``, ``--route``) also take several values after
one flag.
"""

from __future__ import annotations

from collections import Counter

from typer.core import TyperCommand

from mga.option_values import take_following_values

try:  # typer vendors click from 0.2x on; older releases use click itself
    from typer._click.exceptions import ClickException, MissingParameter
except ImportError:  # pragma: no cover - depends on the installed typer
    from click.exceptions import ClickException, MissingParameter  # type: ignore[no-redef]

# ``ctx.meta`` key: the options of FOLLOWING_VALUES take only the value right after their flag in this parse
ONE_VALUE_EACH = "mga.one_value_each"


class OnceOptionsCommand(TyperCommand):
    """A command whose single-value options may appear once on the command line, and whose ``--namespace`` and
    ``--route`` take several values after one flag."""

    def make_parser(self, ctx):  # type: ignore[no-untyped-def]  # click's signature
        parser = super().make_parser(ctx)
        if not ctx.meta.get(ONE_VALUE_EACH):
            take_following_values(parser)
        return parser

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]  # click's signature
        if not ctx.resilient_parsing:
            _refuse_repeats(self, ctx, list(args))
        try:
            return super().parse_args(ctx, list(args))
        except MissingParameter as error:
            # the inputs missing once the options took the words after their first value (``-n shop mgx``, mgx a
            # path typed wrong): those words are the inputs, and a missing path is said as such
            if getattr(error.param, "param_type_name", "") != "argument" or ctx.meta.get(ONE_VALUE_EACH):
                raise
            ctx.meta[ONE_VALUE_EACH] = True
            return super().parse_args(ctx, list(args))


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
