"""Arithmetic questions: integer `+ - * /` with parentheses, evaluated exactly.

Forms: `What is EXPR?`, `What's EXPR?`, `Compute EXPR.`, `Calculate EXPR.`, `Evaluate EXPR.`,
`Solve EXPR.`, `EXPR = ?`. EXPR holds integers, `+ - * /` (also `x`, `×`, `÷`), parentheses
and unary minus, and at least one operator. Results print as plain integers (`-7`);
non-integer results print as decimals rounded to 6 places (`3.5`, `0.333333`). Division
by zero is not a question the solver recognises.
"""

from __future__ import annotations

import re
from fractions import Fraction

from orkit.sim.solvers._types import Solution

__all__ = ["solve"]

_ASK_RE = re.compile(
    r"^(?:what\s+is|what's|compute|calculate|evaluate|solve)\s+(?P<expr>[-+*/x×÷()\d\s]+?)"
    r"\s*(?:=\s*)?[?.!]?\s*$",
    re.IGNORECASE,
)
_EQ_RE = re.compile(r"^(?P<expr>[-+*/x×÷()\d\s]+?)\s*=\s*\??\s*$")
_TOKEN_RE = re.compile(r"\d+|[-+*/()]")
_MAX_DIGITS = 18


Number = int | Fraction  # ints stay ints (fast); only inexact division makes a Fraction


def _divide(left: Number, right: Number) -> Number:
    if right == 0:
        raise ValueError("division by zero")
    if isinstance(left, int) and isinstance(right, int) and left % right == 0:
        return left // right
    return Fraction(left) / right


class _Parser:
    """Recursive descent over expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expr(self) -> Number:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Number:
        value = self.factor()
        while self.peek() in ("*", "/"):
            op = self.take()
            right = self.factor()
            value = value * right if op == "*" else _divide(value, right)
        return value

    def factor(self) -> Number:
        token = self.take() if self.peek() is not None else ""
        if token == "-":
            return -self.factor()
        if token == "+":
            return self.factor()
        if token == "(":
            value = self.expr()
            if self.peek() != ")":
                raise ValueError("unbalanced parentheses")
            self.take()
            return value
        if token.isdigit() and len(token) <= _MAX_DIGITS:
            return int(token)
        raise ValueError(f"unexpected {token!r}")


def evaluate(expr: str) -> Number | None:
    """The exact value of an arithmetic expression, or None if it is not one."""
    normalised = expr.replace("×", "*").replace("÷", "/").replace("x", "*").replace("X", "*")
    if _TOKEN_RE.sub("", normalised).strip():
        return None
    tokens = _TOKEN_RE.findall(normalised)
    if not any(t in "+-*/" for t in tokens[1:]) or not any(t.isdigit() for t in tokens):
        return None
    parser = _Parser(tokens)
    try:
        value = parser.expr()
    except (ValueError, IndexError, ZeroDivisionError):
        return None
    return value if parser.peek() is None else None


def format_number(value: Number) -> str:
    """Integers plainly; other values as decimals rounded to 6 places, trailing zeros cut."""
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def solve(line: str) -> Solution | None:
    """Recognise and answer an arithmetic question (one line of the user message)."""
    match = _ASK_RE.match(line) or _EQ_RE.match(line)
    if match is None:
        return None
    value = evaluate(match.group("expr"))
    if value is None:
        return None
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    answer = format_number(value)
    misses = [format_number(value + d) for d in (1, -1, 2, -2, 10, -10)]
    if isinstance(value, int) and abs(value) >= 10:
        digits = str(abs(value))[::-1].lstrip("0") or "0"
        misses.append(("-" if value < 0 else "") + digits)
    number = value if isinstance(value, int) else float(value)
    return Solution("arithmetic", answer, tuple(misses), number)
