"""The Persian catalogs are complete: every string the code marks for translation has a Persian
translation that is neither missing nor fuzzy, and both catalogs compile with their format
strings checked (a %(name)s lost in translation would break a page at run time)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import scheduler

SOURCE = Path(scheduler.__file__).parent
CATALOGS = SOURCE / "locale" / "fa" / "LC_MESSAGES"
DOMAINS = ("django", "djangojs")

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None, reason="needs gettext (./run installs it)"
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed catalogs brought up to date with the code, in a copy of the tree: what
    `./run messages` would make of them, without touching the repository."""
    root = tmp_path_factory.mktemp("catalogs")
    tree = root / "scheduler"
    shutil.copytree(SOURCE, tree, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    (root / "catalog_settings.py").write_text(
        "from scheduler.config.settings import *  # noqa: F403\n"
        f"LOCALE_PATHS = [{str(tree / 'locale')!r}]\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "catalog_settings",
        "PYTHONPATH": os.pathsep.join([str(root), str(SOURCE.parent)]),
        "NOBAT_DATA_DIR": str(root / "data"),
    }
    django_admin = [sys.executable, "-m", "django", "makemessages", "-l", "fa", "--no-obsolete"]
    for extra in (["--ignore", "*/migrations/*"], ["-d", "djangojs"]):
        subprocess.run(
            [*django_admin, *extra], cwd=tree, env=env, check=True, capture_output=True, timeout=120
        )
    return tree / "locale" / "fa" / "LC_MESSAGES"


def entries(*args: str) -> list[str]:
    """The messages msgattrib selects, each as its lines in the .po, without the header."""
    found = subprocess.run(["msgattrib", *args], capture_output=True, text=True, check=True)
    blocks = [block.strip() for block in found.stdout.split("\n\n") if "msgid " in block]
    return [block for block in blocks if '\nmsgid ""\nmsgstr ""\n"' not in f"\n{block}"]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_marked_string_has_a_persian_translation(extracted: Path, domain: str) -> None:
    catalog = str(extracted / f"{domain}.po")

    untranslated = entries("--untranslated", "--no-obsolete", catalog)
    fuzzy = entries("--only-fuzzy", "--no-obsolete", catalog)

    assert untranslated == [], (
        f"{len(untranslated)} not translated in {domain}.po:\n" + "\n\n".join(untranslated)
    )
    assert fuzzy == [], f"fuzzy in {domain}.po (check, then drop the flag):\n" + "\n\n".join(fuzzy)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_committed_catalog_compiles_with_its_placeholders_checked(domain: str) -> None:
    compiled = subprocess.run(
        ["msgfmt", "--check", "-o", os.devnull, str(CATALOGS / f"{domain}.po")],
        capture_output=True,
        text=True,
    )

    assert compiled.returncode == 0, compiled.stderr
