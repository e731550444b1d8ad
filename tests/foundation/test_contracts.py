"""The import-linter contracts in pyproject.toml hold, and they would catch a break.

`make lint` runs `lint-imports` on the tree; here the same contracts are run on a copy of the tree
with one import that goes the wrong way, which must fail and name the contract it broke. And the
map (docs/ARCHITECTURE.md) may name only packages that exist, while bot/'s root stays small.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    for package in ("bot", "handlers", "bench"):
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree)
    return tree


def test_contracts_hold_on_the_tree(tree_copy: Path) -> None:
    result = _lint_imports(tree_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)
    assert kept, result.stdout
    assert int(kept.group(1)) >= 7, result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "contract"),
    [
        # The clock reaching up into a domain: a shared package must know none.
        ("bot/time/zones.py", "import bot.incidents.service", "know no domain"),
        # A domain service importing the Slack edge.
        ("bot/features/service.py", "import handlers.router", "never import the Slack edge"),
        # The running bot importing the test sandbox.
        ("bot/incidents/service.py", "import bot.sandbox.stack", "never imported by the running"),
        # A service reaching the composition root.
        ("bot/timeline/service.py", "import bot.services", "reach the composition root"),
        # Time handling reaching up to the HTTP plumbing: a lower layer importing a higher one.
        ("bot/time/zones.py", "import bot.plumbing.http", "nothing lower imports higher"),
        # A service calling another domain's workflow.
        ("bot/similar/service.py", "import bot.paging.flows", "flows are imported only"),
        # Paging learning about the status page.
        ("bot/paging/service.py", "import bot.statuspage.service", "need not know each other"),
        # A chart reading the database instead of the values handed to it.
        ("bot/charts/impact.py", "import bot.store.tables", "draw the values handed"),
    ],
)
def test_one_wrong_import_breaks_a_contract(
    tmp_path: Path, tree_copy: Path, module: str, bad_import: str, contract: str
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(tree_copy, tree)
    path = tree / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{bad_import}  # wrong way\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    assert "1 broken" in result.stdout or "broken" in result.stdout
    assert contract in " ".join(result.stdout.split()), result.stdout


def test_every_ignored_import_says_why() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for block in re.findall(r"ignore_imports = \[(.*?)\n\]", text, re.S):
        lines = [line.strip() for line in block.strip().splitlines()]
        for i, line in enumerate(lines):
            if line.startswith('"'):
                # Its comment is above it (several entries may share one).
                above = [prev for prev in lines[:i] if prev.startswith("#")]
                assert above, f"{line} has no comment saying why"


def test_the_map_names_only_packages_that_exist() -> None:
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:bot|handlers)(?:/[a-z0-9_]+)+)/`", text))
    assert len(named) >= 15, named
    missing = sorted(name for name in named if not (ROOT / name).is_dir())
    assert not missing, f"docs/ARCHITECTURE.md names folders that do not exist: {missing}"
    packages = {str(path.parent.relative_to(ROOT)) for path in (ROOT / "bot").glob("*/__init__.py")}
    unnamed = sorted(packages - named)
    assert not unnamed, f"packages missing from docs/ARCHITECTURE.md: {unnamed}"


def test_bot_root_keeps_at_most_eight_modules() -> None:
    modules = sorted(path.name for path in (ROOT / "bot").glob("*.py"))
    assert len(modules) <= 8, modules


def test_every_package_says_its_job() -> None:
    for init in sorted([*(ROOT / "bot").rglob("__init__.py"), ROOT / "handlers/__init__.py"]):
        source = init.read_text(encoding="utf-8")
        assert source.lstrip().startswith(('"""', 'r"""')), f"{init.parent.name} has no docstring"
