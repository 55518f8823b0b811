"""The ``jixiao`` command.

    jixiao evaluate DATASET [--framework NAME_OR_FILE] [--format text|json] [--detail]
    jixiao validate DATASET [--framework NAME_OR_FILE] [--format text|json]
    jixiao frameworks

Exit codes: 0 success, 1 problems in the input (all listed), 2 an internal error (no traceback
is shown; run with JIXIAO_DEBUG=1 to see it).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.frameworks import DEFAULT_FRAMEWORK, builtin_framework_names, load_framework
from jixiao.adapters.render_json import evaluation_to_json
from jixiao.adapters.render_text import render_text
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import Framework
from jixiao.core.model import Dataset
from jixiao.core.problems import Problem, ProblemsFound, errors_in


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jixiao", description="jixiao 预算绩效管理")
    commands = parser.add_subparsers(dest="command", required=True, metavar="命令")

    def dataset_command(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument("dataset", type=Path, help="数据集目录")
        command.add_argument(
            "--framework",
            default=DEFAULT_FRAMEWORK,
            help=f"内置评价体系名称或评价体系 YAML 文件（默认 {DEFAULT_FRAMEWORK}）",
        )
        command.add_argument(
            "--format", choices=("text", "json"), default="text", help="输出格式（默认 text）"
        )
        return command

    evaluate_command = dataset_command("evaluate", "评价数据集并输出得分树")
    evaluate_command.add_argument(
        "--detail", action="store_true", help="列出全部指标的得分说明和表 2-1 全部项目"
    )
    dataset_command("validate", "检查数据集，列出全部问题")
    commands.add_parser("frameworks", help="列出内置评价体系")
    return parser


def _print_problems(problems: Sequence[Problem], output_format: str) -> None:
    if output_format == "json":
        print(
            json.dumps({"problems": [p.as_dict() for p in problems]}, ensure_ascii=False, indent=2)
        )
        return
    errors = errors_in(problems)
    stream = sys.stderr if errors else sys.stdout
    for problem in problems:
        print(f"[{problem.code}] {problem}", file=stream)
    if errors:
        print(f"共 {len(errors)} 个错误。", file=stream)


def _run(arguments: argparse.Namespace) -> int:
    if arguments.command == "frameworks":
        for name in builtin_framework_names():
            builtin = load_framework(name)
            print(f"{name}\t{builtin.name}（{builtin.version}）")
        return 0
    problems: list[Problem] = []
    framework: Framework | None = None
    dataset: Dataset | None = None
    try:
        framework = load_framework(arguments.framework)
    except ProblemsFound as error:
        problems.extend(error.problems)
    try:
        dataset = load_dataset(arguments.dataset)
    except ProblemsFound as error:
        problems.extend(error.problems)
    if framework is None or dataset is None:
        _print_problems(problems, arguments.format)
        return 1
    evaluation = evaluate(dataset, framework)
    problems.extend(evaluation.problems)
    if arguments.command == "validate":
        _print_problems(problems, arguments.format)
        if not errors_in(problems) and arguments.format == "text":
            print(
                f"数据集有效：{dataset.department.name} {dataset.fiscal_year} 年度，"
                f"{len(dataset.projects)} 个项目，{len(dataset.indicators)} 个指标。"
            )
        return 1 if errors_in(problems) else 0
    if errors_in(problems):
        _print_problems(problems, arguments.format)
        return 1
    if arguments.format == "json":
        print(evaluation_to_json(evaluation))
    else:
        print(render_text(evaluation, detail=arguments.detail))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return _run(arguments)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception:
        if os.environ.get("JIXIAO_DEBUG"):
            traceback.print_exc()
        print("jixiao 内部错误，请设置 JIXIAO_DEBUG=1 后重试并报告问题。", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
