"""The held-out productions (training.data.unseen_packages): disjoint from the training list, all in the
validation split, their music found where the rules say, and never allowed into a training split."""
from __future__ import annotations

from pathlib import Path

import pytest

from training.data import prepare as prepare_module
from training.data.debian_source import list_music_files
from training.data.package_rules import TRAINING_PACKAGES, rule_for
from training.data.unseen_packages import UNSEEN_PACKAGES, UNSEEN_RULES, check_not_trained_on


def test_held_out_packages_are_in_no_package_of_data_md():
    assert len(UNSEEN_PACKAGES) == len(set(UNSEEN_PACKAGES)) >= 10
    assert not set(UNSEEN_PACKAGES) & set(TRAINING_PACKAGES)


def test_rule_for_a_held_out_package_is_its_own_not_the_fallback():
    nexuiz = rule_for("nexuiz-music")
    assert nexuiz.zip_members == (("usr/share/games/nexuiz/data/music.pk3", "sound/cdtracks/"),)
    assert rule_for("widelands-data").include_globs == ("usr/share/games/widelands/data/music/*",)
    assert rule_for("some-other-data").include_globs == ("**/*",)  # unknown packages still fall back


def test_rules_pick_the_music_folder_and_leave_the_band_limited_file(tmp_path: Path):
    music = tmp_path / "_zip" / "sound" / "cdtracks"
    music.mkdir(parents=True)
    for name in ("brainsukker.ogg", "thunder.ogg"):
        (music / name).write_bytes(b"OggS" + bytes(60))
    (tmp_path / "_zip" / "sound" / "shot.ogg").write_bytes(b"OggS" + bytes(60))
    rule = {r.package: r for r in UNSEEN_RULES}["nexuiz-music"]
    assert [p.name for p in list_music_files(tmp_path, rule)] == ["brainsukker.ogg"]


def test_a_held_out_package_in_a_training_split_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="xmoto-data: held out for evaluation"):
        check_not_trained_on(["wesnoth-1.16-music", "xmoto-data"])
    check_not_trained_on(["wesnoth-1.16-music"])  # the training list's packages pass
    # prepare refuses before downloading anything: no network is touched here
    with pytest.raises(ValueError, match="hyperrogue-music: held out"):
        prepare_module.prepare(tmp_path / "out", packages=["hyperrogue-music"], validation_packages=())
    folder = tmp_path / "nexuiz-music"
    folder.mkdir()
    with pytest.raises(ValueError, match="nexuiz-music: held out"):
        prepare_module.prepare(tmp_path / "out", folders=[folder], validation_packages=())
    assert not (tmp_path / "out").exists()  # nothing written


def test_cli_refuses_a_held_out_package_in_one_line(tmp_path: Path, capsys):
    assert prepare_module.main(["--out", str(tmp_path / "out"), "--packages", "widelands-data",
                                "--validation-packages", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: widelands-data: held out for evaluation") and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_unseen_flag_puts_every_held_out_package_in_validation(tmp_path: Path, monkeypatch):
    seen = {}
    monkeypatch.setattr(prepare_module, "prepare", lambda out, **kwargs: seen.update(kwargs))
    assert prepare_module.main(["--out", str(tmp_path), "--unseen", "--no-progress"]) == 0
    assert list(seen["packages"]) == list(seen["validation_packages"]) == list(UNSEEN_PACKAGES)
    with pytest.raises(SystemExit, match="--unseen chooses the packages"):
        prepare_module.main(["--out", str(tmp_path), "--unseen", "--packages", "xmoto-data"])
