"""`vulndesk --help` lists every command with one line of help, and README's CLI section
documents every command and subcommand the parser has (and nothing it does not)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from vulndesk.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _subcommands(
    parser: argparse.ArgumentParser,
) -> argparse._SubParsersAction[argparse.ArgumentParser] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def parser_commands() -> dict[tuple[str, ...], str]:
    """Every command path (("report", "create"), ("mail", "key", "generate"), …) -> its help."""
    found: dict[tuple[str, ...], str] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        sub = _subcommands(parser)
        if sub is None:
            return
        helps = {a.dest: a.help or "" for a in sub._choices_actions}
        for name, child in sub.choices.items():
            found[(*path, name)] = helps.get(name, "")
            walk(child, (*path, name))

    walk(build_parser(), ())
    return found


def readme_commands() -> set[tuple[str, ...]]:
    """Command paths named in README's CLI code blocks: `vulndesk a b|c KEY | d …`."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## The CLI\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.DOTALL)
    word = re.compile(r"^[a-z][a-z0-9-]*(\|[a-z][a-z0-9-]*)*$")
    paths: set[tuple[str, ...]] = set()
    for raw in "\n".join(blocks).splitlines():
        line = raw.split("  #", 1)[0].strip()
        if not line.startswith("vulndesk "):
            continue
        tokens = line.split()[1:]
        command = tokens[0]
        paths.add((command,))
        for index, segment in enumerate(" ".join(tokens[1:]).split(" | ")):
            words = segment.split()
            if not words or not word.match(words[0]):
                continue
            for name in words[0].split("|"):
                paths.add((command, name))
                # a third level: `mail key generate|import|export`
                if index == 0 and len(words) > 1 and word.match(words[1]):
                    for third in words[1].split("|"):
                        paths.add((command, name, third))
    return paths


def test_every_command_has_one_line_of_help() -> None:
    missing = [" ".join(p) for p, text in parser_commands().items() if not text.strip()]
    assert missing == []
    multi = [" ".join(p) for p, text in parser_commands().items() if "\n" in text.strip()]
    assert multi == []


def test_the_readme_documents_every_command() -> None:
    documented = readme_commands()
    undocumented = sorted(" ".join(p) for p in parser_commands() if p not in documented)
    assert undocumented == [], "add them to README.md's CLI section"


def test_the_readme_documents_no_command_that_does_not_exist() -> None:
    commands = parser_commands()
    groups = {p[0] for p in commands if len(p) == 2}  # commands with subcommands
    unknown = sorted(
        " ".join(p)
        for p in readme_commands()
        if (len(p) == 1 and p not in commands)
        # a second word of a group must be one of its subcommands (words after a command
        # without subcommands, like `import cve|osv`, are its arguments)
        or (len(p) == 2 and p[0] in groups and p not in commands)
    )
    assert unknown == []
