"""The package as a user gets it: the built wheel and sdist, their metadata, and the
README's install and quick start run verbatim from the wheel in a new virtualenv.
"""

from __future__ import annotations

import email.parser
import email.policy
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tarfile
import venv
import zipfile
from typing import Any

import pytest
import trove_classifiers

from tests.servers import REPO_ROOT, ServerProcess, free_port

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
COMMAND_TIMEOUT = 300


def _section(markdown: str, heading: str) -> str:
    """The text under ``## heading``, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"README.md has no '## {heading}' section"
    return match.group(1)


def _blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", markdown, re.M | re.S)


def _run(*command: str | pathlib.Path, cwd: pathlib.Path | None = None) -> str:
    completed = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, f"{command} failed:\n{completed.stdout}{completed.stderr}"
    return completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """The sdist, and the wheel built from that sdist (as ``python -m build`` does)."""
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--outdir", out, REPO_ROOT)
    (sdist,) = out.glob("roob_web-*.tar.gz")
    (wheel,) = out.glob("roob_web-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def metadata(dist: dict[str, pathlib.Path]) -> Any:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        text = wheel.read(name).decode()
    return email.parser.Parser(policy=email.policy.compat32).parsestr(text)


def test_twine_accepts_both(dist: dict[str, pathlib.Path]) -> None:
    output = _run(sys.executable, "-m", "twine", "check", "--strict", dist["sdist"], dist["wheel"])
    assert output.count("PASSED") == 2


def test_every_classifier_is_one_a_package_index_accepts(metadata: Any) -> None:
    classifiers = metadata.get_all("Classifier")
    assert classifiers
    assert [c for c in classifiers if c not in trove_classifiers.classifiers] == []


def test_the_license_is_declared_and_carried(metadata: Any, dist: dict[str, pathlib.Path]) -> None:
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    license_text = (REPO_ROOT / "LICENSE").read_text()
    assert license_text.startswith("MIT License")
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]
        assert wheel.read(name).decode() == license_text
    with tarfile.open(dist["sdist"]) as sdist:
        member = sdist.extractfile(f"{dist['sdist'].name.removesuffix('.tar.gz')}/LICENSE")
        assert member is not None
        assert member.read().decode() == license_text


def test_project_urls_name_the_docs_the_source_and_the_changelog(metadata: Any) -> None:
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL"))
    assert {"Documentation", "Source", "Changelog"} <= urls.keys()
    assert all(url.startswith("https://") for url in urls.values())


def test_only_the_extras_a_user_needs_are_published(metadata: Any) -> None:
    assert sorted(metadata.get_all("Provides-Extra")) == ["docs", "server"]
    requirements = " ".join(metadata.get_all("Requires-Dist"))
    for tool in ("pytest", "ruff", "mypy", "selenium", "falcon", "SQLAlchemy", "mkdocs"):
        assert tool.lower() not in requirements.lower()


def test_the_long_description_speaks_to_users(metadata: Any) -> None:
    description = metadata.get_payload()
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert 'pip install "roob-web[server]"' in description
    assert _blocks(_section(README, "Quick start"), "python")[0] in description
    assert "https://roob-framework.github.io/roob/" in description
    for contributor_matter in ("make run", "make test", "inventory", ".venv"):
        assert contributor_matter not in description
    assert "](" not in description or "](http" in description  # no repository-relative links


def test_the_wheel_holds_the_package_alone(dist: dict[str, pathlib.Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        tops = {name.split("/")[0] for name in wheel.namelist()}
        names = set(wheel.namelist())
    assert tops == {"roob", dist["wheel"].name.split("-py3")[0] + ".dist-info"}
    assert "roob/py.typed" in names
    assert {f"roob/{p.name}" for p in (REPO_ROOT / "roob").glob("*.py")} <= names


def test_the_sdist_is_the_source_and_its_docs_without_the_tests(
    dist: dict[str, pathlib.Path],
) -> None:
    with tarfile.open(dist["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "mkdocs.yml"} <= names
    assert "roob/app.py" in names
    assert "docs/routing.md" in names
    assert not [n for n in names if n.split("/")[0] in {"tests", "inventory", "benchmarks"}]


@pytest.fixture(scope="module")
def user_env(
    dist: dict[str, pathlib.Path], tmp_path_factory: pytest.TempPathFactory
) -> pathlib.Path:
    """A new virtualenv with nothing but the README's install line, pointed at the wheel,
    and the quick start's ``app.py`` beside it."""
    root = tmp_path_factory.mktemp("user")
    (app_source,) = _blocks(_section(README, "Quick start"), "python")
    assert app_source.startswith("# app.py\n")
    (root / "app.py").write_text(app_source)
    venv.create(root / "venv", with_pip=True)
    (install,) = re.findall(r"^\$ (pip install .*)$", _section(README, "Install"), re.M)
    assert install == 'pip install "roob-web[server]"'
    (requirement,) = shlex.split(install)[2:]  # roob-web[server]: from the wheel, not an index
    wheel_requirement = f"{requirement} @ {dist['wheel'].as_uri()}"
    _run(root / "venv/bin/python", "-m", "pip", "install", "--quiet", wheel_requirement)
    return root


def test_the_readme_quick_start_works_from_the_wheel(user_env: pathlib.Path) -> None:
    (session,) = _blocks(_section(README, "Quick start"), "console")

    lines = session.splitlines()
    serve = lines[0].split("#")[0].removeprefix("$ ").split()
    assert serve == ["gunicorn", "app:app"]
    port = free_port()
    command = [str(user_env / "venv/bin" / serve[0]), *serve[1:]]
    # The command as printed; the port goes in through gunicorn's own environment variable.
    env = {"GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}", "PYTHONPATH": ""}
    with ServerProcess(
        command, port=port, log=user_env / "gunicorn.log", env=env, cwd=user_env
    ) as server:
        exchanges = [(lines[i], lines[i + 1]) for i in range(1, len(lines), 2)]
        assert len(exchanges) == 3
        for command_line, printed in exchanges:
            curl = shlex.split(command_line.removeprefix("$ "))
            assert curl[0] == "curl"
            method = curl[curl.index("-X") + 1] if "-X" in curl else "GET"
            path = curl[-1].removeprefix("localhost:8000")
            _, body = server.request(method, path)
            assert body.decode() == printed, command_line


def test_the_installed_command_reports_its_version(user_env: pathlib.Path) -> None:
    output = _run(user_env / "venv/bin/roob", "--version")
    version = _run(
        user_env / "venv/bin/python",
        "-c",
        "import importlib.metadata as m; print(m.version('roob-web'))",
    )
    assert output == f"roob (roob-web) {version}"


def test_a_users_test_run_prints_no_warnings(user_env: pathlib.Path) -> None:
    _run(user_env / "venv/bin/python", "-m", "pip", "install", "--quiet", "pytest")
    (user_env / "test_app.py").write_text(
        "from roob.testing import TestClient\n"
        "from app import app\n\n"
        "def test_product():\n"
        "    assert TestClient(app).get('/api/products/1').json()['brand'] == 'Samsung'\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV"))}
    completed = subprocess.run(
        [
            str(user_env / "venv/bin/python"),
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "test_app.py",
        ],
        cwd=user_env,
        env={**environment, "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed in" in completed.stdout
    assert "warning" not in completed.stdout.lower(), completed.stdout
