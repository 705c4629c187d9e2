"""A small SOQL parser: the subset the product uses, and an error for everything else.

Grammar (keywords are case-insensitive)::

    query      := SELECT (COUNT() | field ("," field)*) FROM name
                  [WHERE condition] [ORDER BY order ("," order)*] [LIMIT int] [OFFSET int]
    condition  := term ((AND term)* | (OR term)*)     -- mixing AND/OR needs parentheses
    term       := NOT term | "(" condition ")" | field op value
                | field [NOT] IN "(" value ("," value)* ")" | field [NOT] LIKE string
    op         := = | != | <> | < | > | <= | >=
    value      := 'string' | number | date | datetime | TRUE | FALSE | NULL | date literal
    order      := field [ASC | DESC] [NULLS (FIRST | LAST)]

Anything outside it raises :class:`SoqlError` with Salesforce's ``MALFORMED_QUERY`` code; the
sandbox never guesses at a query it does not understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = {
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC",
    "NULLS", "FIRST", "LAST", "LIMIT", "OFFSET", "NULL", "TRUE", "FALSE", "COUNT",
}
RELATIVE_DATES = {"TODAY", "YESTERDAY", "TOMORROW", "LAST_N_DAYS", "NEXT_N_DAYS"}
COMPARISONS = {"=", "!=", "<>", "<", ">", "<=", ">="}

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),:])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\"}


class SoqlError(Exception):
    """A query the sandbox rejects; ``code`` is the Salesforce ``errorCode``."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY"):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str  # datetime | date | number | string | op | punct | name
    text: str
    pos: int


@dataclass(frozen=True)
class Literal:
    """A value in a condition; ``kind`` is string|number|date|datetime|boolean|null|relative."""

    kind: str
    value: object


@dataclass(frozen=True)
class Comparison:
    field: str
    op: str  # = != < > <= >= IN NOT IN LIKE NOT LIKE
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND | OR
    terms: tuple


@dataclass(frozen=True)
class Not:
    term: object


@dataclass(frozen=True)
class OrderItem:
    field: str
    descending: bool = False
    nulls_last: bool | None = None  # None: Salesforce's default (first for ASC, last for DESC)


@dataclass(frozen=True)
class Query:
    """A parsed SOQL query; ``fields`` is empty for ``SELECT COUNT()``."""

    fields: tuple[str, ...]
    sobject: str
    where: object | None = None
    order_by: tuple[OrderItem, ...] = ()
    limit: int | None = None
    offset: int | None = None
    count_only: bool = False


def tokenize(text: str) -> list[Token]:
    """Split SOQL into tokens; raise MALFORMED_QUERY on a character it cannot read."""
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise SoqlError(f"unexpected character at position {pos}: {text[pos:pos + 10]!r}")
        if m.lastgroup != "ws":
            tokens.append(Token(m.lastgroup, m.group(), pos))
        pos = m.end()
    return tokens


def parse(text: str) -> Query:
    """Parse one SOQL query."""
    return _Parser(tokenize(text), text).query()


