"""Systems under evaluation: callables `(mono [T], sample_rate, seed, **controls) -> stereo [2, T]`.

Names: every key of `m2s_gen.baselines.BASELINES`, plus `model` (the package's default model)
and `model:PATH` (a saved model folder), each optionally with `@PRESET` (`model@natural`: the model
with a sampler preset of `m2s_gen.presets`). `build_system(name)` is the one place names are resolved.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from m2s_gen.baselines import BASELINES, MID_PRESERVING, BaselineUnavailable

System = Callable[..., np.ndarray]
MODEL_PREFIX = "model"
PRESET_SEPARATOR = "@"


class UnknownSystemError(ValueError):
    """A system name that is neither a baseline nor `model` / `model:PATH`."""


def system_names() -> list[str]:
    """All accepted names (`model:PATH` shown as such)."""
    return [*BASELINES, MODEL_PREFIX, f"{MODEL_PREFIX}:PATH", f"{MODEL_PREFIX}[:PATH]@PRESET"]


def is_model(name: str) -> bool:
    """True for `model`, `model:PATH` and either with `@PRESET`."""
    return name == MODEL_PREFIX or name.startswith((MODEL_PREFIX + ":", MODEL_PREFIX + PRESET_SEPARATOR))


def split_model_name(name: str) -> tuple[str | None, str | None]:
    """(path or None, preset or None) of a model system name: `model:runs/x@natural` -> ("runs/x", "natural")."""
    rest = name[len(MODEL_PREFIX):]
    preset = None
    if PRESET_SEPARATOR in rest and "/" not in rest.rsplit(PRESET_SEPARATOR, 1)[1]:  # not an '@' inside a path
        rest, preset = rest.rsplit(PRESET_SEPARATOR, 1)
    return (rest[1:] or None) if rest.startswith(":") else None, preset or None


def is_mid_preserving(name: str) -> bool:
    """Whether the system keeps (L + R) / 2 equal to the input by construction."""
    return is_model(name) or name in MID_PRESERVING


def check_system_names(names: list[str]) -> None:
    """Raise `UnknownSystemError` naming the first bad name and listing the valid ones."""
    for name in names:
        if not (name in BASELINES or is_model(name)):
            raise UnknownSystemError(f"unknown system {name!r}; valid names: {', '.join(system_names())}")


def load_upmixer(path: str | None = None, device: str | None = None):
    """`Upmixer.from_pretrained(path)` (None: the package's default model) on `device` (None: its default)."""
    from m2s_gen import Upmixer  # lazy: the model and torch are only needed for the model systems

    return Upmixer.from_pretrained(path) if device is None else Upmixer.from_pretrained(path, device=device)


def upmixer_system(upmixer, **settings) -> System:
    """A loaded Upmixer as a system, called with `settings` (e.g. `preset="natural"`, `num_draws=4`).

    Extra keyword arguments of a call (`width_db=`, `prompt=`, `num_steps=`) go to the Upmixer too,
    over `settings`.
    """
    import torch

    def run(mono: np.ndarray, sample_rate: int, seed: int = 0, **controls) -> np.ndarray:
        with torch.inference_mode():
            stereo = upmixer(torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32)),
                             sample_rate=sample_rate, seed=seed, **{**settings, **controls})
        stereo = stereo.detach().cpu().numpy() if hasattr(stereo, "detach") else np.asarray(stereo)
        return stereo.astype(np.float32)

    return run


def model_system(path: str | None = None, device: str | None = None, preset: str | None = None) -> System:
    """The package's Upmixer as a system; `path=None` loads the default model; `device` e.g. "cuda";
    `preset` a sampler preset name (checked against the model's presets: `ValueError`)."""
    upmixer = load_upmixer(path, device)
    if preset is None:
        return upmixer_system(upmixer)
    from m2s_gen.presets import resolve

    resolve(preset, upmixer.config.presets)
    return upmixer_system(upmixer, preset=preset)


def build_system(name: str, model_path: str | None = None, device: str | None = None) -> System:
    """Resolve a system name to its callable.

    Args:
        name: a baseline name, `model` or `model:PATH`, the latter two optionally with `@PRESET`.
        model_path: the folder used by a bare `model` (None: the package's default model).
        device: torch device of the model (None: the Upmixer's default).

    Raises:
        UnknownSystemError: the name is not known.
    """
    check_system_names([name])
    if is_model(name):
        path, preset = split_model_name(name)
        return model_system(path or model_path, device, preset)
    return BASELINES[name]


__all__ = ["BaselineUnavailable", "System", "UnknownSystemError", "build_system", "check_system_names",
           "is_mid_preserving", "is_model", "load_upmixer", "model_system", "split_model_name", "system_names",
           "upmixer_system"]
