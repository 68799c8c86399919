"""The whole API fuzzed from its own OpenAPI document (schemathesis), through the local gateway.

Every operation of ``GET /openapi.json`` is called with generated requests, valid and not (its
examples, the coverage phase's boundary values and wrong types, random fuzzing, and the
stateful phase's chains of calls through the links schemathesis infers), as a signed-in buyer
and seller. Every answer must be no server error, a documented status, a documented content
type and match its documented schema. A fixed seed and example count keep the run the same
from one run to the next and within the suite's time (~45 s).

schemathesis lives in ``.venv-fuzz`` (pinned in ``tests/fuzz/requirements.txt``), which
``make test`` installs; its report is the failure message.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import requests

from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from local.runtime import LocalCloud

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = ROOT / ".venv-fuzz" / "bin" / "schemathesis"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = 20261203
MAX_EXAMPLES = 15
TIME_LIMIT_S = 240
REPORT_CHARS = 20_000


def test_given_the_openapi_document_when_fuzzed_then_every_answer_is_as_documented(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    assert SCHEMATHESIS.exists(), (
        f"{SCHEMATHESIS} is missing: `make test` installs it (make .venv-fuzz/.installed)"
    )
    user = create_user(cloud, groups=("buyer", "seller"), profile=True)
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{cloud.api_url}/openapi.json",
        "--url",
        cloud.api_url,
        "-H",
        f"Authorization: Bearer {user.id_token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "2",
        "--generation-database",
        "none",  # nothing carried over from an earlier run: the seed alone decides
        "--request-timeout",
        "30",
        "--no-color",
    ]
    try:
        run = subprocess.run(
            command, capture_output=True, text=True, timeout=TIME_LIMIT_S, cwd=tmp_path, check=False
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        raise AssertionError(f"schemathesis ran over {TIME_LIMIT_S} s:\n{output[-REPORT_CHARS:]}") from exc
    report = run.stdout + run.stderr
    assert run.returncode == 0, (
        f"schemathesis found failures (exit {run.returncode}):\n{report[-REPORT_CHARS:]}"
    )
    # every operation of the document was called (none skipped as unreadable), but the
    # document's own GET /openapi.json, which schemathesis leaves out
    document = requests.get(f"{cloud.api_url}/openapi.json", timeout=15).json()
    operations = sum(len(methods) for path, methods in document["paths"].items() if path != "/openapi.json")
    tested = re.search(r"Tested:\s+(\d+)", report)
    assert tested is not None, report[-REPORT_CHARS:]
    assert int(tested.group(1)) == operations, report[-REPORT_CHARS:]