class _Parser:
    def __init__(self, tokens: list[Token], text: str):
        self.tokens, self.i, self.text = tokens, 0, text

    # -- token helpers -------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def is_kw(self, word: str, offset: int = 0) -> bool:
        tok = self.peek(offset)
        return tok is not None and tok.kind == "name" and tok.text.upper() == word

    def accept_kw(self, word: str) -> bool:
        if self.is_kw(word):
            self.i += 1
            return True
        return False

    def expect_kw(self, word: str) -> None:
        if not self.accept_kw(word):
            self.fail(f"expecting '{word}'")

    def accept_punct(self, ch: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "punct" and tok.text == ch:
            self.i += 1
            return True
        return False

    def expect_punct(self, ch: str) -> None:
        if not self.accept_punct(ch):
            self.fail(f"expecting '{ch}'")

    def fail(self, what: str):
        tok = self.peek()
        found = "end of query" if tok is None else f"'{tok.text}'"
        col = len(self.text) if tok is None else tok.pos
        raise SoqlError(f"\n{self.text}\n{' ' * col}^\nERROR at Row:1:Column:{col + 1}\n"
                        f"unexpected token: {found} ({what})")

    def name(self, what: str = "a field name") -> str:
        tok = self.peek()
        if tok is None or tok.kind != "name" or tok.text.upper() in KEYWORDS:
            self.fail(f"expecting {what}")
        self.i += 1
        return tok.text

    def integer(self) -> int:
        tok = self.peek()
        if tok is None or tok.kind != "number" or not tok.text.isdigit():
            self.fail("expecting a non-negative integer")
        self.i += 1
        return int(tok.text)

    # -- grammar -------------------------------------------------------------------------
    def query(self) -> Query:
        self.expect_kw("SELECT")
        fields, count_only = self.select_list()
        self.expect_kw("FROM")
        sobject = self.name("an object name")
        where = self.condition() if self.accept_kw("WHERE") else None
        order = self.order_by() if self.is_kw("ORDER") else ()
        limit = self.integer() if self.accept_kw("LIMIT") else None
        offset = self.integer() if self.accept_kw("OFFSET") else None
        if self.peek() is not None:
            self.fail("expecting end of query")
        return Query(tuple(fields), sobject, where, order, limit, offset, count_only)

    def select_list(self) -> tuple[list[str], bool]:
        if self.is_kw("COUNT") and self.peek(1) and self.peek(1).text == "(":
            self.i += 1
            self.expect_punct("(")
            self.expect_punct(")")
            return [], True
        fields = [self.name()]
        while self.accept_punct(","):
            fields.append(self.name())
        seen = set()
        for f in fields:
            if f.lower() in seen:
                raise SoqlError(f"duplicate field selected: {f}", "DUPLICATE_FIELD")
            seen.add(f.lower())
        return fields, False

    def condition(self):
        terms = [self.term()]
        joiner = None
        while self.is_kw("AND") or self.is_kw("OR"):
            op = self.peek().text.upper()
            if joiner and op != joiner:
                self.fail("mixing AND and OR requires parentheses")
            joiner = op
            self.i += 1
            terms.append(self.term())
        return terms[0] if len(terms) == 1 else BoolOp(joiner, tuple(terms))

    def term(self):
        if self.accept_kw("NOT"):
            return Not(self.term())
        if self.accept_punct("("):
            inner = self.condition()
            self.expect_punct(")")
            return inner
        field = self.name()
        negated = self.accept_kw("NOT")
        if self.accept_kw("IN"):
            self.expect_punct("(")
            values = [self.value()]
            while self.accept_punct(","):
                values.append(self.value())
            self.expect_punct(")")
            return Comparison(field, "NOT IN" if negated else "IN", tuple(values))
        if self.accept_kw("LIKE"):
            value = self.value()
            if value.kind != "string":
                self.fail("LIKE needs a string")
            return Comparison(field, "NOT LIKE" if negated else "LIKE", value)
        if negated:
            self.fail("expecting IN or LIKE after NOT")
        tok = self.peek()
        if tok is None or tok.kind != "op":
            self.fail("expecting a comparison operator")
        self.i += 1
        return Comparison(field, "!=" if tok.text == "<>" else tok.text, self.value())

    def value(self) -> Literal:
        tok = self.peek()
        if tok is None:
            self.fail("expecting a value")
        self.i += 1
        if tok.kind == "string":
            return Literal("string", _unescape(tok.text[1:-1]))
        if tok.kind == "number":
            return Literal("number", float(tok.text) if "." in tok.text else int(tok.text))
        if tok.kind in ("date", "datetime"):
            return Literal(tok.kind, tok.text)
        if tok.kind == "name":
            word = tok.text.upper()
            if word in ("TRUE", "FALSE"):
                return Literal("boolean", word == "TRUE")
            if word == "NULL":
                return Literal("null", None)
            if word in RELATIVE_DATES:
                n = None
                if word.endswith("_N_DAYS"):
                    self.expect_punct(":")
                    n = self.integer()
                return Literal("relative", (word, n))
        self.i -= 1
        self.fail("expecting a value")

    def order_by(self) -> tuple[OrderItem, ...]:
        self.expect_kw("ORDER")
        self.expect_kw("BY")
        items = [self.order_item()]
        while self.accept_punct(","):
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        field = self.name()
        descending = False
        if self.accept_kw("DESC"):
            descending = True
        else:
            self.accept_kw("ASC")
        nulls_last = None
        if self.accept_kw("NULLS"):
            if self.accept_kw("FIRST"):
                nulls_last = False
            else:
                self.expect_kw("LAST")
                nulls_last = True
        return OrderItem(field, descending, nulls_last)


def _unescape(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in ("%", "_"):  # kept escaped: they only mean something inside LIKE
                out.append("\\" + nxt)
            elif nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
            else:
                raise SoqlError(f"Invalid string literal: bad escape \\{nxt}")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)
