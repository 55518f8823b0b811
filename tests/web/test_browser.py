"""In a real browser (Debian's chromium, driven by Playwright): log in, read the score, drill
into the evaluation tree. Also makes the screenshots shown in the README."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from jixiao.web.demo import PASSWORD
from jixiao.web.organizations.models import SelfEvaluation

from ..conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        CHROMIUM is None and not os.environ.get("CI"),
        reason="chromium is not installed here; `make system-deps` installs it, CI has it",
    ),
]


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """docs/images with JIXIAO_SCREENSHOTS=1 (`make screenshots`), else a scratch folder."""
    return ROOT / "docs" / "images" if os.environ.get("JIXIAO_SCREENSHOTS") else tmp_path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def log_in(browser: Browser, base: str, username: str) -> Page:
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page.goto(f"{base}/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    return page


def test_finance_reads_the_score_and_the_tree(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, demo: SelfEvaluation, screenshots: Path
) -> None:
    page = log_in(browser, live_server.url, "demo-finance")
    page.wait_for_url(f"**/evaluations/{demo.pk}/")
    assert page.locator("#score").inner_text() == "93.13"
    assert page.locator("#grade").inner_text() == "优"
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=False)
    page.click("text=评分明细")
    page.wait_for_url(f"**/evaluations/{demo.pk}/tree/")
    page.click("summary:has-text('部门整体绩效目标产出指标完成情况')")
    page.click("summary:has-text('创新推动贸易高质量发展')")
    explanation = page.locator("text=跨境电商进出口金额：目标 ≥1300 亿元").first
    assert explanation.is_visible()
    page.screenshot(path=str(screenshots / "evaluation-tree.png"), full_page=False)
    assert (screenshots / "evaluation-tree.png").stat().st_size > 20_000
    page.close()


def test_a_wrong_password_is_refused(browser: Browser, live_server, demo: SelfEvaluation) -> None:  # type: ignore[no-untyped-def]  # noqa: ARG001
    page = browser.new_page(locale="zh-CN")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "demo-finance")
    page.fill("#id_password", "wrong-password")
    page.click("main button[type=submit]")
    assert page.locator(".error").inner_text() == "用户名或密码不正确，请重试。"
    page.close()


def test_fill_submit_return_and_see_the_reason(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, demo: SelfEvaluation
) -> None:
    division = log_in(browser, live_server.url, "demo-division")
    division.wait_for_url(f"**/evaluations/{demo.pk}/")
    assert division.locator("#score").inner_text() == "93.13"
    division.click("text=填报指标")
    assert division.locator("#total-score").inner_text() == "93.13"
    row = division.locator("#indicator-I102")
    row.locator("input[name=actual]").fill("两千")
    row.locator("button").click()  # htmx swaps the row in place: the refusal at the field
    expect(row.locator(".field-error")).to_have_text("“实际完成值”不是有效数字：“两千”")
    assert row.locator("input[name=actual]").get_attribute("aria-invalid") == "true"
    row.locator("input[name=actual]").fill("1900")
    row.locator("input[name=reason]").fill("以海关年报为准")
    row.locator("button").click()
    expect(row.locator(".saved")).to_contain_text("当前总分 93.63")
    expect(division.locator("#total-score")).to_have_text("93.63")  # out of band
    assert row.locator(".field-error").count() == 0
    division.goto(f"{live_server.url}/evaluations/{demo.pk}/")
    assert division.locator("#score").inner_text() == "93.63"
    division.click("button:has-text('提交')")
    expect(division.locator("ul.messages")).to_contain_text("已提交对外贸易处的数据")
    assert division.locator("#status").inner_text() == "填报中"  # 消费促进处 is still filling

    finance = log_in(browser, live_server.url, "demo-finance")
    finance.wait_for_url(f"**/evaluations/{demo.pk}/")
    expect(finance.locator("#divisions")).to_contain_text("对外贸易处已提交")
    returning = finance.locator("form:has(button[value=return_division])")
    returning.locator("select[name=division]").select_option(label="对外贸易处")
    returning.locator("textarea[name=reason]").fill("I102 请补充偏差原因")
    returning.locator("button").click()
    expect(finance.locator("ul.messages")).to_contain_text("已退回对外贸易处。")

    division.reload()
    assert "I102 请补充偏差原因" in division.locator("#returned").inner_text()
    assert division.locator("button:has-text('提交')").count() == 1  # open again
    assert division.locator("text=自评报告（Word）").count() == 0  # the department's document
    with finance.expect_download() as download:
        finance.click("text=自评报告（Word）")
    report = download.value
    assert report.suggested_filename == "广州市商务局2023年度自评报告（Word）.docx"
    text = "\n".join(p.text for p in docx.Document(str(report.path())).paragraphs)
    assert "部门整体支出绩效自评得分 93.63 分" in text  # the report follows the changed data
    division.close()
    finance.close()


def test_finance_corrects_a_project_in_its_ledger(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, demo: SelfEvaluation, screenshots: Path
) -> None:
    page = log_in(browser, live_server.url, "demo-finance")
    page.wait_for_url(f"**/evaluations/{demo.pk}/")
    page.click("text=数据台账")
    page.click("#ledger-projects a")
    expect(page.locator("#ledger tbody tr")).to_have_count(53)
    page.click("#ledger tbody tr:has-text('P18') a")
    page.fill("#id_spent_wan", "七千")
    page.fill("#id_reason", "核对国库支付")
    page.click("form.record button[type=submit]")
    expect(page.locator("#error-spent_wan")).to_have_text("“支出金额（万元）”不是有效数字：“七千”")
    assert page.locator("#id_spent_wan").get_attribute("aria-invalid") == "true"
    page.screenshot(path=str(screenshots / "ledger-form.png"), full_page=False)
    page.fill("#id_spent_wan", "7000")
    page.fill("#id_m12_yuan", "10000000")
    page.click("form.record button[type=submit]")
    page.wait_for_url(f"**/evaluations/{demo.pk}/data/projects/")
    expect(page.locator("ul.messages li.success")).to_contain_text("已保存项目“P18")
    row = page.locator("#ledger tbody tr:has-text('P18')")
    expect(row).to_contain_text("7000")
    page.close()


def test_the_monitoring_page_month_by_month(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, demo: SelfEvaluation, screenshots: Path
) -> None:
    page = log_in(browser, live_server.url, "demo-leader")
    page.wait_for_url(f"**/evaluations/{demo.pk}/")
    expect(page.locator("#dashboard-warnings")).to_contain_text("预警（截至 12 月末）")
    page.click("text=执行监控")
    page.wait_for_url(f"**/evaluations/{demo.pk}/monitoring/12/")
    assert page.locator("#average").inner_text() == "72.52%"
    page.click("nav.months >> text=6月")
    page.wait_for_url(f"**/evaluations/{demo.pk}/monitoring/6/")
    assert page.locator("#execution").inner_text() == "80.33%"
    assert page.locator("#time-progress").inner_text() == "50.00%"
    expect(page.locator("#behind tbody tr")).to_have_count(10)
    first = page.locator("#behind tbody tr").first
    expect(first).to_contain_text("P06")
    expect(first.locator(".gap")).to_have_text("50.00")
    expect(page.locator("#progress-chart circle")).to_have_count(6)
    box = page.locator("#progress-chart").bounding_box()
    assert box is not None and box["width"] > 500  # drawn, not collapsed
    page.screenshot(path=str(screenshots / "monitoring.png"), full_page=False)
    page.click("nav.months >> text=7月")
    expect(page.locator("#time-progress")).to_have_text("58.33%")
    page.close()


def test_item17_the_pages_work_under_the_content_security_policy(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, demo: SelfEvaluation
) -> None:
    """No inline script or style is refused by the browser on the way: signing in, the
    dashboard's bars, saving an indicator with htmx, the audit log's filter by the site's
    own script."""
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "demo-finance")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/evaluations/{demo.pk}/")
    bars = page.locator("table.progress td.bar")
    expect(bars).to_have_count(12)
    december = bars.last.locator("rect").bounding_box()
    full = bars.last.locator("svg").bounding_box()
    assert december is not None and full is not None
    assert 0.95 < december["width"] / full["width"] < 0.99  # 97.10 % spent
    page.click("text=填报指标")
    row = page.locator("#indicator-I102")
    row.locator("input[name=actual]").fill("1900")
    row.locator("input[name=reason]").fill("以海关年报为准")
    row.locator("button").click()
    expect(page.locator("#total-score")).to_have_text("93.63")
    page.goto(f"{live_server.url}/audit/")
    page.select_option("#action", "修改指标实际完成值")
    page.wait_for_url("**/audit/?*action=*")
    expect(page.locator("table.audit > tbody > tr")).to_have_count(1)
    assert refused == []
    page.close()


def test_item5_a_jobs_page_follows_its_progress_by_itself(  # type: ignore[no-untyped-def]
    browser: Browser, live_server, demo: SelfEvaluation
) -> None:
    """The PDF report asked for on the dashboard: its job's page refreshes its progress every
    2 s through htmx (no inline script, nothing refused), and stops when the job is done. No
    worker runs here: the test moves the job itself (real workers: test_job_workers.py)."""
    from jixiao.web.jobs.models import Job, JobState

    page = log_in(browser, live_server.url, "demo-finance")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.click("text=生成自评报告（PDF）")
    page.wait_for_url("**/jobs/*/")
    expect(page.locator("#job-state")).to_have_text("排队中")
    job = Job.objects.get(evaluation=demo)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, done=2, total=4, step="转换为 PDF（LibreOffice）"
    )
    expect(page.locator("#job-step")).to_have_text("转换为 PDF（LibreOffice）", timeout=5000)
    expect(page.locator("#job-count")).to_have_text("2 / 4")
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error="LibreOffice 转换超时（180 秒）"
    )
    expect(page.locator("#job-error")).to_have_text("LibreOffice 转换超时（180 秒）", timeout=5000)
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-trigger", "every 2s")
    assert refused == []
    page.close()
