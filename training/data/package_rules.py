"""Per-package rules: where the music lives inside each Debian package, and its licence.

Game data packages hold far more than music: short sound effects, voice lines, ambience
loops.  For every package of the training list (see ``/work/shared/DATA.md``) the rule
below names the folders that hold the soundtrack, after inspecting each package's layout
(``dpkg -c``).  The global filters (stereo, >= 20 s, S/M >= -20 dB) are applied on top.

Layout notes (Debian bookworm versions):

==========================  =====================================================  ==========
package                     music location (relative to the ``dpkg -x`` root)      tracks
==========================  =====================================================  ==========
wesnoth-1.16-music          usr/share/games/wesnoth/1.16/data/core/music/           41
warzone2100-music           usr/share/games/warzone2100/music/ (+ albums/*/), Opus  30
hedgewars-data              usr/share/games/hedgewars/Data/Music/ (Sounds/ = sfx)   26
colobot-common-sounds       usr/share/games/colobot/music/ (sounds/ = sfx)          21
singularity-music           usr/share/games/singularity/music/ (+ win/, lose/)      16
drascula-music              usr/share/scummvm/drascula/audio/ (de/en/es/fr/it are   31
                            symlinks to the same files: skipped)
supertux-data               usr/share/games/supertux2/music/*/ (sounds/ = sfx)      51
0ad-data                    audio/music/ inside mods/public/public.zip (3.2 GB zip;  61
                            only that folder is extracted, with zipfile)
supertuxkart-data           usr/share/games/supertuxkart/data/music/ (tracks/*/     38
                            holds sfx and duplicates of supertux songs: excluded)
freedroidrpg-data           usr/share/freedroidrpg/data/sound/music/                16
megaglest-data              data/core/menu/music/ and techs/*/factions/*/music/      9
pushover-data               usr/share/pushover/themes/*.ogg (one theme = one song)  10
openclonk-data              usr/share/games/openclonk/Music.ocg/                     8
==========================  =====================================================  ==========

Packages not in this table fall back to :data:`FALLBACK_RULE`: every audio file of the
package, relying on the >= 20 s duration filter to drop sound effects.

Planetblupi's music is a MIDI render and must not be counted as real music:
:func:`rule_for` refuses packages listed in :data:`EXCLUDED_PACKAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass

AUDIO_EXTENSIONS: tuple[str, ...] = (".ogg", ".oga", ".opus", ".flac", ".wav")
"""File extensions treated as audio (lower-case)."""


@dataclass(frozen=True)
class PackageRule:
    """Where the music of one package lives and under which licence.

    Attributes:
        package: Debian package name.
        license: licence of the music (DATA.md's table, refined from debian/copyright).
        include_globs: glob patterns relative to the extracted package root; matching
            audio files are candidate music tracks.  ``**`` recurses.
        zip_members: ``(zip path relative to the extracted root, folder prefix inside
            the zip)`` pairs; audio members under the prefix are extracted to
            ``<root>/_zip/<prefix>`` before globbing (so a glob must name them).
        reference_minutes: minutes of music listed in DATA.md (None when grouped).
        reference_tracks: number of tracks listed in DATA.md (None when grouped).
    """

    package: str
    license: str
    include_globs: tuple[str, ...]
    zip_members: tuple[tuple[str, str], ...] = ()
    reference_minutes: float | None = None
    reference_tracks: int | None = None


TRAINING_PACKAGES: tuple[str, ...] = (
    "wesnoth-1.16-music",
    "warzone2100-music",
    "hedgewars-data",
    "colobot-common-sounds",
    "singularity-music",
    "drascula-music",
    "supertux-data",
    "0ad-data",
    "supertuxkart-data",
    "freedroidrpg-data",
    "megaglest-data",
    "pushover-data",
    "openclonk-data",
)
"""The Debian packages of DATA.md's training set (~19 h)."""

DEFAULT_VALIDATION_PACKAGES: tuple[str, ...] = ("singularity-music", "hedgewars-data")
"""Packages held out for validation (split by package, never by clip)."""

EXCLUDED_PACKAGES: frozenset[str] = frozenset({"planetblupi", "planetblupi-music", "planetblupi-common"})
"""Packages whose "music" is a MIDI render: never counted as real stereo music."""

_RULES: tuple[PackageRule, ...] = (
    PackageRule("wesnoth-1.16-music", "GPL-2+",
                ("usr/share/games/wesnoth/1.16/data/core/music/*",), (), 128, 41),
    PackageRule("warzone2100-music", "CC-BY-SA-3.0+ / GPL-2+",
                ("usr/share/games/warzone2100/music/**/*",), (), 240, 29),
    PackageRule("hedgewars-data", "GPL-2",
                ("usr/share/games/hedgewars/Data/Music/*",), (), 94, 26),
    PackageRule("colobot-common-sounds", "GPL-3+",
                ("usr/share/games/colobot/music/*",), (), 66, 21),
    PackageRule("singularity-music", "CC-BY-SA",
                ("usr/share/games/singularity/music/**/*",), (), 64, 16),
    PackageRule("drascula-music", "Drascula licence",
                ("usr/share/scummvm/drascula/audio/*",), (), 47, 31),
    PackageRule("supertux-data", "GPL-2+",
                ("usr/share/games/supertux2/music/**/*",), (), 98, 51),
    PackageRule("0ad-data", "CC-BY-SA-3.0",
                ("_zip/audio/music/*",),
                (("usr/share/games/0ad/mods/public/public.zip", "audio/music/"),), 175, 61),
    PackageRule("supertuxkart-data", "CC-BY-SA",
                ("usr/share/games/supertuxkart/data/music/*",), (), 59, 38),
    PackageRule("freedroidrpg-data", "GPL-2+",
                ("usr/share/freedroidrpg/data/sound/music/*",)),
    PackageRule("megaglest-data", "CC-BY-SA-3.0",
                ("usr/share/games/megaglest/data/core/menu/music/*",
                 "usr/share/games/megaglest/techs/*/factions/*/music/*")),
    PackageRule("pushover-data", "GPL-3+",
                ("usr/share/pushover/themes/*",)),
    PackageRule("openclonk-data", "CC-BY-3.0 / CC0 (game content)",
                ("usr/share/games/openclonk/Music.ocg/*",)),
)

PACKAGE_RULES: dict[str, PackageRule] = {rule.package: rule for rule in _RULES}
"""Rule table keyed by package name."""

GROUPED_REFERENCE = {
    "packages": ("freedroidrpg-data", "megaglest-data", "pushover-data", "openclonk-data"),
    "minutes": 135,
    "tracks": 43,
}
"""DATA.md lists these four packages on one row (135 min, 43 tracks together)."""


def fallback_rule(package: str, license: str = "unknown") -> PackageRule:
    """Rule for a package not in the table: every audio file, filtered by duration later."""
    return PackageRule(package, license, ("**/*",))


def rule_for(package: str) -> PackageRule:
    """Return the rule of ``package`` (the fallback rule if unknown).

    Raises:
        ValueError: for packages whose music is a MIDI render (:data:`EXCLUDED_PACKAGES`).
    """
    if package in EXCLUDED_PACKAGES or package.startswith("planetblupi"):
        raise ValueError(f"{package}: its music is a MIDI render, not real stereo music")
    return PACKAGE_RULES.get(package) or fallback_rule(package)
