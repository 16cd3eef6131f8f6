"""Productions in no package of the training list: a held-out set for judging generalisation, never trained on.

The validation packages steer every choice made on the model (defaults, presets, the
side level), so their numbers flatter it. These Debian packages were never listed for training
and are used for evaluation only (``python -m training.data.prepare --out data/unseen --unseen``):
a package of this table in a training split is an error (:func:`check_not_trained_on`).

Music folders found by inspecting each package (Debian bookworm versions); the global filters
(stereo, >= 20 s, S/M >= -20 dB) apply on top. nexuiz-music's tracks are inside a zip
(``music.pk3``); its "thunder" is an 11 kHz file, left out as the training list leaves out band-limited
packages (22.05 kHz: powermanga-data's music is not in the table for that reason).

Three of them are productions of another kind: two Frets on Fire song packs, recordings of
metal bands (each song's mix without its lead-guitar stem, which the game plays separately), and
pathological's music. Looked at and left out: asc-music and lugaru-data (22.05 kHz), titanion-data
and tumiki-fighters-data (mono), funnyboat (-23 dB, below the width filter).
"""

from __future__ import annotations

from typing import Iterable

from training.data.package_rules import PackageRule

UNSEEN_RULES: tuple[PackageRule, ...] = (
    PackageRule("hyperrogue-music", "CC-BY-SA-3.0 / CC0 per file", ("usr/share/hyperrogue/music/*",)),
    PackageRule("nexuiz-music", "GPL-2+", ("_zip/sound/cdtracks/*",),
                (("usr/share/games/nexuiz/data/music.pk3", "sound/cdtracks/"),), exclude_names=("thunder",)),
    PackageRule("xmoto-data", "GPL-2+", ("usr/share/games/xmoto/Textures/Musics/*",)),
    PackageRule("extremetuxracer-data", "GPL-2+", ("usr/share/games/etr/music/*",)),
    PackageRule("widelands-data", "GPL-2+", ("usr/share/games/widelands/data/music/*",)),
    PackageRule("scorched3d-data", "GPL-2+", ("usr/share/games/scorched3d/data/globalmods/none/data/music/*",)),
    PackageRule("freedink-data", "GPL-3+ / free per file", ("usr/share/games/dink/dink/Sound/*",)),
    PackageRule("frozen-bubble-data", "GPL-2", ("usr/share/games/frozen-bubble/snd/*",)),
    PackageRule("lincity-ng-data", "GPL-2+", ("usr/share/games/lincity-ng/music/**/*",)),
    PackageRule("glob2-data", "GPL-3+", ("usr/share/games/glob2/data/zik/*",)),
    PackageRule("freeciv-data", "GPL-2+", ("usr/share/games/freeciv/stdmusic/*",)),
    PackageRule("spacezero", "GPL-3+", ("usr/share/spacezero/sounds/*",)),
    # band recordings (metal): each song's mix without the lead-guitar stem (song.ogg; guitar.ogg left out)
    PackageRule("fretsonfire-songs-muldjord", "CC-BY-SA-3.0", ("usr/share/games/fretsonfire/data/songs/muldjord/*/song.ogg",)),
    PackageRule("fretsonfire-songs-sectoid", "Expat", ("usr/share/games/fretsonfire/data/songs/sectoid/*/song.ogg",)),
    PackageRule("pathological", "GPL-2+", ("usr/share/games/pathological/music/*",)),
)
"""Where each held-out package keeps its music."""

UNSEEN_PACKAGES: tuple[str, ...] = tuple(rule.package for rule in UNSEEN_RULES)
"""The held-out packages, in the order of :data:`UNSEEN_RULES`."""

UNSEEN_RULE_OF: dict[str, PackageRule] = {rule.package: rule for rule in UNSEEN_RULES}
"""Rule of each held-out package, by name."""


def check_not_trained_on(train_packages: Iterable[str]) -> None:
    """Raise ValueError if a held-out package would be in a training split."""
    held_out = sorted(set(train_packages) & set(UNSEEN_PACKAGES))
    if held_out:
        raise ValueError(f"{', '.join(held_out)}: held out for evaluation (training.data.unseen_packages); "
                         "prepare them with --unseen, never for training")
