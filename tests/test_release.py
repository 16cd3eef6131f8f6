"""The bundled model carries a release name and a version that moves with the package's."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import m2s_gen

REPO = Path(__file__).resolve().parents[1]


def test_the_bundled_model_version_is_the_package_version():
    config = json.loads((REPO / "m2s_gen" / "default_model" / "upmixer_config.json").read_text())
    assert config["release_name"] == "m2s-default"
    assert config["release_version"] == m2s_gen.__version__


def test_the_package_version_has_one_source():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]


def test_the_changelog_has_an_entry_for_this_version():
    assert f"## [{m2s_gen.__version__}]" in (REPO / "CHANGELOG.md").read_text()
