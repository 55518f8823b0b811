"""Pages answer each role within its scope, and nothing outside it."""

from __future__ import annotations

import pytest
from django.test import Client

from jixiao.web.organizations.models import Department, SelfEvaluation

pytestmark = pytest.mark.django_db


def test_anonymous_users_are_sent_to_the_login_page(demo: SelfEvaluation) -> None:
    for url in ("/", f"/evaluations/{demo.pk}/", f"/evaluations/{demo.pk}/tree/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_login_page_in_chinese() -> None:
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
    wrong = Client().post("/accounts/login/", {"username": "demo-finance", "password": "nope"})
    assert "用户名或密码不正确" in wrong.content.decode()


@pytest.mark.parametrize(
    "username", ["demo-division", "demo-finance", "demo-leader", "demo-bureau"]
)
def test_dashboard_shows_the_score(client_for, demo: SelfEvaluation, username: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(username)
    home = client.get("/")
    assert home.status_code == 302
    # the bureau reviewer lands on the overview of every department (issue 12)
    landing = "/bureau/" if username == "demo-bureau" else f"/evaluations/{demo.pk}/"
    assert home["Location"] == landing
    page = client.get(f"/evaluations/{demo.pk}/").content.decode()
    assert '<div class="value" id="score">93.13</div>' in page
    assert '<strong id="grade">优</strong>' in page
    lagging = "商务经济与社会发展项目促进消费提档升级汽车以旧换新"  # 消费促进处's, not fully spent
    assert (lagging in page) == (username != "demo-division")  # a division sees its own only
    assert "提质增效示范基地（汽车及零部件、船舶海工）" in page  # 对外贸易处's, not fully spent
    assert "W-PUBLISHED-INCONSISTENT" in page


def test_tree_explains_every_deduction(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    page = client_for("demo-finance").get(f"/evaluations/{demo.pk}/tree/").content.decode()
    assert "总分 <strong>93.13</strong> / 100" in page
    assert "跨境电商进出口金额：目标 ≥1300 亿元（重构值），实际 2004.7 亿元" in page
    assert "超过签订之日起 2 个工作日的时限（2023-05-04）" in page


def test_other_departments_do_not_exist_for_department_roles(
    client_for, demo: SelfEvaluation
) -> None:  # type: ignore[no-untyped-def]
    other = SelfEvaluation.objects.create(
        department=Department.objects.create(code="other", name="另一个局"),
        fiscal_year=2023,
        framework=demo.framework,
    )
    for username in ("demo-division", "demo-finance", "demo-leader", "demo-admin"):
        client = client_for(username)
        for url in (f"/evaluations/{other.pk}/", f"/evaluations/{other.pk}/tree/"):
            assert client.get(url).status_code == 404, (username, url)
    bureau = client_for("demo-bureau")
    assert bureau.get(f"/evaluations/{other.pk}/").status_code == 200
    listing = bureau.get("/bureau/").content.decode()
    assert "另一个局" in listing and "广州市商务局" in listing


def test_system_administrators_see_no_data(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-admin")
    assert "系统管理员管理用户，不查看数据" in client.get("/").content.decode()
    assert client.get(f"/evaluations/{demo.pk}/").status_code == 404


def test_static_assets_are_served_locally(client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for("demo-finance").get("/accounts/login/").content.decode()
    assert 'href="/static/jixiao/app.css"' in page
    assert "http://" not in page and "https://" not in page


def test_downloads(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    client = client_for("demo-leader")
    response = client.get(f"/evaluations/{demo.pk}/download/scoretable/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''%E5%B9%BF%E5%B7%9E" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"
    html = client.get(f"/evaluations/{demo.pk}/download/report-html/").content.decode()
    assert "部门整体支出绩效自评得分 93.13 分" in html
    assert client.get(f"/evaluations/{demo.pk}/download/nonsense/").status_code == 404
