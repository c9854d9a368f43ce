"""The README and docs/ stay navigable: links resolve, every page is reachable, named commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]

FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
COMMAND = re.compile(r"manage\.py\s+([a-z][a-z0-9_]*)")


def prose(path: Path) -> str:
    """The text outside code blocks and code spans, where a markdown link is a link."""
    return CODE_SPAN.sub("", FENCE.sub("", path.read_text()))


def links(path: Path) -> list[str]:
    return [target for target in LINK.findall(prose(path)) if not re.match(r"[a-z]+:", target)]


def anchors(path: Path) -> set[str]:
    """GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+\s+(.+)$", FENCE.sub("", path.read_text()), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-") for heading in headings}


def resolve(page: Path, target: str) -> tuple[Path, str]:
    name, _, anchor = target.partition("#")
    return (page.parent / name).resolve() if name else page, anchor


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_it_finds_every_linked_file_and_anchor(page):
    broken = []
    for target in links(page):
        path, anchor = resolve(page, target)
        missing_anchor = anchor and path.suffix == ".md" and path.exists() and anchor not in anchors(path)
        if not path.exists() or missing_anchor:
            broken.append(target)
    assert broken == [], f"{page.name}: broken links {broken}"


def test_it_links_every_docs_page_from_the_readme():
    linked = {resolve(README, target)[0] for target in links(README)}
    assert [page.name for page in DOCS if page not in linked] == []


def test_it_names_only_management_commands_that_exist():
    named = {command for page in PAGES for command in COMMAND.findall(page.read_text())}
    assert named, "the docs name no manage.py command: the pattern no longer matches"
    assert sorted(named - set(get_commands())) == []


def test_it_lists_every_project_command_in_the_operations_page():
    project = {name for name, app in get_commands().items() if (ROOT / app.replace(".", "/")).is_dir()}
    table = (ROOT / "docs" / "operations.md").read_text()
    assert sorted(name for name in project if f"| `{name}` |" not in table) == []


def test_it_names_every_env_example_variable_in_the_configuration_page():
    variables = re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    reference = (ROOT / "docs" / "configuration.md").read_text()
    assert [name for name in variables if f"`{name}`" not in reference] == []
