"""Systems under evaluation: callables `(mono [T], sample_rate, seed, **controls) -> stereo [2, T]`.

Names: every key of `m2s_gen.baselines.BASELINES`, plus `model` (the package's default model)
and `model:PATH` (a saved model folder). `build_system(name)` is the one place names are resolved.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from m2s_gen.baselines import BASELINES, MID_PRESERVING, BaselineUnavailable

System = Callable[..., np.ndarray]
MODEL_PREFIX = "model"


class UnknownSystemError(ValueError):
    """A system name that is neither a baseline nor `model` / `model:PATH`."""


def system_names() -> list[str]:
    """All accepted names (`model:PATH` shown as such)."""
    return [*BASELINES, MODEL_PREFIX, f"{MODEL_PREFIX}:PATH"]


def is_model(name: str) -> bool:
    """True for `model` and `model:PATH`."""
    return name == MODEL_PREFIX or name.startswith(MODEL_PREFIX + ":")


def is_mid_preserving(name: str) -> bool:
    """Whether the system keeps (L + R) / 2 equal to the input by construction."""
    return is_model(name) or name in MID_PRESERVING


def check_system_names(names: list[str]) -> None:
    """Raise `UnknownSystemError` naming the first bad name and listing the valid ones."""
    for name in names:
        if not (name in BASELINES or is_model(name)):
            raise UnknownSystemError(f"unknown system {name!r}; valid names: {', '.join(system_names())}")


def model_system(path: str | None = None, device: str | None = None) -> System:
    """The package's Upmixer as a system; `path=None` loads the default model; `device` e.g. "cuda".

    Extra keyword arguments (`width_db=`, `prompt=`, `num_steps=`) go to the Upmixer call.
    """
    from m2s_gen import Upmixer  # lazy: the model and torch are only needed for this system
    import torch

    upmixer = Upmixer.from_pretrained(path) if device is None else Upmixer.from_pretrained(path, device=device)

    def run(mono: np.ndarray, sample_rate: int, seed: int = 0, **controls) -> np.ndarray:
        with torch.inference_mode():
            stereo = upmixer(torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32)),
                             sample_rate=sample_rate, seed=seed, **controls)
        stereo = stereo.detach().cpu().numpy() if hasattr(stereo, "detach") else np.asarray(stereo)
        return stereo.astype(np.float32)

    return run


def build_system(name: str, model_path: str | None = None, device: str | None = None) -> System:
    """Resolve a system name to its callable.

    Args:
        name: a baseline name, `model` or `model:PATH`.
        model_path: the folder used by a bare `model` (None: the package's default model).
        device: torch device of the model (None: the Upmixer's default).

    Raises:
        UnknownSystemError: the name is not known.
    """
    check_system_names([name])
    if is_model(name):
        path = name.split(":", 1)[1] if ":" in name else model_path
        return model_system(path, device)
    return BASELINES[name]


__all__ = ["BaselineUnavailable", "System", "UnknownSystemError", "build_system", "check_system_names",
           "is_mid_preserving", "is_model", "system_names"]
