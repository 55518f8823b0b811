"""Simplified Chinese by default; English on request (the language switch, or the browser's)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client

from jixiao.web.organizations.models import SelfEvaluation

pytestmark = pytest.mark.django_db
CATALOGUE = (
    Path(__file__).resolve().parents[2] / "src" / "jixiao" / "web" / "locale" / "en" / "LC_MESSAGES"
)


def test_chinese_by_default() -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page and "<h1>登录</h1>" in page
    assert '<button type="submit" name="language" value="en">English</button>' in page


def test_switching_to_english(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-finance")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert '<html lang="en">' in page
    assert "Self-evaluation score" in page and "Month 12" in page
    assert "Drafting" in page  # the workflow status label
    assert "自评得分" not in page
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "自评得分" in client.get(f"/evaluations/{demo.pk}/").content.decode()


def test_every_message_is_translated_and_the_compiled_catalogue_matches() -> None:
    pairs = re.findall(
        r'^msgid "(.+)"\nmsgstr "(.*)"$',
        (CATALOGUE / "django.po").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert len(pairs) > 90
    assert [msgid for msgid, msgstr in pairs if not msgstr] == []
    with (CATALOGUE / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    assert [msgid for msgid, msgstr in pairs if compiled.gettext(msgid) != msgstr] == []
