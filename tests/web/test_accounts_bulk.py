"""Accounts in bulk from a workbook (web/accounts_bulk.py, adapters/accounts_workbook.py)."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jixiao.adapters.accounts_workbook import HEADERS, template
from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import PASSWORD
from jixiao.web.organizations.models import Membership, Role, SelfEvaluation

pytestmark = pytest.mark.django_db
GIVEN = "Kq7-mangrove-lantern"


def _client(name: str) -> Client:
    client = Client()
    assert client.login(username=name, password=PASSWORD)
    return client


def _book(rows: list[tuple[str, ...]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "账号"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client: Client, content: bytes, name: str = "账号.xlsx"):  # type: ignore[no-untyped-def]
    return client.post("/users/bulk/", {"accounts": SimpleUploadedFile(name, content)})


def _problems(page: str) -> list[tuple[str, str]]:
    found = re.findall(
        r'<tr class="error"><td>([^<]*)</td><td><code>[^<]*</code></td><td>([^<]*)</td>', page
    )
    return [(where, message.replace("&quot;", '"')) for where, message in found]


@pytest.mark.usefixtures("demo")
def test_every_problem_at_its_cell_and_nothing_created() -> None:
    before = User.objects.count()
    content = _book(
        [
            ("Demo-Finance", "甲", "财务审核人", "gz-commerce", "", ""),
            ("new1", "乙", "科长", "gz-commerce", "", ""),
            ("NEW1", "丙", "单位负责人", "gz-commerce", "", ""),
            ("new2", "丁", "财务审核人", "nosuch", "", ""),
            ("new3", "戊", "处室填报人", "gz-commerce", "不存在处", ""),
            ("new4", "己", "单位负责人", "gz-commerce", "", "12345"),
            ("new5", "庚", "财政局审核人", "gz-commerce", "", ""),
            ("bad name!", "辛", "单位负责人", "gz-commerce", "", ""),
            ("ok1", "壬", "财务审核人", "gz-commerce", "", ""),
        ]
    )
    answer = _upload(_client("demo-admin"), content)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "账号工作簿有错误，未新建任何账号" in page
    assert _problems(page) == [
        (
            "账号.xlsx 账号!A2",
            "已有用户 demo-finance；用户名不区分大小写，不能只以大小写与已有用户区分",
        ),
        (
            "账号.xlsx 账号!C3",
            "角色“科长”不存在；可填：处室填报人、财务审核人、单位负责人、财政局审核人、"
            "系统管理员、部门账号管理员",
        ),
        ("账号.xlsx 账号!A4", "用户名“NEW1”与第 3 行重复（用户名不区分大小写）"),
        ("账号.xlsx 账号!D5", "没有部门编码为“nosuch”的部门"),
        ("账号.xlsx 账号!E6", "广州市商务局没有名为“不存在处”的处室"),
        (
            "账号.xlsx 账号!F7",
            "密码太短，至少需要 10 个字符。；这个密码太常见了。；密码只包含数字。",
        ),
        ("账号.xlsx 账号!D8", "财政局审核人和系统管理员不限于某个部门，部门编码和处室须留空"),
        ("账号.xlsx 账号!A9", "用户名只能包含字母、数字和 @ . + - _"),
    ]
    assert User.objects.count() == before
    assert not AuditEvent.objects.filter(action="新建用户").exists()


@pytest.mark.usefixtures("demo")
def test_a_good_workbook_creates_every_account_and_shows_generated_passwords_once() -> None:
    content = _book(
        [
            ("chen.fin", "陈会计", "财务审核人", "gz-commerce", "", GIVEN),
            ("li.trade", "李处员", "处室填报人", "gz-commerce", "对外贸易处", ""),
            ("wang.bureau", "王科长", "财政局审核人", "", "", ""),
            ("", "", "", "", "", ""),  # a blank row is skipped
        ]
    )
    answer = _upload(_client("demo-admin"), content)
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    assert "已新建 3 个账号" in page
    row = r"<tr><td>([\w.]+)</td>(?:(?!</tr>).)*<code class=\"password\">(\w+)</code>"
    shown = dict(re.findall(row, page))
    assert set(shown) == {"li.trade", "wang.bureau"}
    for username, password in shown.items():
        assert len(password) == 14
        assert User.objects.get(username=username).check_password(password)
    assert User.objects.get(username="chen.fin").check_password(GIVEN)
    assert GIVEN not in page
    scopes = {
        m.user.username: (m.role, m.department.code if m.department else None, str(m.division))
        for m in Membership.objects.filter(
            user__username__in=["chen.fin", "li.trade", "wang.bureau"]
        )
    }
    assert scopes == {
        "chen.fin": (Role.FINANCE_REVIEWER, "gz-commerce", "None"),
        "li.trade": (Role.DIVISION_FILLER, "gz-commerce", "广州市商务局 对外贸易处"),
        "wang.bureau": (Role.BUREAU_REVIEWER, None, "None"),
    }
    assert User.objects.get(username="li.trade").first_name == "李处员"
    link = re.search(r'href="data:[^;]+;base64,([^"]+)"', page)
    assert link is not None
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(link.group(1))))
    rows = [tuple(row) for row in book["账号"].iter_rows(values_only=True)]
    assert rows == [
        ("用户名", "姓名", "角色", "部门", "处室", "初始密码"),
        ("li.trade", "李处员", "处室填报人", "广州市商务局", "对外贸易处", shown["li.trade"]),
        ("wang.bureau", "王科长", "财政局审核人", None, None, shown["wang.bureau"]),
    ]
    events = AuditEvent.objects.filter(action="新建用户").order_by("pk")
    assert [(e.target, e.reason) for e in events] == [
        (f"用户 {name}", "批量新建账号：工作簿“账号.xlsx”")
        for name in ("chen.fin", "li.trade", "wang.bureau")
    ]
    for event in events:
        assert all(p not in str(event.after) for p in (GIVEN, *shown.values()))
    again = _client("demo-admin").get("/users/bulk/").content.decode()
    assert all(password not in again for password in shown.values())


def test_the_template_is_text_and_the_pages_are_the_system_administrators(
    demo: SelfEvaluation,
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(template()))
    assert [c.value for c in book["账号"][1]] == list(HEADERS)
    assert all(c.data_type == "s" for c in book["账号"][1])
    answer = _client("demo-admin").get("/users/bulk/template/")
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    for name in ("demo-bureau", "demo-finance", "demo-leader", "demo-division"):
        client = _client(name)
        assert client.get("/users/bulk/").status_code == 404, name
        assert client.get("/users/bulk/template/").status_code == 404, name
        content = _book([("x.y", "", "系统管理员", "", "", "")])
        assert _upload(client, content).status_code == 404, name
    assert not User.objects.filter(username="x.y").exists()
    assert demo.pk


@pytest.mark.usefixtures("demo")
def test_more_than_200_accounts_are_refused_whole() -> None:
    rows = [(f"user{n}", "", "单位负责人", "gz-commerce", "", "") for n in range(201)]
    answer = _upload(_client("demo-admin"), _book(rows))
    assert answer.status_code == 400
    assert _problems(answer.content.decode()) == [
        ("账号.xlsx 账号", "一次最多新建 200 个账号，本表有 201 个；请分成几个工作簿")
    ]
    assert not User.objects.filter(username__startswith="user").exists()
