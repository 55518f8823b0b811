"""Issue 10, items 16–18: sign-in throttling and lockout, the Content-Security-Policy and the
HTTPS mode, the password policy and usernames unique regardless of case (docs/security.md)."""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import aauthenticate, get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import F
from django.test import Client, override_settings
from django.utils import timezone

from jixiao.web.audit.models import AuditEvent
from jixiao.web.demo import ACCOUNTS, PASSWORD
from jixiao.web.organizations.models import Division, Membership, Role, SelfEvaluation
from jixiao.web.records.models import Project

pytestmark = pytest.mark.django_db


def new_filler(demo: SelfEvaluation, username: str, password: str) -> dict[str, object]:
    division = Division.objects.get(department=demo.department, name="口岸管理处")
    return {
        "username": username,
        "password": password,
        "role": Role.DIVISION_FILLER,
        "department": demo.department.pk,
        "division": division.pk,
    }


# Item 18: the password policy and usernames regardless of case


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("kouan", "port-2024", "密码太短，至少需要 10 个字符。"),
        ("kouan", "20240101123", "密码只包含数字。"),
        ("kouan", "password123", "这个密码太常见了。"),
        ("kouan-office", "kouan-office1", "密码与用户名过于相似。"),
    ],
)
def test_item18_a_new_password_is_held_to_the_policy_at_its_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation, username: str, password: str, message: str
) -> None:
    response = client_for("demo-admin").post("/users/", new_filler(demo, username, password))
    assert response.status_code == 400
    assert response.context["form"].errors == {"password": [message]}
    page = response.content.decode()
    assert f'<div class="field-error" id="error-password">{message}</div>' in page
    assert not User.objects.filter(username=username).exists()


