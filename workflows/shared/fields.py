"""The field types every request shares: text a person writes, and integers a store can hold.

Text: PostgreSQL cannot store a NUL, no store should keep terminal escapes or other control
characters, and a lone surrogate (``"\\ud800"`` is valid JSON) cannot be encoded as UTF-8 at
all. :data:`Text` (multi-line: tab and line breaks allowed) and :data:`SingleLineText` (no line
breaks, no tab) refuse them at validation with a message a client developer understands, so
bad text is a 400, never a driver's error. The API's resolver applies :func:`text_problem` to
every string of every request (body, path, query) as well, so no field is left uncovered.

Integers: JSON numbers have no size; PostgreSQL ``bigint``, DynamoDB's and MongoDB's Int64 do.
Every integer a request carries fits :data:`INT64_MIN` .. :data:`INT64_MAX`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic_core import core_schema

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
    from pydantic.json_schema import JsonSchemaValue
    from pydantic_core import CoreSchema

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

#: C0 controls but tab, line feed and carriage return; DEL; C1 controls; lone surrogates
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: what ends a line, or moves across one, in a single-line field
_LINE_BREAK = re.compile("[\t\n\r\u2028\u2029]")

#: the same rules for the OpenAPI document (JSON Schema regexes; the validators above enforce them)
TEXT_PATTERN = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
SINGLE_LINE_PATTERN = r"^[^\u0000-\u001F\u007F-\u009F\u2028\u2029]*$"


def text_problem(value: str) -> str | None:
    """Why ``value`` is not text a request may carry (a control character, a lone surrogate), or None."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"contains a lone surrogate (U+{ord(char):04X}): not a Unicode character"
    return f"contains the control character U+{ord(char):04X}; only tab and line breaks are allowed"


def _single_line_problem(value: str) -> str | None:
    found = _LINE_BREAK.search(value)
    return None if found is None else f"must be one line (contains U+{ord(found.group()):04X})"


@dataclass(frozen=True)
class TextRule:
    """Annotated metadata: the string is text (and one line, if ``single_line``), after its other constraints.

    Put it after ``StringConstraints``/``Field`` constraints (``Annotated[str, StringConstraints(
    max_length=80), ONE_LINE]``), so that whitespace is stripped and lengths counted first. The
    OpenAPI document gets the same rule as a ``pattern``.
    """

    single_line: bool

    def check(self, value: str) -> str:
        problem = text_problem(value) or (_single_line_problem(value) if self.single_line else None)
        if problem is not None:
            raise ValueError(problem)
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", SINGLE_LINE_PATTERN if self.single_line else TEXT_PATTERN)
        return json_schema


ONE_LINE = TextRule(single_line=True)
MULTI_LINE = TextRule(single_line=False)

Text = Annotated[str, MULTI_LINE]
"""Free text that may span lines (a description): no control characters but tab and line breaks."""

SingleLineText = Annotated[str, ONE_LINE]
"""One line of text (a name, a title, an address line): no control characters, no line breaks."""
