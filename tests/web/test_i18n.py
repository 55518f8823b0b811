"""Simplified Chinese by default; English on request (the language switch, or the browser's)."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.test import Client

from jixiao.web.audit.models import AuditEvent
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


def test_messages_made_in_python_follow_the_language(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-division")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    dashboard = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert 'value="submit">Submit</button>' in dashboard
    target = demo.indicator_records.get(code="I102")
    saved = client.post(
        f"/evaluations/{demo.pk}/indicators/{target.pk}/", {"actual": "1900"}, follow=True
    )
    assert "Saved the actual value of “跨境电商进出口金额”; the total score is now 93.63." in (
        saved.content.decode()
    )
    submitted = client.post(f"/evaluations/{demo.pk}/steps/submit/", follow=True)
    assert "Now: Submitted by divisions." in submitted.content.decode()
    refused = client.post(f"/evaluations/{demo.pk}/steps/submit/", follow=True)
    assert "You cannot do this while the status is “Submitted by divisions”" in (
        refused.content.decode()
    )
    event = AuditEvent.objects.filter(action="提交").get()  # the log is always in Chinese
    assert (event.before, event.after) == ({"状态": "填报中"}, {"状态": "处室已提交"})
    missing = client.get("/evaluations/999999/")
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()


def test_every_message_marked_in_python_is_in_the_catalogue() -> None:
    catalogue = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    msgids = {
        "".join(re.findall(r'"(.*)"', block))
        for block in re.findall(r'^msgid ((?:".*"\n)+)', catalogue, re.MULTILINE)
    }
    source = Path(__file__).resolve().parents[2] / "src" / "jixiao" / "web"
    marked = {
        text
        for path in source.rglob("*.py")
        for text in re.findall(
            r'(?:\b_|gettext_lazy|gettext)\(\s*"([^"]+)"', path.read_text(encoding="utf-8")
        )
    }
    assert len(marked) > 50
    assert sorted(marked - msgids) == []
