"""The ``jixiao`` command.

    jixiao evaluate DATASET [--project CODE] [--framework NAME_OR_FILE] [--format text|json]
                    [--detail] [--cohort FOLDER [--cohort-name NAME] [--cut-off YYYY-MM-DD]
                     [--skip-unreadable]]
    jixiao validate DATASET [--project CODE] [--framework NAME_OR_FILE] [--format text|json]
    jixiao template OUT.xlsx [--year YEAR]
    jixiao import WORKBOOK.xlsx --into DATASET [--replace] [--format text|json]
    jixiao export DATASET --out OUT.xlsx
    jixiao scoretable DATASET --out OUT.xlsx|OUT.docx [--project CODE] [--framework NAME_OR_FILE]
    jixiao ledger LEDGER.csv|.xlsx --into DATASET [--format text|json]
    jixiao report DATASET --out report.docx|report.html|report.pdf [--project CODE]
                  [--framework NAME_OR_FILE]
    jixiao monitor DATASET --month YYYY-MM [--format text|json] [--bulletin OUT.docx|OUT.html]
                   [--review OUT.xlsx|OUT.docx|OUT.html] [--framework NAME_OR_FILE]
    jixiao load PATH... [--replace] [--framework NAME_OR_FILE]
    jixiao demo [--no-serve] [--host HOST] [--port PORT] [--dataset FOLDER]
    jixiao serve [--host HOST] [--port PORT] [--workers N] [--no-jobs]
    jixiao worker [--processes N]
    jixiao audit verify
    jixiao backup OUT
    jixiao restore BACKUP [--replace]
    jixiao recompute [--all] [--background]
    jixiao sweep-uploads
    jixiao frameworks [--installed] [--show REFERENCE]

``--project CODE`` evaluates that project's own self-evaluation (项目支出绩效自评) instead of the
department's overall one; a data set holding a single project's and nothing else needs none.
Without ``--framework``, a project is scored on national-project-2020, the department on
guangzhou-department-overall-2023.

Exit codes: 0 success, 1 problems in the input (all listed; nothing is written), 2 an internal
error (no traceback is shown; run with JIXIAO_DEBUG=1 to see it). One exception: ``backup``
keeps a copy whose audit chain fails verification (it is evidence) and still exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from jixiao.adapters.cohort_files import read_cohort_folder
from jixiao.adapters.dataset_files import FolderRefused, load_dataset, write_dataset
from jixiao.adapters.frameworks import (
    DEFAULT_FRAMEWORK,
    DEFAULT_PROJECT_FRAMEWORK,
    builtin_framework_names,
    framework_file,
    load_framework,
)
from jixiao.adapters.ledger import apply_ledger, read_ledger
from jixiao.adapters.project_form import project_form
from jixiao.adapters.project_form_files import write_form_docx, write_form_xlsx
from jixiao.adapters.render_json import evaluation_as_dict, evaluation_to_json
from jixiao.adapters.render_monitoring import render_monitoring_json, render_monitoring_text
from jixiao.adapters.render_text import render_text
from jixiao.adapters.report.build import build_report
from jixiao.adapters.report.bulletin import build_bulletin, build_review
from jixiao.adapters.report.charts import NoChineseFont
from jixiao.adapters.report.html import write_html
from jixiao.adapters.report.pdf import PdfUnavailable, write_pdf
from jixiao.adapters.report.word import write_docx
from jixiao.adapters.review_table import write_review_xlsx
from jixiao.adapters.scoretable import write_scoretable
from jixiao.adapters.workbook import read_workbook, write_workbook
from jixiao.core.cohort import Cohort
from jixiao.core.evaluation import cohort_figures, evaluate
from jixiao.core.framework import Framework
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, ProblemCode, ProblemsFound, SourceLocation, errors_in
from jixiao.core.result import Evaluation
from jixiao.core.subject import DEPARTMENT, Subject, named_subject, subjects_of
from jixiao.core.validation import validate_dataset
from jixiao.web.home import SetupProblem

TEXT_LIMIT = 200  # problems printed in text form; JSON always has them all


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jixiao", description="jixiao 预算绩效管理")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text)

    def framework_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--framework",
            help=f"内置评价体系名称或评价体系 YAML 文件（默认：部门整体 {DEFAULT_FRAMEWORK}，"
            f"项目自评 {DEFAULT_PROJECT_FRAMEWORK}）",
        )

    def project_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--project",
            metavar="CODE",
            help="评价该项目的项目支出绩效自评（而非部门整体）；数据集只含一个项目的自评时可省略",
        )

    def format_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--format", choices=("text", "json"), default="text", help="输出格式（默认 text）"
        )

    evaluate_command = command("evaluate", "评价数据集并输出得分树")
    validate_command = command("validate", "检查数据集，列出全部问题")
    for sub in (evaluate_command, validate_command):
        sub.add_argument("dataset", type=Path, help="数据集目录")
        project_option(sub)
        framework_option(sub)
        format_option(sub)
    evaluate_command.add_argument(
        "--detail", action="store_true", help="列出全部指标的得分说明和表 2-1 全部项目"
    )
    evaluate_command.add_argument(
        "--cohort",
        type=Path,
        metavar="FOLDER",
        help="同批部门的数据：每个部门一个数据集子目录或工作簿（.xlsx），"
        "评价体系中的同批排名项（cohort_rank）据此排名",
    )
    evaluate_command.add_argument(
        "--cohort-name", metavar="NAME", help="同批部门的名称（默认为目录名）"
    )
    evaluate_command.add_argument(
        "--cut-off",
        type=_date,
        metavar="YYYY-MM-DD",
        help="同批数据的截止日期（默认今天）",
    )
    evaluate_command.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="同批部门中无法读取的数据集列出后不计入排名，继续评价（默认不评价）",
    )
    template = command("template", "生成空白填报工作簿")
    template.add_argument("out", type=Path, help="输出的 .xlsx 文件")
    template.add_argument("--year", type=int, help="预填的预算年度")
    importer = command("import", "导入填报工作簿到数据集目录（全部检查通过才写入）")
    importer.add_argument("workbook", type=Path, help=".xlsx 工作簿")
    importer.add_argument("--into", type=Path, required=True, help="数据集目录")
    importer.add_argument(
        "--replace",
        action="store_true",
        help="目录中已有数据集时替换其数据集文件（dataset.yaml、projects.csv、indicators.csv），"
        "目录中的其他文件不动",
    )
    format_option(importer)
    exporter = command("export", "把数据集导出为填报工作簿")
    exporter.add_argument("dataset", type=Path, help="数据集目录")
    exporter.add_argument("--out", type=Path, required=True, help="输出的 .xlsx 文件")
    scoretable = command(
        "scoretable",
        "生成自评表：部门整体支出绩效自评表（.xlsx），或项目支出绩效自评表（.xlsx、.docx）",
    )
    scoretable.add_argument("dataset", type=Path, help="数据集目录")
    scoretable.add_argument(
        "--out", type=Path, required=True, help="输出文件：.xlsx，项目自评表也可为 .docx"
    )
    project_option(scoretable)
    framework_option(scoretable)
    ledger = command("ledger", "按支出明细账汇总各项目月度支出，写入数据集")
    ledger.add_argument(
        "ledger", type=Path, help="明细账（.csv 或 .xlsx）：日期、项目编码、金额（元）、凭证号"
    )
    ledger.add_argument("--into", type=Path, required=True, help="数据集目录")
    format_option(ledger)
    report = command("report", "生成绩效自评报告（Word、HTML 或 PDF，按输出文件扩展名）")
    report.add_argument("dataset", type=Path, help="数据集目录")
    report.add_argument("--out", type=Path, required=True, help="输出文件：.docx、.html 或 .pdf")
    project_option(report)
    framework_option(report)
    monitor = command("monitor", "某月末的预算执行与绩效监控（双监控）：序时进度、预警、月通报")
    monitor.add_argument("dataset", type=Path, help="数据集目录")
    monitor.add_argument(
        "--month", required=True, help="监控月份，如 2023-06（须在数据集的预算年度内）"
    )
    monitor.add_argument("--bulletin", type=Path, help="同时生成月通报：.docx（公文格式）或 .html")
    monitor.add_argument(
        "--review", type=Path, help="同时生成绩效监控表（指标预计完成情况）：.xlsx、.docx 或 .html"
    )
    framework_option(monitor)
    format_option(monitor)
    demo = command("demo", "建立本地数据库，载入参考部门和演示账号，并启动 Web 应用")
    demo.add_argument("--no-serve", action="store_true", help="只载入，不启动服务")
    demo.add_argument("--dataset", type=Path, help="要载入的数据集目录（默认参考数据集）")
    load = command(
        "load",
        "把数据集目录或工作簿载入数据库（每个部门年度全部载入或全不载入；已有的须加 --replace；"
        "一次载入中同一部门年度只载入第一个）",
    )
    load.add_argument(
        "paths", type=Path, nargs="+", metavar="PATH", help="数据集目录、工作簿，或存放它们的目录"
    )
    load.add_argument(
        "--replace",
        action="store_true",
        help="已载入的部门年度按差异更新（与上传工作簿相同：记录保留编号，已提交处室的数据不动）",
    )
    load.add_argument(
        "--framework",
        default=None,
        help=(
            "内置评价体系名称、评价体系 YAML 文件或 installed:名称@版本（默认：Web 应用中为该年度"
            f"设置的评价体系，未设置则 {DEFAULT_FRAMEWORK}）"
        ),
    )
    serve = command("serve", "启动 Web 应用")
    for sub in (demo, serve):
        sub.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
        sub.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="工作进程数（默认 1：单进程多线程）；大于 1 时须使用 PostgreSQL（DATABASE_URL）",
    )
    serve.add_argument(
        "--no-jobs",
        action="store_true",
        help="不启动后台任务工作进程（后台任务另由 jixiao worker 运行）",
    )
    worker = command(
        "worker", "运行后台任务的工作进程（PDF 报告、重新计算等），直到 Ctrl+C 或 SIGTERM"
    )
    worker.add_argument(
        "--processes",
        type=_positive,
        default=1,
        metavar="N",
        help="工作进程数（默认 1）；大于 1 时须使用 PostgreSQL（DATABASE_URL）",
    )
    audit = command("audit", "审计日志")
    audit.add_argument(
        "action",
        choices=("verify", "checkpoint"),
        help="verify：校验签名链；checkpoint：输出当前的签名检查点（请保存在数据库以外）",
    )
    audit.add_argument(
        "--checkpoints",
        type=Path,
        help="verify 时一并核对的检查点文件（每行一个 checkpoint 的输出）",
    )
    backup = command(
        "backup", "备份数据库（SQLite 在线备份，服务运行中也可；PostgreSQL 用 pg_dump）"
    )
    backup.add_argument("out", type=Path, help="备份文件（不能已存在）")
    restore = command("restore", "从备份恢复 SQLite 数据库（先校验备份，原数据库改名保留）")
    restore.add_argument("backup", type=Path, help="jixiao backup 生成的备份文件")
    restore.add_argument(
        "--replace", action="store_true", help="数据库中已有数据时也恢复（原数据库改名保留）"
    )
    recompute = command(
        "recompute",
        "重新计算并保存评价结果（默认只算缺少的和已过时的：评价体系或存储格式有变化）",
    )
    recompute.add_argument("--all", action="store_true", help="全部部门年度都重新计算")
    recompute.add_argument(
        "--background",
        action="store_true",
        help="与 --all 同用：作为后台任务排队，由工作进程逐个部门年度计算（进度见网页）",
    )
    summary = command(
        "summary", "财政局的年度汇总分析报告（各部门得分排名、等级分布、扣分、执行率、复核差异）"
    )
    summary.add_argument("year", type=_year, help="预算年度（2000–2100）")
    summary.add_argument(
        "--out", type=Path, required=True, help="输出文件：.docx（公文格式）或 .html"
    )
    command("sweep-uploads", "删除超过 1 小时仍未确认导入的上传工作簿")
    frameworks = command(
        "frameworks", "列出评价体系（内置的；--installed 时另列财政局在网页中安装的）"
    )
    frameworks.add_argument(
        "--installed",
        action="store_true",
        help="另列数据库（JIXIAO_HOME 或 DATABASE_URL）中安装的评价体系版本及其适用年度",
    )
    frameworks.add_argument(
        "--show",
        metavar="REFERENCE",
        help="输出一个评价体系的 YAML 文件：内置名称或 installed:<名称>@<版本>",
    )
    return parser


def _date(given: str) -> date:
    try:
        return date.fromisoformat(given)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为日期 YYYY-MM-DD，现为“{given}”") from None


def _year(given: str) -> int:
    if not given.isdigit() or not 2000 <= int(given) <= 2100:
        raise argparse.ArgumentTypeError(f"“{given}”不是 2000–2100 之间的年度")
    return int(given)


def _positive(given: str) -> int:
    if not given.isdecimal() or int(given) < 1:
        raise argparse.ArgumentTypeError(f"须为正整数，现为“{given}”")
    return int(given)


def _print_problems(problems: Sequence[Problem], output_format: str) -> None:
    if output_format == "json":
        print(
            json.dumps({"problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2)
        )
        return
    errors = errors_in(problems)
    stream = sys.stderr if errors else sys.stdout
    for problem in problems[:TEXT_LIMIT]:
        print(f"[{problem.code}] {problem}", file=stream)
    if len(problems) > TEXT_LIMIT:
        print(
            f"……另有 {len(problems) - TEXT_LIMIT} 个问题未列出（--format json 可列出全部）。",
            file=stream,
        )
    if errors:
        print(f"共 {len(errors)} 个错误。", file=stream)


def _load(
    arguments: argparse.Namespace, problems: list[Problem], subject: Subject = DEPARTMENT
) -> tuple[Framework | None, Dataset | None]:
    """The framework (``--framework``, else the default for ``subject``'s kind) and the data
    set; None for either that cannot be read, with its problems added to ``problems``."""
    dataset: Dataset | None = None
    default = DEFAULT_PROJECT_FRAMEWORK if subject.is_project else DEFAULT_FRAMEWORK
    framework = _load_framework(arguments.framework or default, problems)
    try:
        dataset = load_dataset(arguments.dataset)
    except ProblemsFound as error:
        problems.extend(error.problems)
    return framework, dataset


def _load_framework(name: str, problems: list[Problem]) -> Framework | None:
    try:
        return load_framework(name)
    except ProblemsFound as error:
        problems.extend(error.problems)
        return None


def _load_subject(
    arguments: argparse.Namespace, problems: list[Problem]
) -> tuple[Framework | None, Dataset | None, Subject]:
    """As :func:`_load`, for the subject ``--project`` names (or the data set's default):
    the framework is the default for the subject's kind unless ``--framework`` names one."""
    try:
        dataset = load_dataset(arguments.dataset)
    except ProblemsFound as error:  # the framework's problems too, in one go
        _load_framework(arguments.framework or DEFAULT_FRAMEWORK, problems)
        problems.extend(error.problems)
        return None, None, DEPARTMENT
    subject = named_subject(dataset, arguments.project)
    if isinstance(subject, str):
        problems.append(
            Problem(ProblemCode.E_UNKNOWN_PROJECT, subject, SourceLocation(str(arguments.dataset)))
        )
        return None, dataset, DEPARTMENT
    framework, _ = _load(arguments, problems, subject)
    return framework, dataset, subject


def _cohort(
    arguments: argparse.Namespace, framework: Framework, dataset: Dataset
) -> tuple[Cohort | None, list[dict[str, object]]] | None:
    """The cohort's figures from ``--cohort FOLDER`` (``None`` without it) and the members left
    out; ``None`` with every problem printed when the cohort cannot be used."""
    folder: Path | None = getattr(arguments, "cohort", None)
    if folder is None:
        alone = [
            option
            for option, given in (
                ("--cohort-name", getattr(arguments, "cohort_name", None)),
                ("--cut-off", getattr(arguments, "cut_off", None)),
                ("--skip-unreadable", getattr(arguments, "skip_unreadable", False)),
            )
            if given
        ]
        if alone:
            print(f"{'、'.join(alone)} 须与 --cohort FOLDER 一起使用。", file=sys.stderr)
            return None
        return None, []
    read = read_cohort_folder(folder)
    if read.problems:
        _print_problems(read.problems, arguments.format)
        return None
    skipped: list[dict[str, object]] = [
        {
            "file": str(member.path),
            "problems": [problem.as_dict() for problem in member.problems],
        }
        for member in read.unreadable
    ]
    if read.unreadable and arguments.format == "text":
        for member in read.unreadable:
            print(
                f"[E-COHORT] 同批部门的数据集无法读取：{member.path}"
                f"（{len(member.problems)} 个错误）",
                file=sys.stderr,
            )
            for problem in member.problems[:TEXT_LIMIT]:
                print(f"    [{problem.code}] {problem}", file=sys.stderr)
    if read.unreadable and not arguments.skip_unreadable:
        if arguments.format == "json":
            print(json.dumps({"cohort_unreadable": skipped}, ensure_ascii=False, indent=2))
        else:
            print(
                f"同批部门中 {len(read.unreadable)} 个数据集无法读取，未评价：每个部门的排名取决于"
                "同批的全部部门。改正后重试；或加 --skip-unreadable 不计入它们而继续评价。",
                file=sys.stderr,
            )
        return None
    if read.unreadable and arguments.format == "text":
        print(
            f"同批部门中 {len(read.unreadable)} 个数据集无法读取，"
            "未计入排名（--skip-unreadable）。",
            file=sys.stderr,
        )
    try:
        cohort = cohort_figures(
            [member for _, member in read.datasets],
            framework,
            name=arguments.cohort_name or folder.resolve().name,
            cut_off=arguments.cut_off or date.today(),
            fiscal_year=dataset.fiscal_year,
        )
    except ProblemsFound as error:
        _print_problems(error.problems, arguments.format)
        return None
    return cohort, skipped


def _validate(arguments: argparse.Namespace) -> int:
    """Every problem of the data set and of each evaluation it holds (or the one named)."""
    problems: list[Problem] = []
    try:
        dataset = load_dataset(arguments.dataset)
    except ProblemsFound as error:
        _load_framework(arguments.framework or DEFAULT_FRAMEWORK, problems)
        problems.extend(error.problems)
        _print_problems(problems, arguments.format)
        return 1
    if arguments.project is not None:
        named = named_subject(dataset, arguments.project)
        if isinstance(named, str):
            problems.append(
                Problem(
                    ProblemCode.E_UNKNOWN_PROJECT, named, SourceLocation(str(arguments.dataset))
                )
            )
        subjects: tuple[Subject, ...] = () if isinstance(named, str) else (named,)
    else:
        subjects = subjects_of(dataset) or (DEPARTMENT,)
    for subject in subjects:
        framework, _ = _load(arguments, problems, subject)
        if framework is not None:
            problems.extend(evaluate(dataset, framework, subject=subject).problems)
    problems = list(dict.fromkeys(problems))
    _print_problems(problems, arguments.format)
    if not errors_in(problems) and arguments.format == "text":
        summary = (
            f"数据集有效：{dataset.department.name} {dataset.fiscal_year} 年度，"
            f"{len(dataset.projects)} 个项目，{len(dataset.indicators)} 个指标"
        )
        if subjects != (DEPARTMENT,):
            summary += "；评价：" + "、".join(
                "部门整体" if not s.is_project else f"项目“{s.name}”" for s in subjects
            )
        print(summary + "。")
    return 1 if errors_in(problems) else 0


def _evaluate(arguments: argparse.Namespace) -> int:
    problems: list[Problem] = []
    framework, dataset, subject = _load_subject(arguments, problems)
    if framework is None or dataset is None:
        _print_problems(problems, arguments.format)
        return 1
    given = _cohort(arguments, framework, dataset)
    if given is None:
        return 1
    cohort, skipped = given
    evaluation = evaluate(dataset, framework, cohort, subject=subject)
    problems.extend(evaluation.problems)
    if errors_in(problems):
        _print_problems(problems, arguments.format)
        return 1
    if arguments.format == "json":
        if cohort is None:
            print(evaluation_to_json(evaluation))
        else:
            shown = evaluation_as_dict(evaluation, cohort)
            shown["cohort"]["unreadable"] = skipped  # the members left out, with their errors
            print(json.dumps(shown, ensure_ascii=False, indent=2))
    else:
        print(render_text(evaluation, detail=arguments.detail, cohort=cohort))
    return 0


def _template(arguments: argparse.Namespace) -> int:
    write_workbook(None, arguments.out, fiscal_year=arguments.year)
    print(f"已生成空白填报工作簿：{arguments.out}")
    return 0


def _import(arguments: argparse.Namespace) -> int:
    dataset, problems = read_workbook(arguments.workbook)
    if dataset is None or errors_in(problems):
        _print_problems(problems, arguments.format)
        if arguments.format == "text":
            print(f"未写入：{arguments.into} 保持不变。", file=sys.stderr)
        return 1
    if not _write(dataset, arguments.into, replace=arguments.replace, output=arguments.format):
        return 1
    if arguments.format == "json":
        print(
            json.dumps(
                {
                    "written": str(arguments.into),
                    "projects": len(dataset.projects),
                    "indicators": len(dataset.indicators),
                    "problems": [p.as_dict() for p in problems],
                },
                ensure_ascii=False,
            )
        )
    else:
        _print_problems(problems, "text")
        print(
            f"已导入 {dataset.department.name} {dataset.fiscal_year} 年度："
            f"{len(dataset.projects)} 个项目，{len(dataset.indicators)} 个指标 → {arguments.into}"
        )
    return 0


def _write(dataset: Dataset, folder: Path, *, replace: bool, output: str) -> bool:
    """Write the data-set files into ``folder``; False, with the reason printed, when the
    folder is refused or cannot be written (the files there are then as they were)."""
    try:
        write_dataset(dataset, folder, replace=replace)
    except FolderRefused as error:
        _print_problems([error.problem], output)
        return False
    except OSError as error:
        reason = f"无法写入（{error.strerror or error}），目录中原有的文件保持不变"
        _print_problems([Problem("E-WRITE", reason, SourceLocation(str(folder)))], output)
        return False
    return True


def _export(arguments: argparse.Namespace) -> int:
    try:
        dataset = load_dataset(arguments.dataset)
    except ProblemsFound as error:
        _print_problems(error.problems, "text")
        return 1
    write_workbook(dataset, arguments.out)
    print(f"已导出：{arguments.out}")
    return 0


def _evaluated(arguments: argparse.Namespace) -> tuple[Dataset, Evaluation] | None:
    """The data set and its evaluation; None, with every problem printed, when either fails."""
    problems: list[Problem] = []
    framework, dataset, subject = _load_subject(arguments, problems)
    if framework is None or dataset is None:
        _print_problems(problems, "text")
        return None
    evaluation = evaluate(dataset, framework, subject=subject)
    if errors_in(evaluation.problems):
        _print_problems(evaluation.problems, "text")
        return None
    return dataset, evaluation


def _scoretable(arguments: argparse.Namespace) -> int:
    evaluated = _evaluated(arguments)
    if evaluated is None:
        return 1
    dataset, evaluation = evaluated
    suffix = arguments.out.suffix.lower()
    if evaluation.subject.is_project and suffix in (".xlsx", ".docx"):
        form = project_form(dataset, evaluation)
        (write_form_xlsx if suffix == ".xlsx" else write_form_docx)(form, arguments.out)
    elif suffix == ".xlsx":
        write_scoretable(dataset, evaluation, arguments.out)
    else:
        allowed = ".xlsx 或 .docx" if evaluation.subject.is_project else ".xlsx"
        print(
            f"不支持的自评表格式“{arguments.out.suffix}”：输出文件须以 {allowed} 结尾。",
            file=sys.stderr,
        )
        return 1
    print(f"已生成自评表：{arguments.out}（总分 {evaluation.score}，等级 {evaluation.grade}）")
    return 0


def _ledger(arguments: argparse.Namespace) -> int:
    try:
        dataset = load_dataset(arguments.into)
    except ProblemsFound as error:
        _print_problems(error.problems, arguments.format)
        return 1
    result = read_ledger(
        arguments.ledger,
        fiscal_year=dataset.fiscal_year,
        projects=[project.code for project in dataset.projects],
        show_progress=sys.stderr.isatty() and arguments.format == "text",
    )
    problems = list(result.problems)
    updated = apply_ledger(dataset, result.monthly)
    if not errors_in(problems):
        problems += validate_dataset(updated)
    if errors_in(problems):
        _print_problems(problems, arguments.format)
        if arguments.format == "text":
            print(f"未写入：{arguments.into} 保持不变。", file=sys.stderr)
        return 1
    if not _write(updated, arguments.into, replace=True, output=arguments.format):
        return 1  # the data set read above could not be replaced by its update
    untouched = [p.code for p in dataset.projects if p.code not in result.monthly]
    if arguments.format == "json":
        print(
            json.dumps(
                {
                    "rows": result.rows,
                    "projects": len(result.monthly),
                    "projects_without_entries": untouched,
                },
                ensure_ascii=False,
            )
        )
    else:
        summary = f"已汇总 {result.rows} 笔支出到 {len(result.monthly)} 个项目的月度支出"
        print(f"{summary} → {arguments.into}")
        if untouched:
            print(f"明细账中没有记录、支出保持不变的项目：{'、'.join(untouched)}")
    return 0


def _report(arguments: argparse.Namespace) -> int:
    writers = {".docx": write_docx, ".html": write_html, ".htm": write_html, ".pdf": write_pdf}
    writer = writers.get(arguments.out.suffix.lower())
    if writer is None:
        print(
            f"不支持的报告格式“{arguments.out.suffix}”：输出文件须以 .docx、.html 或 .pdf 结尾。",
            file=sys.stderr,
        )
        return 1
    evaluated = _evaluated(arguments)
    if evaluated is None:
        return 1
    dataset, evaluation = evaluated
    try:
        writer(build_report(dataset, evaluation), arguments.out)
    except (NoChineseFont, PdfUnavailable) as error:
        print(str(error), file=sys.stderr)
        return 1
    print(f"已生成报告：{arguments.out}（总分 {evaluation.score}，等级 {evaluation.grade}）")
    return 0


def _monitor(arguments: argparse.Namespace) -> int:
    from jixiao.core.monitoring import monitor_month

    problems: list[Problem] = []
    framework, dataset = _load(arguments, problems)
    if framework is None or dataset is None:
        _print_problems(problems, arguments.format)
        return 1
    month = _month_of(arguments.month, dataset.fiscal_year)
    if isinstance(month, str):
        print(month, file=sys.stderr)
        return 1
    try:
        monthly = monitor_month(dataset, framework, month)
    except ProblemsFound as error:
        _print_problems(error.problems, arguments.format)
        return 1
    for path, kinds in ((arguments.bulletin, (".docx", ".html")),
                        (arguments.review, (".xlsx", ".docx", ".html"))):  # fmt: skip
        if path is not None and path.suffix.lower() not in kinds:
            print(f"不支持的输出格式：{path.name}（可用 {'、'.join(kinds)}）", file=sys.stderr)
            return 1
    if arguments.format == "json":
        print(render_monitoring_json(monthly.report, monthly.changes))
    else:
        print(render_monitoring_text(monthly.report, monthly.changes))
    if arguments.bulletin is not None:
        bulletin = build_bulletin(monthly.report, monthly.changes, monthly.department_by_month)
        writer = write_docx if arguments.bulletin.suffix.lower() == ".docx" else write_html
        writer(bulletin, arguments.bulletin)
        print(f"已生成月通报：{arguments.bulletin}", file=sys.stderr)
    if arguments.review is not None:
        suffix = arguments.review.suffix.lower()
        if suffix == ".xlsx":
            write_review_xlsx(monthly.report, arguments.review)
        else:
            (write_docx if suffix == ".docx" else write_html)(
                build_review(monthly.report), arguments.review
            )
        print(f"已生成绩效监控表：{arguments.review}", file=sys.stderr)
    return 0


def _month_of(text: str, fiscal_year: int) -> int | str:
    """The month of ``YYYY-MM`` within ``fiscal_year``, or the reason it is not."""
    year, _, month = text.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return f"监控月份应写成 YYYY-MM（如 {fiscal_year}-06），实际是“{text}”"
    if int(year) != fiscal_year:
        return f"监控月份 {text} 不在数据集的预算年度 {fiscal_year} 年内"
    return int(month)


def _demo(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    folder = arguments.dataset or runtime.reference_dataset()
    runtime.setup()
    from jixiao.web.demo import ACCOUNTS, PASSWORD, load_demo

    try:
        dataset = load_dataset(folder)
    except ProblemsFound as error:
        _print_problems(error.problems, "text")
        return 1
    runtime.migrate()
    evaluation = load_demo(dataset, folder.name)
    from django.conf import settings

    database = settings.DATABASES["default"]["NAME"]
    print(f"已载入 {evaluation}（{len(dataset.projects)} 个项目）→ {database}")
    from django.contrib.auth import get_user_model

    active = set(get_user_model().objects.filter(is_active=True).values_list("username", flat=True))
    accounts = "、".join(name for name, *_ in ACCOUNTS if name in active)
    print(f"演示账号（密码均为 {PASSWORD}）：{accounts}")
    if not arguments.no_serve:
        runtime.serve(arguments.host, arguments.port)
    return 0


def _load_into_database(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    runtime.migrate()
    from tqdm import tqdm

    from jixiao.web.loading import Outcome, load, sources

    found = list(sources(arguments.paths))
    refused = 0
    earlier: dict[str, Path] = {}  # the department-years loaded in this run: each once
    progress = tqdm(found, desc="载入", unit="个", file=sys.stderr, disable=len(found) < 2)
    for path in progress:
        loaded = load(
            path, replace=arguments.replace, framework=arguments.framework, earlier=earlier
        )
        progress.write(loaded.summary(), file=sys.stdout)
        if loaded.outcome is Outcome.REFUSED:
            refused += 1
            _print_problems(errors_in(loaded.problems), "text")
    if len(found) > 1:
        print(f"共 {len(found)} 个：载入 {len(found) - refused} 个，未载入 {refused} 个。")
    return 1 if refused else 0


def _serve(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    from django.conf import settings

    runtime.check_workers(arguments.workers, settings.DATABASES["default"]["ENGINE"])
    runtime.migrate()
    runtime.serve(arguments.host, arguments.port, arguments.workers, jobs=not arguments.no_jobs)
    return 0


def _worker(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    from django.conf import settings

    runtime.check_job_workers(arguments.processes, settings.DATABASES["default"]["ENGINE"])
    runtime.check_migrated()
    from jixiao.web.jobs.worker import run_many, run_one

    if arguments.processes == 1:
        run_one()
    else:
        run_many(arguments.processes)
    return 0


def _audit(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    runtime.migrate()
    from jixiao.web.audit.models import AuditEvent
    from jixiao.web.audit.services import current_checkpoint, verify_chain, verify_checkpoint

    if arguments.action == "checkpoint":
        print(current_checkpoint())
        return 0
    broken = verify_chain()
    if broken is not None:
        print(f"审计日志校验失败：{broken.describe()}。", file=sys.stderr)
        return 1
    if arguments.checkpoints and not arguments.checkpoints.is_file():
        print(f"找不到检查点文件：{arguments.checkpoints}", file=sys.stderr)
        return 1
    checkpoints = _checkpoint_lines(arguments.checkpoints) if arguments.checkpoints else []
    failed = [why for why in map(verify_checkpoint, checkpoints) if why is not None]
    for why in failed:
        print(f"审计日志校验失败：{why}。", file=sys.stderr)
    if failed:
        return 1
    held = f"，{len(checkpoints)} 个检查点均相符" if checkpoints else ""
    print(f"审计日志完整：共 {AuditEvent.objects.count()} 条事件，签名链无断裂{held}。")
    return 0


def _checkpoint_lines(path: Path) -> list[str]:
    """The checkpoint lines of a file (other lines, e.g. the rest of a system log, skipped)."""
    from jixiao.web.audit.services import CHECKPOINT_PREFIX

    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        line[line.index(CHECKPOINT_PREFIX) :].strip()
        for line in text.splitlines()
        if CHECKPOINT_PREFIX in line
    ]


def _backup(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    from jixiao.web.backups import BackupRefused, backup

    try:
        made = backup(arguments.out)
    except BackupRefused as error:
        print(f"{error}。", file=sys.stderr)
        return 1
    if made.audit is None:
        print(f"已用 pg_dump 备份 PostgreSQL 数据库 {made.database} → {made.out}（custom 格式）")
        return 0
    if made.audit.broken is not None:
        print(
            f"备份已写入 {made.out}，但审计日志校验失败：{made.audit.broken}。"
            "该备份如实保留了数据库现状，jixiao restore 不会恢复它。",
            file=sys.stderr,
        )
        return 1
    print(
        f"已备份 {made.database} → {made.out}：审计日志共 {made.audit.events} 条事件，"
        "签名链无断裂（登录会话不备份）。"
    )
    return 0


def _restore(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    from jixiao.web.backups import BackupRefused, restore

    try:
        restored = restore(arguments.backup, replace=arguments.replace)
    except BackupRefused as error:
        print(f"{error}。", file=sys.stderr)
        return 1
    print(
        f"已恢复 {arguments.backup} → {restored.database}：审计日志共 {restored.audit.events} "
        "条事件，签名链无断裂。"
    )
    if restored.kept is not None:
        print(f"原数据库保留为 {restored.kept}。")
    return 0


def _recompute(arguments: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    runtime.migrate()
    from tqdm import tqdm

    from jixiao.web.organizations.models import SelfEvaluation
    from jixiao.web.results.store import needs_refresh, refresh_now

    if arguments.background:
        return _recompute_in_background(arguments)
    records = list(SelfEvaluation.objects.select_related("department").order_by("pk"))
    chosen = [r for r in records if arguments.all or needs_refresh(r)]
    failed = 0
    for record in tqdm(chosen, desc="计算", unit="个", file=sys.stderr, disable=len(chosen) < 2):
        try:
            refresh_now(record)
        except ProblemsFound as error:  # its framework cannot be read: the others go on
            failed += 1
            print(f"{record}：未能计算", file=sys.stderr)
            _print_problems(error.problems, "text")
    done = len(chosen) - failed
    print(f"已重新计算 {done} 个部门年度的评价结果（共 {len(records)} 个）。")
    return 1 if failed else 0


def _recompute_in_background(arguments: argparse.Namespace) -> int:
    if not arguments.all:
        print("--background 须与 --all 同用", file=sys.stderr)
        return 1
    from jixiao.web.jobs.services import queue_recompute_all

    job = queue_recompute_all(None)
    print(
        f"已提交后台任务 #{job.pk}：由工作进程逐个部门年度重新计算"
        "（进度见网页“后台任务”，财政局审核人和系统管理员可见）。"
    )
    return 0


def _summary(arguments: argparse.Namespace) -> int:
    suffix = arguments.out.suffix.lower()
    if suffix not in (".docx", ".html", ".htm"):
        print(
            f"不支持的报告格式“{arguments.out.suffix}”：输出文件须以 .docx 或 .html 结尾。",
            file=sys.stderr,
        )
        return 1
    from jixiao.web import runtime

    runtime.setup()
    runtime.migrate()
    from jixiao.adapters.report.summary import build_summary
    from jixiao.adapters.report.summary_html import write_summary_html
    from jixiao.adapters.report.summary_word import write_summary_docx
    from jixiao.web.summary import year_summary

    summary = year_summary(arguments.year)
    if not summary.departments:
        print(f"数据库中没有 {arguments.year} 年度的评价结果。", file=sys.stderr)
        return 1
    report = build_summary(summary)
    try:
        if suffix == ".docx":
            write_summary_docx(report, arguments.out)
        else:
            write_summary_html(report, arguments.out)
    except NoChineseFont as error:
        print(str(error), file=sys.stderr)
        return 1
    draft = "（草稿：部分部门的数据尚有错误或不能评分）" if summary.is_draft else ""
    print(
        f"已生成 {arguments.year} 年度汇总分析报告：{arguments.out}"
        f"（{summary.departments} 个部门，{summary.scored} 个已评分）{draft}"
    )
    return 0


def _sweep_uploads(_: argparse.Namespace) -> int:
    from jixiao.web import runtime

    runtime.setup()
    from jixiao.web.uploads import sweep

    print(f"已删除 {sweep()} 个超过 1 小时仍未确认导入的上传工作簿。")
    return 0


def _frameworks(arguments: argparse.Namespace) -> int:
    shown: str = arguments.show or ""
    if arguments.installed or shown.startswith("installed:"):
        from jixiao.web import runtime

        runtime.setup()
        runtime.migrate()
    if shown:
        try:
            content = framework_file(shown)[1]
        except ProblemsFound as error:
            _print_problems(error.problems, "text")
            return 1
        sys.stdout.buffer.write(content)
        return 0
    for name in builtin_framework_names():
        builtin = load_framework(name)
        print(f"{name}\t{builtin.name}（{builtin.version}）")
    if arguments.installed:
        _print_installed_frameworks()
    return 0


def _print_installed_frameworks() -> None:
    """Every installed version, newest first per name: its reference, title, who installed it
    and when, and the years (groups) assigned to it."""
    from django.utils import timezone

    from jixiao.web.frameworks.models import FrameworkAssignment, InstalledFramework

    assigned: dict[str, list[str]] = {}
    for assignment in FrameworkAssignment.objects.select_related("group").order_by(
        "fiscal_year", "group__name"
    ):
        scope = assignment.group.name if assignment.group is not None else "全部部门"
        assigned.setdefault(assignment.framework, []).append(f"{assignment.fiscal_year} {scope}")
    installed = InstalledFramework.objects.select_related("installed_by").defer("content")
    if not installed:
        print("（数据库中没有安装的评价体系）")
    for found in installed:
        at = timezone.localtime(found.installed_at).strftime("%Y-%m-%d %H:%M")
        scopes = "；".join(assigned.get(found.reference, [])) or "未设置适用年度"
        print(
            f"{found.reference}\t{found.title}（{found.installed_by.username} 于 {at} 安装；"
            f"{scopes}）"
        )


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "evaluate": _evaluate,
    "validate": _validate,
    "template": _template,
    "import": _import,
    "export": _export,
    "scoretable": _scoretable,
    "ledger": _ledger,
    "report": _report,
    "monitor": _monitor,
    "demo": _demo,
    "load": _load_into_database,
    "serve": _serve,
    "worker": _worker,
    "audit": _audit,
    "backup": _backup,
    "restore": _restore,
    "recompute": _recompute,
    "summary": _summary,
    "sweep-uploads": _sweep_uploads,
    "frameworks": _frameworks,
}


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](arguments)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except SetupProblem as problem:
        print(f"jixiao 无法启动：{problem}", file=sys.stderr)
        return 1
    except Exception:
        if os.environ.get("JIXIAO_DEBUG"):
            traceback.print_exc()
        print("jixiao 内部错误，请设置 JIXIAO_DEBUG=1 后重试并报告问题。", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
