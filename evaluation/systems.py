"""Systems under evaluation: callables `(mono [T], sample_rate, seed, **controls) -> stereo [2, T]`.

Names: every key of `m2s_gen.baselines.BASELINES`, plus `model` (the package's default model)
and `model:PATH` (a saved model folder), each optionally with `@PRESET` (`model@natural`: the model
with a sampler preset of `m2s_gen.presets`) and then `~stream` (`model~stream`: the model run live,
through `Upmixer.stream` in 10 ms blocks, its output aligned by the stream's latency). `build_system(name)` is the one place names are resolved.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from m2s_gen.baselines import BASELINES, MID_PRESERVING, BaselineUnavailable

System = Callable[..., np.ndarray]
MODEL_PREFIX = "model"
PRESET_SEPARATOR = "@"
STREAM_SUFFIX = "~stream"
STREAM_BLOCK_S = 0.01


class UnknownSystemError(ValueError):
    """A system name that is neither a baseline nor `model` / `model:PATH`."""


def system_names() -> list[str]:
    """All accepted names (`model:PATH` shown as such)."""
    return [*BASELINES, MODEL_PREFIX, f"{MODEL_PREFIX}:PATH", f"{MODEL_PREFIX}[:PATH]@PRESET",
            f"{MODEL_PREFIX}[:PATH][@PRESET]{STREAM_SUFFIX}"]


def split_stream(name: str) -> tuple[str, bool]:
    """(name without `~stream`, whether it was there)."""
    return (name[: -len(STREAM_SUFFIX)], True) if name.endswith(STREAM_SUFFIX) else (name, False)


def is_model(name: str) -> bool:
    """True for `model`, `model:PATH`, either with `@PRESET`, and any of them with `~stream`."""
    name = split_stream(name)[0]
    return name == MODEL_PREFIX or name.startswith((MODEL_PREFIX + ":", MODEL_PREFIX + PRESET_SEPARATOR))


def split_model_name(name: str) -> tuple[str | None, str | None]:
    """(path or None, preset or None) of a model system name: `model:runs/x@natural` -> ("runs/x", "natural")."""
    rest = split_stream(name)[0][len(MODEL_PREFIX):]
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


def stream_system(upmixer, **settings) -> System:
    """A loaded Upmixer run live (`Upmixer.stream`, `realtime=False`: each image on time, so the result
    depends only on the seed), fed in blocks of `STREAM_BLOCK_S`; the output is cut to the input's
    length after dropping the stream's latency. Controls of a call go to the stream, over `settings`."""

    def run(mono: np.ndarray, sample_rate: int, seed: int = 0, **controls) -> np.ndarray:
        mono = np.ascontiguousarray(mono, dtype=np.float32)
        stream = upmixer.stream(sample_rate, seed=seed, realtime=False, **{**settings, **controls})
        block = max(1, int(round(STREAM_BLOCK_S * sample_rate)))
        out = [stream.process(mono[i:i + block]) for i in range(0, len(mono), block)]
        out.append(stream.flush())
        stereo = np.concatenate(out)[stream.latency_samples:stream.latency_samples + len(mono)]
        return np.ascontiguousarray(stereo.T, dtype=np.float32)

    return run


def model_system(path: str | None = None, device: str | None = None, preset: str | None = None,
                 streamed: bool = False) -> System:
    """The package's Upmixer as a system; `path=None` loads the default model; `device` e.g. "cuda";
    `preset` a sampler preset name (checked against the model's presets: `ValueError`); `streamed`:
    run live (:func:`stream_system`)."""
    upmixer = load_upmixer(path, device)
    wrap = stream_system if streamed else upmixer_system
    if preset is None:
        return wrap(upmixer)
    from m2s_gen.presets import resolve

    resolve(preset, upmixer.config.presets)
    return wrap(upmixer, preset=preset)


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
        return model_system(path or model_path, device, preset, streamed=split_stream(name)[1])
    return BASELINES[name]


__all__ = ["BaselineUnavailable", "System", "UnknownSystemError", "build_system", "check_system_names",
           "is_mid_preserving", "is_model", "load_upmixer", "model_system", "split_model_name", "split_stream",
           "stream_system", "system_names", "upmixer_system"]
