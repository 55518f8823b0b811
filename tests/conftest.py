from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from jixiao.adapters.dataset_files import load_dataset
from jixiao.adapters.frameworks import load_framework
from jixiao.cli import main
from jixiao.core.evaluation import evaluate
from jixiao.core.framework import Framework
from jixiao.core.model import Dataset
from jixiao.core.result import Evaluation

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "guangzhou-commerce-2023"
DATA = Path(__file__).resolve().parent / "data"


def digest(folder: Path) -> dict[str, str]:
    """A fingerprint of every file in ``folder``, to show that nothing was written."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="session")
def reference_dataset() -> Dataset:
    return load_dataset(REFERENCE)


@pytest.fixture(scope="session")
def reference_framework() -> Framework:
    return load_framework("guangzhou-department-overall-2023")


@pytest.fixture(scope="session")
def reference_evaluation(reference_dataset: Dataset, reference_framework: Framework) -> Evaluation:
    return evaluate(reference_dataset, reference_framework)


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def run(*arguments: str) -> CliResult:
        code = main(list(arguments))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    """A writable copy of the reference data set."""
    target = tmp_path / "dataset"
    shutil.copytree(REFERENCE, target)
    return target
