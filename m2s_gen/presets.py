"""Named sampler settings: the two ends of the trade-off between faithfulness and realism.

A distance to the one original stereo (side log-mel, width and ICC errors) rewards the middle of
the posterior: many draws averaged, calibrated, each band's level anchored to the typical one. The
distribution of real stereo images is better matched by single draws left free (Fréchet distance,
real-vs-upmix classifier; `evaluation/realism.py`). ``python -m evaluation.tradeoff`` measures
every setting on both axes and picks the default by the rule written in docs/evaluation.md; it also writes
the two ends into the model's ``upmixer_config.json`` (``presets``), which take precedence over the
built-in values below for that model.

A preset fills only the settings it names; a keyword given to :meth:`m2s_gen.Upmixer.__call__`
always wins over it.
"""
from __future__ import annotations

from .sampler_settings import SettingError, check_value, limits

#: The settings a preset may hold (the sampler settings but steps and guidance), with the type and
#: range each accepts (from :class:`m2s_gen.SamplerSettings`).
PRESET_KEYS = {name: limits(name) for name in ("num_draws", "temperature", "calibrate", "band_level_anchor",
                                               "level_spread", "time_course", "hold_band_widths")}
MAX_PRESETS = 8
MAX_NAME_CHARS = 32

#: Fallbacks for models whose config has no ``presets``: the two ends measured on the bundled model
#: (evaluation/reports/tradeoff/tradeoff.md): the lowest side log-mel distance and the lowest Fréchet distance.
BUILTIN_PRESETS: dict[str, dict] = {
    "faithful": {"num_draws": 16, "temperature": 1.0, "calibrate": True, "band_level_anchor": 1.0, "level_spread": 0.0},
    "natural": {"num_draws": 1, "temperature": 0.75, "calibrate": True, "band_level_anchor": 1.0, "level_spread": 0.5},
}


def check_preset(name: str, settings: dict) -> None:
    """Raise ``ValueError`` unless ``settings`` is a dict of :data:`PRESET_KEYS` with values in range."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_CHARS:
        raise ValueError(f"preset names must be 1 to {MAX_NAME_CHARS} characters, got {name!r}")
    if not isinstance(settings, dict) or not settings:
        raise ValueError(f"preset {name!r} must be a non-empty object of settings, got {settings!r}")
    for key, value in settings.items():
        if key not in PRESET_KEYS:
            raise ValueError(f"preset {name!r}: unknown setting {key!r}; allowed: {', '.join(PRESET_KEYS)}")
        try:
            check_value(key, value)
        except SettingError as err:
            raise ValueError(f"preset {name!r}: {err}") from None


def check_presets(presets: dict) -> None:
    """Validate a whole ``presets`` mapping (as saved in ``upmixer_config.json``)."""
    if not isinstance(presets, dict) or len(presets) > MAX_PRESETS:
        raise ValueError(f"presets must be an object of at most {MAX_PRESETS} named settings")
    for name, settings in presets.items():
        check_preset(name, settings)


def available(model_presets: dict | None = None) -> dict[str, dict]:
    """Name -> settings: the built-in presets, overridden and extended by the model's own."""
    return {**BUILTIN_PRESETS, **(model_presets or {})}


def resolve(name: str, model_presets: dict | None = None) -> dict:
    """The settings of preset ``name`` (a copy); ``ValueError`` naming the valid presets otherwise."""
    known = available(model_presets)
    if name not in known:
        raise ValueError(f"preset must be one of {', '.join(sorted(known))}, got {name!r}")
    return dict(known[name])
