"""The conda environment and the pip requirements must list the same packages."""

from __future__ import annotations

from helpers import config


def _requirements(name: str) -> set[str]:
    lines = (config.ROOT / name).read_text().splitlines()
    return {ln.strip() for ln in lines if ln.strip() and not ln.startswith(("#", "-r"))}


def _conda_pip_section() -> set[str]:
    entries, inside = set(), False
    for line in (config.ROOT / "environment.yml").read_text().splitlines():
        stripped = line.strip()
        if stripped == "- pip:":
            inside = True
        elif inside and stripped.startswith("- "):
            entries.add(stripped[2:].strip())
        elif inside and stripped:
            inside = False
    return entries - {"-e ."}


def test_environment_yml_matches_requirements():
    pip = _requirements("requirements.txt") | _requirements("requirements-dev.txt")
    conda = _conda_pip_section()
    assert conda == pip, f"only in environment.yml: {sorted(conda - pip)}; only in pip: {sorted(pip - conda)}"


def test_environment_yml_pins_python_311():
    assert "- python=3.11" in (config.ROOT / "environment.yml").read_text()
