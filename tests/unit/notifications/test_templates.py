"""Every template renders with its declared sample data; rendering is strict and escapes HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.notifications.errors import TemplateError
from workflows.notifications.templates import TEMPLATES_DIR, Templates

TEMPLATES = Templates()
SAMPLES = TEMPLATES.samples()
TYPES = TEMPLATES.types()


def test_given_the_template_folder_then_every_type_has_samples_and_every_sample_has_templates() -> None:
    assert set(TYPES) == set(SAMPLES), "add sample data to samples.json for every type (and vice versa)"
    for type_, channels in TYPES.items():
        assert "email" in channels or "sms" in channels, f"{type_}: incomplete set of files"


@pytest.mark.parametrize("type_", sorted(TYPES))
def test_given_a_type_then_each_of_its_channels_renders_with_the_sample_data(type_: str) -> None:
    values = {**SAMPLES[type_], "name": "Ada"}
    if "email" in TYPES[type_]:
        email = TEMPLATES.render_email(type_, values)
        assert email.subject and "\n" not in email.subject
        assert "Ada" in email.text and "Ada" in email.html and "$" not in email.subject.replace("$24", "")
        assert email.html.startswith("<!DOCTYPE html>") and "${" not in email.html and "${" not in email.text
    if "sms" in TYPES[type_]:
        text = TEMPLATES.render_sms(type_, values)
        assert text and "${" not in text and len(text) <= 320


def test_given_a_file_of_a_type_then_its_channel_set_is_complete() -> None:
    # a type with an HTML part must have the subject and text parts too (and the other way round)
    for type_, channels in TYPES.items():
        email_files = [TEMPLATES_DIR / f"{type_}{s}" for s in (".subject.txt", ".txt", ".html")]
        if any(p.is_file() for p in email_files):
            assert "email" in channels, f"{type_}: give all of .subject.txt, .txt and .html"


def test_given_the_required_types_then_they_exist() -> None:
    for type_ in (
        "account.confirmation_code",
        "account.phone_verified",
        "account.password_changed",
        "orders.order_paid",
    ):
        assert "email" in TYPES[type_]


def test_given_markup_in_a_value_then_the_html_part_escapes_it_and_the_text_part_keeps_it() -> None:
    email = TEMPLATES.render_email(
        "orders.order_paid", {"name": "<b>Eve</b> & co", "order_id": "R-1", "total": "$1"}
    )
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in email.html and "<b>Eve</b>" not in email.html
    assert "Hi <b>Eve</b> & co," in email.text


def test_given_a_missing_value_then_rendering_fails_naming_it() -> None:
    with pytest.raises(TemplateError) as failure:
        TEMPLATES.render_email("orders.order_paid", {"name": "Ada", "order_id": "R-1"})
    assert failure.value.details["missing"] == "total"


def test_given_another_folder_then_its_templates_and_layout_are_used(tmp_path: Path) -> None:
    (tmp_path / "_layout.html").write_text("<html>${subject}|${content}</html>", encoding="utf-8")
    (tmp_path / "x.y.subject.txt").write_text("Cost  $$${amount}\n", encoding="utf-8")
    (tmp_path / "x.y.txt").write_text("Hi ${name}", encoding="utf-8")
    (tmp_path / "x.y.html").write_text("<p>${name}</p>", encoding="utf-8")
    email = Templates(tmp_path).render_email("x.y", {"name": "A", "amount": "3"})
    assert (email.subject, email.text, email.html) == ("Cost $3", "Hi A\n", "<html>Cost $3|<p>A</p></html>")
