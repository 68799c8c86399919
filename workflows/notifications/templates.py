"""Templates per notification type, rendered with ``string.Template`` (format: the package docstring).

Files are read lazily, on first use, and kept for the life of the process (a cold start).
"""

from __future__ import annotations

import html
import json
import string
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflows.notifications.errors import TemplateError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from workflows.notifications.model import Channel

TEMPLATES_DIR = Path(__file__).with_name("templates")
LAYOUT = "_layout.html"
SAMPLES = "samples.json"

#: the file suffixes each channel needs, per type
SUFFIXES: dict[Channel, tuple[str, ...]] = {
    "email": (".subject.txt", ".txt", ".html"),
    "sms": (".sms.txt",),
}


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TemplateError(f"no template file {path.name}", details={"file": path.name}) from None


def _substitute(text: str, values: Mapping[str, str], where: str) -> str:
    try:
        return string.Template(text).substitute(values)
    except KeyError as missing:
        raise TemplateError(
            f"{where} needs ${{{missing.args[0]}}}, which the notification's data does not give",
            details={"template": where, "missing": str(missing.args[0])},
        ) from None
    except ValueError as bad:
        raise TemplateError(f"{where} is not a valid template: {bad}", details={"template": where}) from None


class Templates:
    """The template files of one folder (default: this package's ``templates/``)."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory

    def _file(self, type_: str, suffix: str) -> tuple[str, str]:
        name = f"{type_}{suffix}"
        return _read(self.directory / name), name

    def render_email(self, type_: str, values: Mapping[str, Any]) -> RenderedEmail:
        """Subject (one line), plain text and HTML (values escaped, inside the common layout)."""
        plain = {key: str(value) for key, value in values.items()}
        escaped = {key: html.escape(value, quote=True) for key, value in plain.items()}
        subject_text, subject_name = self._file(type_, ".subject.txt")
        subject = " ".join(_substitute(subject_text, plain, subject_name).split())
        if not subject:
            raise TemplateError(
                f"{subject_name} renders an empty subject", details={"template": subject_name}
            )
        text_template, text_name = self._file(type_, ".txt")
        html_template, html_name = self._file(type_, ".html")
        content = _substitute(html_template, escaped, html_name)
        layout = _substitute(
            _read(self.directory / LAYOUT),
            {"subject": html.escape(subject, quote=True), "content": content},
            LAYOUT,
        )
        return RenderedEmail(
            subject=subject, text=_substitute(text_template, plain, text_name).strip() + "\n", html=layout
        )

    def render_sms(self, type_: str, values: Mapping[str, Any]) -> str:
        template, name = self._file(type_, ".sms.txt")
        text = _substitute(template, {key: str(value) for key, value in values.items()}, name).strip()
        if not text:
            raise TemplateError(f"{name} renders an empty message", details={"template": name})
        return text

    def types(self) -> dict[str, set[Channel]]:
        """Every type that has template files, with the channels whose files are all there."""
        found: dict[str, set[Channel]] = {}
        for path in self.directory.iterdir():
            if path.name.startswith("_") or path.name == SAMPLES:
                continue
            type_ = ".".join(path.name.split(".")[:2])
            found.setdefault(type_, set())
        for type_, channels in found.items():
            for channel, suffixes in SUFFIXES.items():
                if all((self.directory / f"{type_}{suffix}").is_file() for suffix in suffixes):
                    channels.add(channel)
        return found

    def samples(self) -> dict[str, dict[str, Any]]:
        """``samples.json``: sample ``data`` for every type (what a test renders each template with)."""
        loaded: dict[str, dict[str, Any]] = json.loads(_read(self.directory / SAMPLES))
        return loaded