def test_item18_a_changed_password_is_held_to_the_policy_against_its_account(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    account = User.objects.get(username="demo-leader")
    fields = {"role": Role.UNIT_LEADER, "department": demo.department.pk, "is_active": "on"}
    response = client_for("demo-admin").post(
        f"/users/{account.pk}/", fields | {"password": "demo-leader1"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"password": ["密码与用户名过于相似。"]}


def test_item18_the_demo_password_meets_the_policy(demo: SelfEvaluation) -> None:  # noqa: ARG001
    """`jixiao demo` sets it without the validators (set_password), but it would pass them."""
    for username, *_ in ACCOUNTS:
        validate_password(PASSWORD, User.objects.get(username=username))


def test_item18_a_username_differing_only_in_case_is_refused_at_its_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    response = client_for("demo-admin").post(
        "/users/", new_filler(demo, "Demo-Finance", "port-office-2024")
    )
    assert response.status_code == 400
    message = "已有用户 demo-finance；用户名不区分大小写，不能只以大小写与已有用户区分"
    assert response.context["form"].errors == {"username": [message]}
    assert f'<div class="field-error" id="error-username">{message}</div>' in (
        response.content.decode()
    )
    assert User.objects.filter(username__iexact="demo-finance").count() == 1
    assert Membership.objects.count() == len(ACCOUNTS)


def test_item18_a_username_with_other_characters_is_refused_at_its_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    admin = client_for("demo-admin")
    for username in ("口岸 管理", "<b>kouan</b>"):
        response = admin.post("/users/", new_filler(demo, username, "port-office-2024"))
        assert response.status_code == 400
        errors = response.context["form"].errors
        assert errors == {"username": ["用户名只能包含字母、数字和 @ . + - _"]}
    assert (
        admin.post("/users/", new_filler(demo, "口岸管理处", "port-office-2024")).status_code == 302
    )


def test_item18_the_database_refuses_a_username_differing_only_in_case(
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user("DEMO-finance", password="port-office-2024")


def test_item18_two_administrators_at_once_get_the_refusal_at_the_field(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The form's check passes (the other account is created after it ran): the database's
    index refuses the account, and the page says why at the field — not a 500."""
    admin = client_for("demo-admin")
    monkeypatch.setattr("jixiao.web.users.NewUserForm.clean_username", lambda _form: "Demo-Finance")
    response = admin.post("/users/", new_filler(demo, "Demo-Finance", "port-office-2024"))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "username": ["已有用户 demo-finance；用户名不区分大小写，不能只以大小写与已有用户区分"]
    }
    assert Membership.objects.count() == len(ACCOUNTS)


def test_item18_sign_in_ignores_the_case_of_the_username(demo: SelfEvaluation) -> None:  # noqa: ARG001
    client = Client()
    response = client.post("/accounts/login/", {"username": "DEMO-Finance", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user.get_username() == "demo-finance"
    asynchronous = async_to_sync(aauthenticate)(username="DEMO-Finance", password=PASSWORD)
    assert asynchronous is not None and asynchronous.get_username() == "demo-finance"


@pytest.mark.django_db(transaction=True)
def test_item18_an_upgrade_over_usernames_differing_only_in_case_names_them() -> None:
    """A database from before the unique index that holds such a pair: the migration stops
    with their names (nothing changed) instead of a bare IntegrityError."""
    before, index = (
        ("organizations", "0003_division_submissions"),
        ("organizations", "0004_usernames_unique_regardless_of_case"),
    )
    from jixiao.web.home import SetupProblem

    MigrationExecutor(connection).migrate([before])
    try:
        User.objects.create_user("Kouan")
        User.objects.create_user("kouan")
        with pytest.raises(SetupProblem) as refused:
            MigrationExecutor(connection).migrate([index])
        assert str(refused.value) == (
            "以下用户名只有大小写不同，无法加上“用户名不区分大小写唯一”的约束：Kouan、kouan。"
            "请先为其中的账号改名后再升级。"
        )
        User.objects.filter(username="Kouan").update(username="kouan-port")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("KOUAN")


# Item 16: sign-in throttling and lockout

OFFICE, ELSEWHERE = "203.0.113.7", "198.51.100.2"
LOCKED = re.compile(
    r"登录失败次数过多，账号 (\S+) 在此地址已暂停登录，请于 (\d\d):(\d\d) 之后再试。"
)


def sign_in(client: Client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password})


def basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def assert_locked_for_15_minutes(message: str, retry_after: str, username: str) -> None:
    """The message names the username and the time to wait for: 15 minutes after the last
    counted failure (just now), rounded up to the minute."""
    found = LOCKED.fullmatch(message)
    assert found is not None, message
    assert found.group(1) == username
    now = timezone.localtime()
    until = now.replace(hour=int(found.group(2)), minute=int(found.group(3)), second=0)
    if until < now:
        until += timedelta(days=1)
    assert timedelta(minutes=15) <= until - now <= timedelta(minutes=16)
    assert 890 <= int(retry_after) <= 900


def sign_in_events(username: str) -> list[tuple[str, object]]:
    events = AuditEvent.objects.filter(target=f"用户 {username}", action__startswith="登录")
    return [(e.action, e.after) for e in events.order_by("id")]


def test_item16_the_login_page_locks_a_username_out_at_one_address_after_five_failures(
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    office = Client(REMOTE_ADDR=OFFICE)
    for _ in range(4):
        refused = sign_in(office, "demo-finance", "wrong-password")
        assert refused.status_code == 200
        assert "用户名或密码不正确，请重试。" in refused.content.decode()
    locked = sign_in(office, "demo-finance", "wrong-password")
    assert locked.status_code == 429
    message = re.search(r'<p class="error" id="locked-out" role="alert">(.*?)</p>', locked.text)
    assert message is not None
    assert_locked_for_15_minutes(message.group(1), locked["Retry-After"], "demo-finance")
    right_password = sign_in(office, "demo-finance", PASSWORD)
    assert right_password.status_code == 429
    assert not office.get("/").wsgi_request.user.is_authenticated
    assert sign_in(office, "demo-leader", PASSWORD).status_code == 302  # another username
    assert sign_in(Client(REMOTE_ADDR=ELSEWHERE), "demo-finance", PASSWORD).status_code == 302
    page = {"地址": OFFICE, "方式": "登录页"}
    events = sign_in_events("demo-finance")
    assert events[:5] == [("登录失败", page)] * 5
    assert events[5][0] == "登录锁定"
    assert events[5][1] == page | {"失败次数": 5, "锁定至": events[5][1]["锁定至"]}  # type: ignore[index]
    assert events[6:] == [
        ("登录被拒（已锁定）", page),
        ("登录", {"地址": ELSEWHERE, "方式": "登录页"}),
    ]


def test_item16_the_lockout_ends_after_15_minutes_and_a_sign_in_clears_the_count(
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    office = Client(REMOTE_ADDR=OFFICE)
    for _ in range(5):
        sign_in(office, "demo-finance", "wrong-password")
    assert sign_in(office, "demo-finance", PASSWORD).status_code == 429
    from axes.models import AccessAttempt  # here, so that the file loads without django-axes

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))
    assert sign_in(office, "demo-finance", PASSWORD).status_code == 302
    office.post("/accounts/logout/")
    for _ in range(4):
        assert sign_in(office, "demo-finance", "wrong-password").status_code == 200
    assert sign_in(office, "demo-finance", PASSWORD).status_code == 302
    office.post("/accounts/logout/")
    for _ in range(4):
        assert sign_in(office, "demo-finance", "wrong-password").status_code == 200


def test_item16_changing_the_case_of_the_username_does_not_start_a_new_count(
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    office = Client(REMOTE_ADDR=OFFICE)
    for typed in ("demo-finance", "Demo-Finance", "DEMO-FINANCE", "demo-Finance"):
        assert sign_in(office, typed, "wrong-password").status_code == 200
    assert sign_in(office, "Demo-finance", "wrong-password").status_code == 429
    assert sign_in(office, "demo-finance", PASSWORD).status_code == 429


def test_item16_http_basic_of_the_api_is_locked_out_with_a_chinese_json_message(
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    api = Client(REMOTE_ADDR=OFFICE)
    for _ in range(4):
        refused = api.get("/api/evaluations/", **basic("demo-finance", "wrong-password"))
        assert refused.status_code == 403  # REST framework's answer with session auth first
        assert refused.json() == {"detail": "用户名或密码不正确"}
    for password in ("wrong-password", PASSWORD):
        locked = api.get("/api/evaluations/", **basic("demo-finance", password))
        assert locked.status_code == 429
        assert locked["Content-Type"] == "application/json"
        assert list(locked.json()) == ["detail"]
        assert_locked_for_15_minutes(locked.json()["detail"], locked["Retry-After"], "demo-finance")
    assert api.get("/api/evaluations/", **basic("demo-leader", PASSWORD)).status_code == 200
    basic_auth = {"地址": OFFICE, "方式": "API 基本认证"}
    assert [action for action, _ in sign_in_events("demo-finance")] == [
        *["登录失败"] * 5,
        "登录锁定",
        "登录被拒（已锁定）",
    ]
    assert sign_in_events("demo-finance")[0] == ("登录失败", basic_auth)


def test_item16_the_login_page_and_the_api_share_one_count(demo: SelfEvaluation) -> None:  # noqa: ARG001
    office = Client(REMOTE_ADDR=OFFICE)
    for _ in range(3):
        office.get("/api/evaluations/", **basic("demo-finance", "wrong-password"))
    assert sign_in(office, "demo-finance", "wrong-password").status_code == 200
    assert sign_in(office, "demo-finance", "wrong-password").status_code == 429
    locked = office.get("/api/evaluations/", **basic("demo-finance", PASSWORD))
    assert locked.status_code == 429 and LOCKED.fullmatch(locked.json()["detail"])


@pytest.mark.parametrize(
    ("method", "body", "content_type"),
    [
        ("GET", "{not json", "application/json"),
        ("POST", "--x\r\nbroken", "multipart/form-data; boundary=x"),
        ("POST", "--x\r\nbroken", "multipart/form-data"),
    ],
)
def test_item16_a_body_that_cannot_be_read_does_not_escape_the_count(
    demo: SelfEvaluation,  # noqa: ARG001
    method: str,
    body: str,
    content_type: str,
) -> None:
    """Failed attempts with a request body that cannot be parsed are counted like any other;
    the answers are the API's own (never a 500)."""
    api = Client(REMOTE_ADDR=OFFICE)
    answers = [
        api.generic(
            method, "/api/evaluations/", body, content_type, **basic("demo-finance", password)
        ).status_code
        for password in ["wrong"] * 5 + [PASSWORD]
    ]
    assert answers == [403, 403, 403, 403, 429, 429]


def test_item16_the_lockout_in_english(demo: SelfEvaluation) -> None:  # noqa: ARG001
    office = Client(REMOTE_ADDR=OFFICE, HTTP_ACCEPT_LANGUAGE="en")
    for _ in range(5):
        locked = sign_in(office, "demo-finance", "wrong-password")
    assert locked.status_code == 429
    assert re.search(
        r"Too many failed sign-ins: demo-finance cannot sign in from this address until "
        r"\d\d:\d\d\.",
        locked.text,
    )


def test_item16_the_administrator_reads_failed_sign_ins_in_the_audit_log(  # type: ignore[no-untyped-def]
    client_for,
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    sign_in(Client(REMOTE_ADDR=OFFICE), "demo-finance", "wrong-password")
    page = client_for("demo-admin").get("/audit/?action=登录失败").content.decode()
    row = re.search(
        r"<tr><td>[^<]*</td><td>([^<]*)</td><td>登录失败</td><td>用户 demo-finance</td>", page
    )
    assert row is not None and row.group(1) == "（未登录）"
    finance = client_for("demo-finance").get("/audit/").content.decode()
    assert "登录失败" not in finance  # sign-ins belong to no self-evaluation


def test_item16_the_limit_and_the_lockout_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from jixiao.web.home import whole_number

    monkeypatch.setenv("JIXIAO_LOGIN_FAILURES", "3")
    assert whole_number("JIXIAO_LOGIN_FAILURES", 5) == 3
    monkeypatch.delenv("JIXIAO_LOGIN_FAILURES")
    assert whole_number("JIXIAO_LOGIN_FAILURES", 5) == 5
    environment = os.environ | {
        "JIXIAO_HOME": str(tmp_path),
        "JIXIAO_LOGIN_LOCKOUT_MINUTES": "一刻钟",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    started = subprocess.run(
        [sys.executable, "-m", "jixiao.cli", "serve", "--port", "1"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (started.returncode, started.stderr.strip()) == (
        1,
        "jixiao 无法启动：环境变量 JIXIAO_LOGIN_LOCKOUT_MINUTES 须为正整数，现为“一刻钟”",
    )


# Item 17: the Content-Security-Policy, the HTTPS mode, the API schema for signed-in users

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
)


def policy_of(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    directives = (d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    return dict(directives)


def test_item17_every_page_runs_under_a_policy_without_inline_script_or_style(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    pk = demo.pk
    pages = {
        "demo-finance": [
            f"/evaluations/{pk}/",
            f"/evaluations/{pk}/tree/",
            f"/evaluations/{pk}/indicators/",
            f"/evaluations/{pk}/data/",
            f"/evaluations/{pk}/data/projects/",
            f"/evaluations/{pk}/data/projects/new/",
            f"/evaluations/{pk}/monitoring/6/",
            f"/evaluations/{pk}/upload/",
            "/audit/",
        ],
        "demo-division": [f"/evaluations/{pk}/", f"/evaluations/{pk}/indicators/"],
        "demo-admin": ["/users/", f"/users/{User.objects.get(username='demo-leader').pk}/"],
    }
    for username, urls in pages.items():
        client = client_for(username)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            assert policy_of(response) == POLICY, url
            assert INLINE.findall(response.content.decode()) == [], url
    for anonymous in ("/accounts/login/", "/evaluations/999999/"):
        response = Client().get(anonymous)
        assert policy_of(response) == POLICY
        assert INLINE.findall(response.content.decode()) == []
    api = client_for("demo-finance").get("/api/evaluations/")
    assert policy_of(api) == POLICY


def test_item17_the_dashboard_draws_its_bars_without_style_attributes(  # type: ignore[no-untyped-def]
    client_for, demo: SelfEvaluation
) -> None:
    page = client_for("demo-finance").get(f"/evaluations/{demo.pk}/").content.decode()
    widths = re.findall(r'<td class="bar"><svg [^>]*><rect width="([\d.]+)" height="1"/>', page)
    assert len(widths) == 12
    assert widths[-1] == "97.1"  # December: 97.10 % of the budget spent
    assert all(0 <= float(width) <= 100 for width in widths)


def test_item17_the_audit_filter_is_applied_by_the_sites_script(  # type: ignore[no-untyped-def]
    client_for,
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    client = client_for("demo-finance")
    page = client.get("/audit/").content.decode()
    assert '<select name="action" data-submit-on-change id="action">' in page
    script = client.get("/static/jixiao/app.js")
    body = b"".join(script.streaming_content).decode()  # type: ignore[attr-defined]
    assert 'field.hasAttribute("data-submit-on-change")' in body
    assert "field.form?.requestSubmit();" in body
    assert '<script src="/static/jixiao/app.js" defer></script>' in page
    assert '"includeIndicatorStyles": false' in page  # htmx would add a <style> element


def deploy_check(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    """`django check --deploy` as a server would run it: a key of its own from the
    environment, a fresh data folder, failing on warnings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env |= {
        "JIXIAO_HOME": str(tmp_path),
        "JIXIAO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_SETTINGS_MODULE": "jixiao.web.settings",
    } | environment
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_item17_the_https_mode_passes_djangos_deployment_check(tmp_path: Path) -> None:
    checked = deploy_check(tmp_path, JIXIAO_HTTPS="1")
    assert (checked.returncode, checked.stdout.strip(), checked.stderr) == (
        0,
        "System check identified no issues (0 silenced).",
        "",
    )
    plain = deploy_check(tmp_path)  # without it, exactly what needs HTTPS is missing
    assert plain.returncode == 1
    found = set(re.findall(r"\((\S+\.W\d+)\)", plain.stderr))
    assert found == {"security.W004", "security.W008", "security.W012", "security.W016"}


@pytest.fixture
def https_behind_a_proxy():  # type: ignore[no-untyped-def]
    """The application as `jixiao serve` runs it with JIXIAO_HTTPS=1 behind the proxy at
    127.0.0.1: Django's handler inside waitress' treatment of the proxy's headers."""
    from waitress.proxy_headers import proxy_headers_middleware

    from jixiao.web.runtime import waitress_options

    options = waitress_options({"JIXIAO_TRUSTED_PROXY": "127.0.0.1", "JIXIAO_HTTPS": "1"})
    https = {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }
    # As Django's test client does: keep the test's database connection across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with override_settings(**https):
            yield proxy_headers_middleware(
                WSGIHandler(),
                trusted_proxy=options["trusted_proxy"],
                trusted_proxy_count=options["trusted_proxy_count"],
                trusted_proxy_headers=options["trusted_proxy_headers"],
                clear_untrusted=options["clear_untrusted_proxy_headers"],
            )
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def call(application, path: str, peer: str, **headers: str) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    environ: dict[str, object] = {"PATH_INFO": path, "REMOTE_ADDR": peer, "HTTP_HOST": "127.0.0.1"}
    environ |= {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    setup_testing_defaults(environ)
    answer: dict[str, object] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: object) -> None:
        answer.update(status=status, headers=dict(response_headers))

    b"".join(application(environ, start_response))
    return str(answer["status"]), answer["headers"]  # type: ignore[return-value]


def test_item17_behind_the_trusted_proxy_https_and_the_clients_address_are_believed(  # type: ignore[no-untyped-def]
    https_behind_a_proxy,
    demo: SelfEvaluation,  # noqa: ARG001
) -> None:
    forwarded = {
        "X_FORWARDED_PROTO": "https",
        "X_FORWARDED_FOR": "203.0.113.9",
        "X_FORWARDED_HOST": "localhost",
    }
    status, headers = call(https_behind_a_proxy, "/accounts/login/", "127.0.0.1", **forwarded)
    assert status == "200 OK"
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    status, headers = call(https_behind_a_proxy, "/accounts/login/", "10.0.0.5", **forwarded)
    assert status.startswith("301")  # the same headers from anyone else are not believed
    assert headers["Location"] == "https://127.0.0.1/accounts/login/"
    wrong = basic("demo-finance", "wrong-password")["HTTP_AUTHORIZATION"]
    status, _ = call(
        https_behind_a_proxy, "/api/evaluations/", "127.0.0.1", AUTHORIZATION=wrong, **forwarded
    )
    assert status.startswith("403")
    assert sign_in_events("demo-finance") == [
        ("登录失败", {"地址": "203.0.113.9", "方式": "API 基本认证"})
    ]


def test_item17_the_https_mode_refuses_to_serve_without_a_proxy() -> None:
    from jixiao.web.home import SetupProblem
    from jixiao.web.runtime import waitress_options

    with pytest.raises(SetupProblem) as refused:
        waitress_options({"JIXIAO_HTTPS": "1"})
    assert str(refused.value) == (
        "JIXIAO_HTTPS=1 须在 HTTPS 反向代理之后运行（jixiao 本身只提供 HTTP）："
        "请用 JIXIAO_TRUSTED_PROXY 指明代理的 IP 地址，例如 127.0.0.1"
    )
    assert waitress_options({}) == {"threads": 4, "ident": "jixiao"}


def test_item17_the_api_schema_is_for_signed_in_users_only(client_for) -> None:  # type: ignore[no-untyped-def]
    anonymous = Client().get("/api/schema/?format=json")
    assert anonymous.status_code == 403
    assert anonymous.json() == Client().get("/api/evaluations/").json()
    assert anonymous.json() == {"detail": "身份认证信息未提供。"}
    schema = client_for("demo-division").get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert set(schema.json()["components"]["securitySchemes"]) == {"basicAuth", "cookieAuth"}


# The defenses docs/security.md names beyond the three items


def test_every_change_needs_the_csrf_token(demo: SelfEvaluation) -> None:
    client = Client(enforce_csrf_checks=True)
    assert sign_in(client, "demo-finance", PASSWORD).status_code == 403  # login CSRF too
    client.force_login(User.objects.get(username="demo-finance"))
    before = SelfEvaluation.objects.get(pk=demo.pk).status
    assert client.post(f"/evaluations/{demo.pk}/steps/submit/").status_code == 403
    assert SelfEvaluation.objects.get(pk=demo.pk).status == before


def test_what_people_type_is_shown_escaped(client_for, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]
    Project.objects.filter(evaluation=demo, code="P01").update(name="<script>alert(1)</script>")
    page = client_for("demo-finance").get(f"/evaluations/{demo.pk}/data/projects/").content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert b"<script>alert(1)" not in page
    source = Path(__file__).resolve().parents[2] / "src" / "jixiao" / "web"
    unescaped = [
        f"{path.name}: {line.strip()}"
        for path in [*source.rglob("*.html"), *source.rglob("*.py")]
        for line in path.read_text("utf-8").splitlines()
        if re.search(r"\|safe\b|autoescape off|mark_safe|format_html", line)
    ]
    # the one exception, reviewed: a rendering of the escaping template engine kept in the cache
    # with a placeholder for the user's CSRF token (letters and digits), put in on the way out
    assert unescaped == [
        "views.py: from django.utils.safestring import mark_safe",
        "views.py: return mark_safe(rendering.replace(CSRF_PLACEHOLDER, get_token(request)))",
    ]


def test_the_security_page_names_only_tests_that_exist() -> None:
    """docs/security.md proves each defense by a test's name; a renamed test must not leave
    the page pointing at nothing."""
    root = Path(__file__).resolve().parents[2]
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", (root / "docs/security.md").read_text())
    assert len(named) > 30
    missing = [
        f"{file}::{test}"
        for file, test in named
        if not re.search(rf"^def {test}\(", (root / file).read_text("utf-8"), re.MULTILINE)
    ]
    assert missing == []
