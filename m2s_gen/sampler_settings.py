"""The sampler's settings: one object, one place for their names, types, ranges and help.

Everything a user thinks in (prompt, width, mono bass, band widths, seed, takes, preset) is an
argument of :meth:`m2s_gen.Upmixer.__call__`. How the sampler gets there (steps, guidance, draws,
temperature and the image corrections) is a :class:`SamplerSettings`, passed as ``settings=``.
``None`` in a field means "the model's default" (its ``upmixer_config.json``); a preset fills the
fields it names, and the fields of ``settings=`` win over both::

    from m2s_gen import SamplerSettings, Upmixer
    up = Upmixer.from_pretrained()
    stereo = up(mono, 44100, settings=SamplerSettings(num_steps=8, num_draws=4))
    stereo = up(mono, 44100, preset="natural", settings=SamplerSettings(temperature=0.5))

The range of each field is its ``metadata``; :meth:`SamplerSettings.check` raises
:class:`SettingError`, whose ``name`` says which field, so the command line and the web page can
name their own option in the message.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from numbers import Integral, Real


class SettingError(ValueError):
    """A value out of range or of the wrong type; ``name`` is the argument it is about."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name} {message}")
        self.name = name


def _setting(kind: type, low=None, high=None, help: str = ""):
    return field(default=None, metadata={"kind": kind, "low": low, "high": high, "help": help})


@dataclass(frozen=True)
class SamplerSettings:
    """How the spatial image is sampled; ``None`` in any field: the model's default."""

    num_steps: int | None = _setting(int, 1, 1000, "sampler steps")
    guidance_scale: float | None = _setting(float, 0.0, 20.0, "classifier-free guidance on the style words")
    temperature: float | None = _setting(
        float, 0.0, 2.0, "scale of the starting noise: 1 draws from everything the model learned, "
        "lower stays closer to the most typical image")
    num_draws: int | None = _setting(
        int, 1, 64, "diffusion draws averaged into each take: 1 is the most varied, more the middle of "
        "what the model finds plausible")
    calibrate: bool | None = _setting(bool, help="apply the model's per-band calibration of ratio and coherence")
    band_level_anchor: float | None = _setting(
        float, 0.0, 1.0, "how far each band's level is moved to the width the width head predicts")
    level_spread: float | None = _setting(
        float, 0.0, 2.0, "band levels drawn around the width head's prediction, in units of its error "
        "spread on unseen music (0: the prediction)")
    time_course: float | None = _setting(
        float, 0.0, 2.0, "how far each band's width moves with the music's envelope (0: as sampled)")
    hold_band_widths: float | None = _setting(
        float, 0.0, 1.0, "how far the renderer holds each band's width at the image's")

    # -- checking ------------------------------------------------------------------------------
    def check(self) -> "SamplerSettings":
        """Raise :class:`SettingError` for the first field of the wrong type or out of range."""
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                check_value(f.name, value)
        return self

    # -- combining -----------------------------------------------------------------------------
    def over(self, base: "SamplerSettings | None") -> "SamplerSettings":
        """These settings where they are given, ``base``'s elsewhere."""
        if base is None:
            return self
        return replace(base, **{k: v for k, v in asdict(self).items() if v is not None})

    def given(self) -> dict:
        """The fields that are set (not ``None``)."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, values: dict) -> "SamplerSettings":
        """From a dict of field names (a preset); unknown names are a :class:`SettingError`."""
        unknown = sorted(set(values) - set(FIELD_NAMES))
        if unknown:
            raise SettingError(unknown[0], f"is not a sampler setting; allowed: {', '.join(FIELD_NAMES)}")
        return cls(**values).check()


FIELD_NAMES = tuple(f.name for f in fields(SamplerSettings))


def limits(name: str) -> tuple[type, float | None, float | None]:
    """(type, low, high) of a field."""
    meta = next(f.metadata for f in fields(SamplerSettings) if f.name == name)
    return meta["kind"], meta["low"], meta["high"]


def help_text(name: str) -> str:
    """The field's one-line description, with its range."""
    kind, low, high = limits(name)
    meta = next(f.metadata for f in fields(SamplerSettings) if f.name == name)
    span = "true or false" if kind is bool else f"{low:g}..{high:g}"
    return f"{meta['help']} ({span})"


def check_value(name: str, value) -> None:
    """Raise :class:`SettingError` unless ``value`` suits field ``name`` (bools are not numbers)."""
    kind, low, high = limits(name)
    if kind is bool:
        if not isinstance(value, bool) and type(value).__name__ != "bool_":
            raise SettingError(name, f"must be True or False, got {value!r}")
        return
    if isinstance(value, bool) or not isinstance(value, Integral if kind is int else Real):
        noun = "an integer" if kind is int else "a number"
        raise SettingError(name, f"must be {noun} in [{low:g}, {high:g}], got {value!r}")
    if not low <= value <= high:
        noun = "an integer" if kind is int else "a number"
        raise SettingError(name, f"must be {noun} in [{low:g}, {high:g}], got {value!r}")
