"""environment.yml (conda, Binder) lists the same packages, at the pinned versions, as
pyproject.toml and constraints.txt (pip)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower()


def _pyproject() -> set[str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + [r for group in meta["optional-dependencies"].values()
                                   for r in group]
    return {_name(r) for r in reqs}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version.strip()
    return pins


def _environment() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str):
            name, _, version = dep.partition("=")
            out[name.lower()] = version.lstrip("=")
        elif isinstance(dep, dict):  # the pip: section, for packages only PyPI has
            for req in dep["pip"]:
                name, _, version = req.partition("==")
                out[name.lower()] = version
    return out


def test_same_packages_in_both_lists():
    conda = set(_environment()) - {"python", "pip"}
    assert conda == _pyproject()


def test_conda_versions_match_the_pip_pins():
    pins = _pins()
    for name, version in _environment().items():
        if name in ("python", "pip"):
            continue
        assert version == pins[name], f"{name}: environment.yml {version}, constraints {pins[name]}"


def test_every_direct_dependency_is_pinned():
    pins = _pins()
    assert _pyproject() <= set(pins)


def test_binder_installs_the_package():
    # repo2docker builds environment.yml before copying the repository, so postBuild installs it
    assert "pip install --no-deps -e ." in (ROOT / "postBuild").read_text()


def test_the_wheel_holds_every_subpackage_and_the_registry_files():
    # pyproject finds the packages (no hand-kept list); every folder of dispatchlib/ holding
    # Python is a package it finds, and the JSON files the package reads are package data
    import tomllib

    from setuptools import find_packages

    from dispatchlib.paths import ROOT

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), **config["packages"]["find"]))
    folders = {".".join(p.parent.relative_to(ROOT).parts)
               for p in (ROOT / "dispatchlib").rglob("*.py") if "__pycache__" not in p.parts}
    assert folders <= found, folders - found
    assert {"dispatchlib.run", "dispatchlib.lessons", "dispatchlib.model", "dispatchlib.tables",
            "dispatchlib.teaching", "dispatchlib.plots"} <= found
    data = config["package-data"]["dispatchlib"]
    read = {p.relative_to(ROOT / "dispatchlib").as_posix()
            for p in (ROOT / "dispatchlib").rglob("*.json")}
    assert read == set(data)


def test_pypi_only_packages_go_through_pip_in_environment_yml():
    # koreanize-matplotlib (the Korean figures' Nanum Gothic files) is not on conda-forge
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip and "koreanize-matplotlib==0.1.1" in pip[0]["pip"]
    assert not any(isinstance(d, str) and d.startswith("koreanize") for d in env["dependencies"])
