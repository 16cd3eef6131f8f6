"""Per-package rules: where the music lives inside each Debian package, and its licence.

Game data packages hold far more than music: short sound effects, voice lines, ambience
loops.  For every package of the training list (docs/training.md, "The data") the rule
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

The other 18 packages of the list (ufoai-music's ``base/0music.pk3`` and openarena's
``pak6-patch088.pk3`` are zip archives; blobwars-data's Ogg files have no extension) are
described by their rule below, with the folder the list names.

The held-out evaluation packages (:mod:`training.data.unseen_packages`) have rules of their own.
Packages in neither table fall back to :func:`fallback_rule`: every audio file of the
package, relying on the >= 20 s duration filter to drop sound effects.

Planetblupi's music is a MIDI render and must not be counted as real music:
:func:`rule_for` refuses packages listed in :data:`EXCLUDED_PACKAGES`.
"""

from __future__ import annotations

from dataclasses import dataclass

AUDIO_EXTENSIONS: tuple[str, ...] = (".ogg", ".oga", ".opus", ".flac", ".wav")
"""File extensions treated as audio (lower-case)."""

AUDIO_MAGIC: tuple[bytes, ...] = (b"OggS", b"fLaC", b"RIFF")
"""First bytes of Ogg (Vorbis, Opus), FLAC and WAV files: audio is found by content too, since
some packages ship Ogg files without an extension (blobwars-data)."""


def looks_like_audio(name: str, head: bytes) -> bool:
    """True for a known audio extension, or a file whose first bytes are an audio magic number."""
    return name.lower().endswith(AUDIO_EXTENSIONS) or head[:4] in AUDIO_MAGIC


@dataclass(frozen=True)
class PackageRule:
    """Where the music of one package lives and under which licence.

    Attributes:
        package: Debian package name.
        license: licence of the music (the data list's table, refined from debian/copyright).
        include_globs: glob patterns relative to the extracted package root; matching
            audio files are candidate music tracks.  ``**`` recurses.
        zip_members: ``(zip path relative to the extracted root, folder prefix inside
            the zip)`` pairs; audio members under the prefix are extracted to
            ``<root>/_zip/<prefix>`` before globbing (so a glob must name them).
        reference_minutes: minutes of music listed for it in the data list (None when grouped).
        reference_tracks: number of tracks listed for it (None when grouped).
        exclude_names: file-name stems to leave out (the list's ambience loops and chip remixes);
            a file is left out when its stem starts with one of them.
    """

    package: str
    license: str
    include_globs: tuple[str, ...]
    zip_members: tuple[tuple[str, str], ...] = ()
    reference_minutes: float | None = None
    reference_tracks: int | None = None
    exclude_names: tuple[str, ...] = ()


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
    "ufoai-music",
    "naev-data",
    "blobwars-data",
    "berusky2-data",
    "marsshooter-data",
    "unknown-horizons",
    "flare-game",
    "trackballs-data",
    "redeclipse-data",
    "starfighter-data",
    "warmux-data",
    "wizznic-data",
    "davegnukem-data",
    "zaz-data",
    "lordsawar-data",
    "adonthell-data",
    "openarena-088-data",
    "freeorion-data",
)
"""Every Debian package of the data list (about 34 h); training and validation split by package."""

DEFAULT_VALIDATION_PACKAGES: tuple[str, ...] = (
    "hedgewars-data", "singularity-music", "marsshooter-data", "unknown-horizons",
    "wizznic-data", "starfighter-data", "davegnukem-data",
)
"""The fixed validation split: seven productions across genres, never trained on."""

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
    PackageRule("ufoai-music", "GPL/CC-BY/CC-BY-SA/PD per file",
                ("_zip/music/**/*",), (("usr/share/games/ufoai/base/0music.pk3", "music/"),), 240, 63),
    PackageRule("naev-data", "GPL-2+/CC-BY/CC-BY-SA per file",
                ("usr/share/naev/dat/snd/music/**/*",), (), 127, 52),
    # Ogg files without an extension (arctic, biomech, ...): found by their magic bytes
    PackageRule("blobwars-data", "CC-BY-SA-3.0 / CC-BY-3.0",
                ("usr/share/games/blobwars/music/*",), (), 77, 15),
    PackageRule("berusky2-data", "GPL-2+",
                ("usr/share/games/berusky2/music/*",), (), 72, 23),
    PackageRule("marsshooter-data", "CC-BY-SA-3.0",
                ("usr/share/games/marsshooter/audio/*", "usr/share/games/marsshooter/audio/music/*"),
                (), 59, 12),
    PackageRule("unknown-horizons", "GPL-2+",
                ("usr/share/unknown-horizons/content/audio/music/**/*",), (), 43, 15),
    PackageRule("flare-game", "CC-BY-SA-3.0+",
                ("usr/share/games/flare/mods/fantasycore/music/*",), (), 37, 11,
                exclude_names=("wind_ambient",)),
    PackageRule("trackballs-data", "GPL-2+",
                ("usr/share/games/trackballs/music/*",), (), 32, 9),
    PackageRule("redeclipse-data", "CC-BY-SA-3.0+",
                ("usr/share/games/redeclipse/data/sounds/music/*",
                 "usr/share/games/redeclipse/data/sounds/theme*"), (), 31, 15,
                exclude_names=("theme_chip", "ambience")),
    PackageRule("starfighter-data", "GPL-2+",
                ("usr/share/starfighter/music/*",), (), 28, 11),
    PackageRule("warmux-data", "GPL-2+",
                ("usr/share/games/warmux/music/ingame/*", "usr/share/games/warmux/music/menu/*"),
                (), 27, 13),
    PackageRule("wizznic-data", "GPL-3",
                ("usr/share/games/wizznic/packs/000_wizznic/music/*",
                 "usr/share/games/wizznic/data/menu-music*"), (), 26, 9),
    PackageRule("davegnukem-data", "Expat/GPL",
                ("usr/share/games/davegnukem/music/eric_matyas/*",), (), 23, 13),
    PackageRule("zaz-data", "CC-BY-SA-3.0",
                ("usr/share/games/zaz/mus*",), (), 18, 4),
    PackageRule("lordsawar-data", "GPL-3+",
                ("usr/share/games/lordsawar/music/*",), (), 13, 5),
    PackageRule("adonthell-data", "GPL-2+",
                ("usr/share/games/adonthell/games/wastesedge/audio/*",), (), 13, 8),
    PackageRule("openarena-088-data", "GPL-2+",
                ("_zip/music/**/*",),
                (("usr/share/games/openarena/baseoa/pak6-patch088.pk3", "music/"),), 11, 7),
    PackageRule("freeorion-data", "CC-BY-SA-3.0",
                ("usr/share/games/freeorion/default/data/sound/*",), (), 11, 1),
)

PACKAGE_RULES: dict[str, PackageRule] = {rule.package: rule for rule in _RULES}
"""Rule table keyed by package name."""

GROUPED_REFERENCE = {
    "packages": ("freedroidrpg-data", "megaglest-data", "pushover-data", "openclonk-data"),
    "minutes": 135,
    "tracks": 43,
}
"""The data list gives these four packages on one row (135 min, 43 tracks together)."""


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
    from training.data.unseen_packages import UNSEEN_RULE_OF  # imported here: it builds on PackageRule

    return PACKAGE_RULES.get(package) or UNSEEN_RULE_OF.get(package) or fallback_rule(package)
