"""The sandbox letter wording renders in: only the letter's fields, bounded text and time.

Wording is typed by admins and runs for every letter, so it may build no string, list or
letter longer than MAX_TEXT characters (checked before `~`, `+`, `*`, join and replace run,
and on every value written), call only string methods and filters that cannot grow text, and
take no longer than MAX_RENDER_SECONDS.
"""

from __future__ import annotations

import sys
import time
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_REPEAT = 2_000
# The most text wording may build in one string, list or letter (a letter is about 3,000).
MAX_TEXT = 50_000
# The longest a render may take (it takes a few milliseconds).
MAX_RENDER_SECONDS = 2.0

# Filters and string methods that never build more text than they are given (join and
# replace are checked before they run); every other one is refused.
_FILTERS = [
    "abs",
    "capitalize",
    "count",
    "d",
    "default",
    "e",
    "escape",
    "first",
    "float",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "max",
    "min",
    "replace",
    "reverse",
    "round",
    "sort",
    "string",
    "striptags",
    "sum",
    "title",
    "trim",
    "truncate",
    "unique",
    "upper",
    "wordcount",
]
_STR_METHODS = frozenset(
    [
        "capitalize",
        "count",
        "endswith",
        "find",
        "isalnum",
        "isalpha",
        "isdigit",
        "islower",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "lower",
        "lstrip",
        "replace",
        "rfind",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "title",
        "upper",
    ]
)


class WordingTooBig(SecurityError):
    """The wording would build more text than any letter needs."""


class WordingTooSlow(SecurityError):
    """The wording takes longer to render than any letter should."""


def _size(value: Any) -> int:
    """Return how many characters a value becomes as text (nested lists included)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple | set | frozenset):
        return len(value) + sum(_size(item) for item in value)
    if isinstance(value, dict):
        return len(value) + sum(_size(k) + _size(v) for k, v in value.items())
    return 20


def _check_size(size: int) -> None:
    if size > MAX_TEXT:
        raise WordingTooBig(
            f"the wording builds more than {MAX_TEXT:,} characters, more than any letter needs"
        )


def _checked_join(parts: Any) -> str:
    """Join what a wording outputs or concatenates (~), once its size is known to be small."""
    parts = list(parts)
    _check_size(sum(_size(part) for part in parts))
    return "".join(str(part) for part in parts)


def _replaced_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(text, str) or not isinstance(old, str) or not isinstance(new, str):
        return _size(text)
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return len(text) + times * max(len(new) - len(old), 0)


def _filter(name: str, original: Any) -> Any:
    """Wrap a filter so what it is given and what it builds are checked before it runs."""
    passes_context = hasattr(original, "jinja_pass_arg")

    def checked(*args: Any, **kwargs: Any) -> Any:
        given = list(args[1:] if passes_context else args)
        if name == "join" and given:
            given[0] = list(given[0])  # a generator is read once, here
            separator = given[1] if len(given) > 1 else kwargs.get("d", "")
            _check_size(_size(given[0]) + _size(separator) * len(given[0]))
        elif name == "replace" and len(given) >= 3:
            _check_size(_replaced_size(*given[:4]))
        _check_size(sum(_size(value) for value in [*given, *kwargs.values()]))
        result = original(*(args[:1] if passes_context else ()), *given, **kwargs)
        _check_size(_size(result))
        return result

    if passes_context:
        checked.jinja_pass_arg = original.jinja_pass_arg  # type: ignore[attr-defined]
    return checked


def _checked_output(value: Any) -> Any:
    """Check each value written with {{ }} before it becomes text."""
    _check_size(_size(value))
    return value


class _WordingCodeGenerator(CodeGenerator):
    """Compile `~` to a join that checks the size of what it builds."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class WordingSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox with no globals and no way to build huge strings or numbers."""

    code_generator_class = _WordingCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    # `{% set %}` blocks and macros join their output with this.
    concat = staticmethod(_checked_join)
    checked_join = staticmethod(_checked_join)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("powers are not allowed in letter wording")
        texts = str | list | tuple
        if operator == "%" and isinstance(left, str):
            raise SecurityError("% formatting is not allowed in letter wording: use ~")
        if operator == "*" and (isinstance(left, texts) or isinstance(right, texts)):
            count = right if isinstance(left, texts) else left
            if not isinstance(count, int) or count > MAX_REPEAT:
                raise SecurityError("repeating text that many times is not allowed")
            _check_size(_size(left if isinstance(left, texts) else right) * max(count, 0))
        if operator == "+" and (isinstance(left, texts) or isinstance(right, texts)):
            _check_size(_size(left) + _size(right))
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call only macros, the loop's helpers and string methods that cannot grow text."""
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(__obj, "__name__", "")
            if name not in _STR_METHODS:
                raise SecurityError(f"'{name}' cannot be used in a letter")
            if name == "replace":
                _check_size(_replaced_size(owner, *args[:3]))
            elif name == "join":
                values = list(args[0]) if args else []
                _check_size(_size(values) + len(owner) * len(values))
                args = (values, *args[1:])
        elif not isinstance(__obj, Macro | LoopContext) and not isinstance(owner, LoopContext):
            raise SecurityError(f"{type(__obj).__name__} cannot be called in a letter")
        result = super().call(__context, __obj, *args, **kwargs)
        _check_size(_size(result))
        return result


# No autoescape: the whole output is escaped as plain text, typed words and fields alike.
sandbox = WordingSandbox(autoescape=False, undefined=StrictUndefined, finalize=_checked_output)
sandbox.globals.clear()
sandbox.filters = {name: _filter(name, sandbox.filters[name]) for name in _FILTERS}


@lru_cache(maxsize=64)
def _compile(source: str) -> Any:
    return sandbox.from_string(source)


def render_within_limits(source: str, fields: dict[str, str]) -> str:
    """Render within MAX_RENDER_SECONDS and MAX_TEXT characters, or raise."""
    deadline = time.monotonic() + MAX_RENDER_SECONDS

    def in_template(frame: Any, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise WordingTooSlow(
                f"the wording takes longer than {MAX_RENDER_SECONDS:g} seconds to write a letter"
            )
        return in_template

    def on_call(frame: Any, event: str, arg: Any) -> Any:
        # Only the compiled wording's own frames are timed, line by line.
        return in_template if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        chunks, size = [], 0
        for chunk in _compile(source).generate(**fields):
            size += len(chunk)
            _check_size(size)
            chunks.append(chunk)
    finally:
        sys.settrace(previous)
    return "".join(chunks)
