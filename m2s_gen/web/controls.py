"""The page's upmix settings: the CLI's controls, checked with the pipeline's own checks."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from m2s_gen import presets
from m2s_gen.prompts import VOCABULARY, parse_prompt

MAX_SEED = 2**31 - 1


def prompt_words() -> list[str]:
    """The prompt vocabulary, in the order the README lists it."""
    return list(VOCABULARY)


def preset_names(upmixer=None) -> list[str]:
    """Named sampler presets (:mod:`m2s_gen.presets`): the built-in ones and the model's own."""
    return sorted(presets.available(_model_presets(upmixer)))


def _model_presets(upmixer) -> dict | None:
    return getattr(getattr(upmixer, "config", None), "presets", None)


@dataclass
class Controls:
    """One upmix request. ``None`` leaves a setting to the model (or the preset)."""

    prompt_words: list[str] = field(default_factory=list)
    width_db: float | None = None
    bass_mono_hz: float | None = None
    seed: int = 0
    num_takes: int = 1
    preset: str | None = None
    num_steps: int | None = None
    num_draws: int | None = None
    temperature: float | None = None
    guidance_scale: float | None = None

    @classmethod
    def from_text(cls, words=None, seed=0, num_takes=1, preset=None, **optional) -> "Controls":
        """From the page's widgets: ``optional`` numbers arrive as text, empty for the model's default.
        Raises ``ValueError`` naming the setting."""
        values = {name: _number(text, name, integer=name in _INTEGERS) for name, text in optional.items()}
        seed = _number(seed, "seed", integer=True)
        num_takes = _number(num_takes, "takes", integer=True)
        return cls(prompt_words=list(words or []), seed=0 if seed is None else seed,
                    num_takes=1 if num_takes is None else num_takes, preset=preset or None, **values)

    @property
    def prompt(self) -> str | None:
        return ", ".join(self.prompt_words) or None

    def check(self, max_takes: int, upmixer=None) -> None:
        """Raise ``ValueError`` naming the setting and its accepted range (``upmixer``: whose presets)."""
        from m2s_gen.controls import check_controls

        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be an integer in [0, {MAX_SEED}], got {self.seed!r}")
        if not isinstance(self.num_takes, int) or not 1 <= self.num_takes <= max_takes:
            raise ValueError(f"takes must be an integer in [1, {max_takes}] on this server, got {self.num_takes!r}")
        if self.prompt:
            parse_prompt(self.prompt)
        if self.preset is not None:
            presets.resolve(self.preset, _model_presets(upmixer))
        check_controls(self.width_db, self.bass_mono_hz, self.num_takes)
        self.sampler_settings().check()

    def sampler_settings(self):
        """The form's sampler settings (``None``: the model's default)."""
        from m2s_gen.sampler_settings import SamplerSettings

        return SamplerSettings(num_steps=self.num_steps, num_draws=self.num_draws, temperature=self.temperature,
                               guidance_scale=self.guidance_scale)

    def upmixer_kwargs(self) -> dict:
        """Keyword arguments of ``Upmixer.__call__``."""
        return dict(prompt=self.prompt, width_db=self.width_db, bass_mono_hz=self.bass_mono_hz or None,
                    seed=self.seed, num_takes=self.num_takes, settings=self.sampler_settings(), preset=self.preset)

    def describe(self) -> str:
        """One line for the page: what was asked for."""
        parts = [f"seed {self.seed}", f"{self.num_takes} take(s)"]
        if self.prompt:
            parts.append(f'prompt "{self.prompt}"')
        if self.preset:
            parts.append(f"preset {self.preset}")
        if self.width_db is not None:
            parts.append(f"width {self.width_db:g} dB")
        if self.bass_mono_hz:
            parts.append(f"mono bass below {self.bass_mono_hz:g} Hz")
        for name in ("num_steps", "num_draws", "temperature", "guidance_scale"):
            if getattr(self, name) is not None:
                parts.append(f"{name} {getattr(self, name):g}")
        return ", ".join(parts)


_INTEGERS = {"num_steps", "num_draws"}


def _number(value, name: str, integer: bool = False):
    """``value`` (text or a number; empty or None: None) as a float, or an int where ``integer``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if integer:
        if number != int(number):
            raise ValueError(f"{name}: expected a whole number, got {value!r}")
        return int(number)
    return number
