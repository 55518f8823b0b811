"""Simplified Chinese by default; English on request (the language switch, or the browser's)."""

from __future__ import annotations

import ast
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


def catalogue_entries() -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry of the English catalogue, continuation lines joined."""
    text = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', text, re.MULTILINE)
    joined = [
        ("".join(re.findall(r'"(.*)"', msgid)), "".join(re.findall(r'"(.*)"', msgstr)))
        for msgid, msgstr in entries
    ]
    return [(msgid, msgstr.replace('\\"', '"')) for msgid, msgstr in joined if msgid]


def test_every_message_is_translated_and_the_compiled_catalogue_matches() -> None:
    pairs = catalogue_entries()
    assert len(pairs) > 180
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
    assert (
        "Submitted the data of 对外贸易处; the year becomes “Submitted by divisions” once the "
        "other divisions have submitted." in submitted.content.decode()
    )
    refused = client.post(f"/evaluations/{demo.pk}/steps/submit/", follow=True)
    assert "You cannot do this while the status is “Drafting”" in refused.content.decode()
    event = AuditEvent.objects.filter(action="处室提交").get()  # the log is always in Chinese
    assert event.after == {"处室": "对外贸易处", "已提交处室": "1/2"}
    missing = client.get("/evaluations/999999/")
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()


def _marked_in(path: Path) -> list[str]:
    """The texts marked for translation in a Python file: the first argument of ``_``,
    ``gettext`` or ``gettext_lazy`` when it is a string (adjacent literals joined, as Python
    joins them)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        value = getattr(node.args[0], "value", None)  # a string constant's text
        if name in ("_", "gettext", "gettext_lazy") and isinstance(value, str):
            found.append(value)
    return found


def test_every_message_marked_in_python_or_templates_is_in_the_catalogue() -> None:
    msgids = {msgid for msgid, _ in catalogue_entries()}
    source = Path(__file__).resolve().parents[2] / "src" / "jixiao" / "web"
    marked = {text for path in source.rglob("*.py") for text in _marked_in(path)} | {
        text
        for path in source.rglob("*.html")
        for text in re.findall(r'{% translate "([^"]+)" %}', path.read_text(encoding="utf-8"))
    }
    assert len(marked) > 150
    assert sorted(marked - msgids) == []


def test_the_monitoring_page_in_english(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-leader")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/evaluations/{demo.pk}/monitoring/6/").content.decode()
    assert "Spending and performance monitoring · month 6" in page
    assert "At this pace “部门预算资金支出率” scores 2.65 of 5" in page
    assert "Projects behind time progress" in page and ">M6</a>" in page
