"""JSONata for the Step Functions interpreter, evaluated by jsonata-python.

moto ships the JSONata plumbing (``QueryLanguage: JSONata``: Arguments, Output, Assign,
Condition, Items, ``$states``, variables) with the evaluator stubbed out. :func:`install` plugs
in jsonata-python and gives ``$uuid()`` and ``$hash(value, algorithm)`` real implementations
(moto declares them as "not supported" strings).
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from jsonata import Jsonata

from local.cloud.patching import require

if TYPE_CHECKING:
    from local.cloud.patching import Patches

_JSONATA_MODULE = "moto.stepfunctions.parser.asl.jsonata.jsonata"
_DECLARATIONS = "moto.stepfunctions.parser.asl.component.intrinsic.jsonata:_DECLARATION_BY_VARIABLE_REFERENCE"

#: the algorithms Step Functions' $hash accepts, by name
_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}

#: modules that imported ``encode_jsonata_variable_declarations`` by name
_ENCODER_USERS = (
    "moto.stepfunctions.parser.asl.jsonata.jsonata",
    "moto.stepfunctions.parser.asl.eval.states",
    "moto.stepfunctions.parser.asl.eval.variable_store",
)


#: every moto attribute this module hooks (guarded by tests/integration/test_moto_guards.py)
HOOKS: tuple[str, ...] = (
    f"{_JSONATA_MODULE}:_eval_jsonata",
    *(f"{module}:encode_jsonata_variable_declarations" for module in _ENCODER_USERS),
    _DECLARATIONS,
)


class JSONataError(Exception):
    """Raised for an expression that fails to parse or evaluate."""


def _uuid() -> str:
    return str(uuid.uuid4())


def _hash(value: Any, algorithm: Any) -> str:
    name = _HASHES.get(str(algorithm))
    if name is None:
        raise JSONataError(f"$hash: algorithm must be one of {', '.join(_HASHES)}, not {algorithm!r}")
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return hashlib.new(name, text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """jsonata-python's sequences and numbers → plain JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def evaluate(expression: str) -> Any:
    """Evaluate a self-contained expression (moto inlines ``$states`` and variables into it)."""
    try:
        compiled = Jsonata(expression)
        compiled.register_lambda("uuid", _uuid)
        compiled.register_lambda("hash", _hash)
        return _plain(compiled.evaluate(None))
    except JSONataError:
        raise
    except Exception as exc:
        raise JSONataError(str(exc)) from exc


def _encode_declarations(bindings: dict[str, Any]) -> str:
    # moto writes string values as f'"{value}"', which breaks on quotes and backslashes
    return "".join(
        f"{reference}:={json.dumps(value, separators=(',', ':'), default=str)};"
        for reference, value in bindings.items()
    )


def install(patches: Patches) -> None:
    """Plug the evaluator into moto's interpreter (undone by ``patches.restore()``)."""
    patches.replace(f"{_JSONATA_MODULE}:_eval_jsonata", evaluate)
    for module in _ENCODER_USERS:
        patches.replace(f"{module}:encode_jsonata_variable_declarations", _encode_declarations)
    # a filtered copy, so restore puts moto's own dict back untouched
    declarations = require(_DECLARATIONS)
    patches.replace(_DECLARATIONS, {k: v for k, v in declarations.items() if k not in ("$uuid", "$hash")})
