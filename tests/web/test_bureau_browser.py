"""The finance bureau's side in a real browser (issue 12): the reviewer loads a zip of twenty
departments' workbooks and watches the job, sorts the overview and filters it by grade, score
range and a group (made by the system administrator), re-scores an item of one department with
a reason, the department's leader reads that review, and the bureau
downloads the year's summary report. No worker runs here: the test runs each queued job itself
while its page is open (real workers: test_job_workers.py)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from jixiao.adapters.workbook import write_workbook
from jixiao.core.model import Dataset, Project
from jixiao.web.demo import PASSWORD
from jixiao.web.jobs.models import Job, JobKind
from jixiao.web.jobs.running import run
from jixiao.web.organizations.models import Membership, Role, SelfEvaluation, Status
from jixiao.web.workflow import take_step

from . import test_browser
from .test_browser import log_in

# As the other browser tests: a live server on the test database (SQLite here, PostgreSQL too
# in the second pass of `make test`), Debian's chromium, its fixtures.
pytestmark = test_browser.pytestmark
browser = test_browser.browser
screenshots = test_browser.screenshots

NAMES = (
    "发展改革局",
    "教育局",
    "科学技术局",
    "工业和信息化局",
    "民政局",
    "司法局",
    "人力资源社会保障局",
    "自然资源局",
    "生态环境局",
    "住房城乡建设局",
    "交通运输局",
    "水务局",
    "农业农村局",
    "文化广电旅游局",
    "卫生健康委员会",
    "应急管理局",
    "市场监督管理局",
    "体育局",
    "统计局",
    "医疗保障局",
)


def name_of(number: int) -> str:
    return f"测试市{NAMES[number - 1]}"


def scaled(project: Project, share: Decimal) -> Project:
    """``project`` spending ``share`` of what it spent, month by month (in cents, the year's
    spending their sum, as the workbook's check asks)."""
    cent = Decimal("0.01")
    if not project.monthly_spent:
        return replace(project, spent=(project.spent * share).quantize(cent))
    months = tuple((m * share).quantize(cent) for m in project.monthly_spent)
    return replace(project, spent=sum(months, Decimal(0)), monthly_spent=months)


def variant(dataset: Dataset, number: int) -> Dataset:
    """Department ``number`` (1 to 20): every project spends ``1 − 0.04 × (number − 1)`` of
    what the reference department spent, month by month, and the first ``8 × ((number − 1) mod
    4)`` indicators have no actual value. d01 is the reference department itself (93.13)."""
    projects = tuple(scaled(p, Decimal(100 - 4 * (number - 1)) / 100) for p in dataset.projects)
    blank = 8 * ((number - 1) % 4)
    indicators = tuple(
        replace(i, actual=None) if n < blank else i for n, i in enumerate(dataset.indicators)
    )
    department = replace(dataset.department, code=f"d{number:02d}", name=name_of(number))
    return replace(dataset, department=department, projects=projects, indicators=indicators)


def twenty_departments(dataset: Dataset, folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number in range(1, 21):
            path = folder / f"d{number:02d}.xlsx"
            write_workbook(variant(dataset, number), path)
            archive.writestr(f"部门/d{number:02d}.xlsx", path.read_bytes())
    return buffer.getvalue()


def watched(page: Page, problems: list[str]) -> Page:
    """Every message of the browser's console about the Content Security Policy kept, and
    every answer of the server in the 500s."""
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "response",
        lambda answer: (
            problems.append(f"{answer.status} {answer.url}") if answer.status >= 500 else None
        ),
    )
    return page


def run_watched(page: Page, kind: str) -> None:
    """Run the queued job of ``kind`` here while ``page`` follows it. The page's polls wait in
    the browser while the job runs: Playwright answers the routed request only when the test
    calls it again (after the job). Each query would otherwise risk “database table is locked”:
    the test's in-memory SQLite database shares one cache between threads, locking whole
    tables (a server's database file does not)."""
    page.route("**/jobs/*/progress/", lambda route: route.continue_())
    with page.expect_response("**/jobs/*/progress/"):
        pass  # a poll answered: the next one is 2 s away, and held
    run(Job.objects.get(kind=kind).pk)


def rows_of(page: Page) -> list[tuple[str, str, str]]:
    """The overview's rows as shown: department name, total score (with its 复核 mark), grade."""
    return [
        tuple(row)
        for row in page.locator("#overview tbody tr").evaluate_all(
            """rows => rows.map(r => [
                r.cells[1].querySelector('a').textContent.trim(),
                r.cells[3].textContent.trim().replace(/\\s+/g, ' '),
                r.cells[4].textContent.trim(),
            ])"""
        )
    ]


def account(username: str, role: str, record: SelfEvaluation) -> User:
    user = User.objects.create_user(username, password=PASSWORD)
    Membership.objects.create(user=user, role=role, department=record.department)
    return user


def sent_to_bureau(record: SelfEvaluation) -> User:
    """d01's year through its department's workflow to 已报送财政局 (a finance reviewer and a
    unit leader made for it); the leader returned."""
    finance = account("d01-finance", Role.FINANCE_REVIEWER, record)
    leader = account("d01-leader", Role.UNIT_LEADER, record)
    take_step(finance, record, "submit", "各处室已线下确认")
    take_step(finance, record, "review", "")
    take_step(leader, record, "approve", "")
    take_step(leader, record, "send", "")
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED_TO_BUREAU
    return leader


@pytest.fixture
def jobs_folder(settings: Any, tmp_path: Path) -> Path:
    settings.JIXIAO_JOBS_FOLDER = tmp_path / "jobs"
    return tmp_path / "jobs"


def test_the_bureau_loads_ranks_reviews_and_reports_a_year(  # type: ignore[no-untyped-def]
    browser,
    live_server,
    demo: SelfEvaluation,
    reference_dataset: Dataset,
    jobs_folder: Path,
    screenshots: Path,
    tmp_path: Path,
) -> None:
    assert demo.fiscal_year == 2023 and jobs_folder
    base = live_server.url
    problems: list[str] = []
    upload = twenty_departments(reference_dataset, tmp_path)

    # 1. the zip of twenty workbooks, loaded by a job whose page follows it by itself
    bureau = watched(log_in(browser, base, "demo-bureau"), problems)
    bureau.wait_for_url("**/bureau/")
    bureau.click("header >> text=后台任务")
    bureau.click("#bulk-load")
    bureau.set_input_files(
        "#workbooks", files=[{"name": "部门.zip", "mimeType": "application/zip", "buffer": upload}]
    )
    bureau.click("button:has-text('上传并在后台载入')")
    bureau.wait_for_url("**/jobs/*/")
    expect(bureau.locator("h1")).to_have_text(f"批量载入部门工作簿 #{Job.objects.get().pk}")
    expect(bureau.locator("#job-state")).to_have_text("排队中")
    expect(bureau.locator("#job-count")).to_have_text("0 / 0")
    bureau.evaluate("window.stayed = true")  # gone if the page were loaded again
    run_watched(bureau, JobKind.BULK_LOAD)
    expect(bureau.locator("#job-state")).to_have_text("已完成", timeout=5000)
    expect(bureau.locator("#job-count")).to_have_text("20 / 20")
    expect(bureau.locator("#job-step")).to_have_text(
        "已完成：新建 20 个、替换 0 个部门年度，0 个未载入"
    )
    loaded = bureau.locator("#job-items tbody tr")
    expect(loaded).to_have_count(20)
    expect(loaded.first).to_have_text(
        "已新建 测试市发展改革局 2023 年度（53 个项目）← d01.xlsx已载入"
    )
    expect(loaded.last).to_have_text(
        "已新建 测试市医疗保障局 2023 年度（53 个项目）← d20.xlsx已载入"
    )
    expect(bureau.locator("#job-items td.error")).to_have_count(0)
    expect(bureau.locator("#job-progress")).not_to_have_attribute("hx-trigger", "every 2s")
    assert bureau.evaluate("window.stayed") is True  # htmx swapped the progress in place
    bureau.screenshot(path=str(screenshots / "bureau-bulk-load.png"), full_page=True)

    d01 = SelfEvaluation.objects.get(department__code="d01", fiscal_year=2023)
    leader = sent_to_bureau(d01)

    # the system administrator groups four of them (the bureau reviewer cannot make groups)
    admin = watched(log_in(browser, base, "demo-admin"), problems)
    admin.click("header >> text=部门与分组")
    admin.click("text=新建部门分组")
    admin.select_option("#id_kind", label="批次")
    admin.fill("#id_name", "第一批重点评价")
    admin.click("main button[type=submit]")
    expect(admin.locator("ul.messages")).to_have_text("已保存分组 批次：第一批重点评价。")
    for number in (2, 5, 8, 11):
        admin.click(f"#departments a:text-is('{name_of(number)}')")
        admin.check("label:has-text('批次：第一批重点评价') input")
        admin.click("main button[type=submit]")
        expect(admin.locator("ul.messages")).to_have_text(f"已保存部门 {name_of(number)}。")
        expect(admin.locator(f"#departments tr:has-text('d{number:02d}') td").last).to_have_text(
            "批次：第一批重点评价"
        )
    admin.close()

    # 2. the overview: sorted by the total score both ways, filtered by grade and score range
    bureau.goto(f"{base}/bureau/?year=2023")
    expect(bureau.locator("h1")).to_have_text("2023 年度部门总览")
    expect(bureau.locator("#overview-count")).to_have_text("共 21 个部门 · 导出 Excel")
    bureau.click("#overview thead a:text-is('总分')")
    bureau.wait_for_url("**sort=score")
    expect(bureau.locator("#overview thead th:has-text('总分')")).to_have_text("总分▲")
    assert rows_of(bureau)[:4] == [
        ("测试市医疗保障局", "70.07", "中"),
        ("测试市应急管理局", "71.45", "中"),
        ("测试市水务局", "72.83", "中"),
        ("测试市自然资源局", "74.21", "中"),
    ]
    bureau.click("#overview thead a:text-is('总分')")
    bureau.wait_for_url("**sort=-score")
    rows = rows_of(bureau)
    assert len(rows) == 21
    assert rows[:7] == [
        ("测试市发展改革局", "93.13", "优"),  # tied: by code, d01 first
        ("广州市商务局", "93.13", "优"),
        ("测试市民政局", "91.75", "优"),
        ("测试市生态环境局", "90.37", "优"),
        ("测试市农业农村局", "88.99", "良"),
        ("测试市教育局", "87.78", "良"),
        ("测试市市场监督管理局", "87.61", "良"),
    ]
    bureau.select_option("#grade", "良")
    bureau.click("#overview-filter button[type=submit]")
    bureau.wait_for_url("**grade=*")
    expect(bureau.locator("#overview-count")).to_have_text("共 10 个部门 · 导出 Excel")
    assert rows_of(bureau) == [
        ("测试市农业农村局", "88.99", "良"),
        ("测试市教育局", "87.78", "良"),
        ("测试市市场监督管理局", "87.61", "良"),
        ("测试市司法局", "86.40", "良"),
        ("测试市住房城乡建设局", "85.02", "良"),
        ("测试市文化广电旅游局", "83.64", "良"),
        ("测试市科学技术局", "83.44", "良"),
        ("测试市体育局", "82.26", "良"),
        ("测试市人力资源社会保障局", "82.06", "良"),
        ("测试市交通运输局", "80.68", "良"),
    ]
    bureau.fill("#min", "80")
    bureau.fill("#max", "85")
    bureau.click("#overview-filter button[type=submit]")
    bureau.wait_for_url("**max=85*")
    assert rows_of(bureau) == [
        ("测试市文化广电旅游局", "83.64", "良"),
        ("测试市科学技术局", "83.44", "良"),
        ("测试市体育局", "82.26", "良"),
        ("测试市人力资源社会保障局", "82.06", "良"),
        ("测试市交通运输局", "80.68", "良"),
    ]
    bureau.fill("#min", "")
    bureau.fill("#max", "")
    bureau.select_option("#grade", "")
    bureau.select_option("#group", label="批次：第一批重点评价")
    bureau.click("#overview-filter button[type=submit]")
    bureau.wait_for_url("**group=*")
    expect(bureau.locator("#overview thead th").last).to_have_text("组内排名（第一批重点评价）")
    assert rows_of(bureau) == [
        ("测试市民政局", "91.75", "优"),
        ("测试市教育局", "87.78", "良"),
        ("测试市交通运输局", "80.68", "良"),
        ("测试市自然资源局", "74.21", "中"),
    ]
    ranks = bureau.locator("#overview tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[2].textContent, r.cells[r.cells.length - 1].textContent])"
    )
    assert ranks == [["3", "1"], ["6", "2"], ["14", "3"], ["18", "4"]]  # overall, in the group
    bureau.screenshot(path=str(screenshots / "bureau-overview.png"), full_page=True)

    # 3. one department opened from the overview, one item re-scored with a reason
    bureau.goto(f"{base}/bureau/?year=2023&sort=-score")
    bureau.click("#overview tbody tr:has-text('d01') td:nth-child(2) > a:first-child")
    bureau.wait_for_url(f"**/evaluations/{d01.pk}/")
    expect(bureau.locator("h1")).to_have_text("测试市发展改革局 2023 年度绩效自评")
    expect(bureau.locator("#status")).to_have_text("已报送财政局")
    bureau.click("#review-summary >> text=查看复核 →")
    bureau.wait_for_url(f"**/evaluations/{d01.pk}/review/")
    expect(bureau.locator("#self-total")).to_have_text("93.13")
    expect(bureau.locator("#review-total")).to_have_text("93.13")
    item = bureau.locator("#item-carryover_rate")
    item.locator("summary").click()
    item.locator("#score-carryover_rate").fill("1.5")
    item.locator("#reason-carryover_rate").fill("结转结余率按决算数复算，应为 12%")
    item.locator("button:has-text('保存复核')").click()
    expect(bureau.locator("#review-total")).to_have_text("92.63")
    expect(bureau.locator("#difference")).to_have_text("0.50")
    expect(bureau.locator("#self-total")).to_have_text("93.13")
    expect(bureau.locator(".card:has(#review-total) .sub")).to_have_text("已复核 1 项")
    cells = item.locator("td.number")
    expect(cells).to_have_text(["2", "2.00", "1.50", "0.50"])
    bureau.screenshot(path=str(screenshots / "bureau-review.png"), full_page=False)
    bureau.goto(f"{base}/bureau/?year=2023&sort=-score")
    assert rows_of(bureau)[:2] == [
        ("广州市商务局", "93.13", "优"),
        ("测试市发展改革局", "92.63 复核", "优"),  # the review's total now ranks it
    ]

    # 4. the department's leader reads the review on the dashboard and the reason
    own = watched(log_in(browser, base, leader.username), problems)
    own.wait_for_url(f"**/evaluations/{d01.pk}/")
    expect(own.locator("#review-summary p").first).to_have_text(
        "复核得分 92.63（自评 93.13，差异 0.50），已复核 1 项。"
    )
    own.click("#review-summary >> text=查看复核 →")
    own.wait_for_url(f"**/evaluations/{d01.pk}/review/")
    expect(own.locator("#item-carryover_rate .reason")).to_have_text(
        "结转结余率按决算数复算，应为 12%"
    )
    expect(own.locator("#item-carryover_rate details")).to_have_count(0)  # read only
    own.screenshot(path=str(screenshots / "leader-reads-review.png"), full_page=False)
    own.close()

    # 5. the year's summary report, from the overview, made by a job, downloaded
    bureau.click("#summary-link")
    bureau.wait_for_url("**/summary/2023/")
    expect(bureau.locator("h1.summary-title")).to_have_text("2023年度部门整体绩效自评汇总分析报告")
    bureau.click("#summary-docx")
    bureau.wait_for_url("**/jobs/*/")
    run_watched(bureau, JobKind.SUMMARY_DOCX)
    expect(bureau.locator("#job-state")).to_have_text("已完成", timeout=5000)
    with bureau.expect_download() as download:
        bureau.click("#job-file")
    report = download.value
    assert report.suggested_filename == "2023年度汇总分析报告（Word）.docx"
    document = docx.Document(str(report.path()))
    text = [p.text for p in document.paragraphs]
    assert text[0] == "2023年度部门整体绩效自评汇总分析报告"
    assert text[3] == (
        "本年度共 21 个部门开展部门整体绩效自评，其中 21 个部门已评分，1 个部门的得分经财政局"
        "复核；平均得分 82.72 分。评价等级分布：优 4 个、良 10 个、中 7 个、差 0 个。"
    )
    tables = [[[c.text for c in r.cells] for r in t.rows] for t in document.tables]
    assert tables[1][1:4] == [
        ["1", "1", "广州市商务局", "93.13", "优", ""],
        ["2", "2", "测试市发展改革局", "92.63", "优", "复核"],
        ["3", "3", "测试市民政局", "91.75", "优", ""],
    ]
    assert len(tables[1]) == 22  # the header and the 21 departments
    assert tables[3:] == [  # the review's difference, by department and by item
        [["部门", "自评得分", "复核得分", "差异"], ["测试市发展改革局", "93.13", "92.63", "0.50"]],
        [["评价项", "复核调整部门数", "差异合计"], ["结转结余率", "1", "0.50"]],
    ]
    bureau.close()
    assert problems == []
