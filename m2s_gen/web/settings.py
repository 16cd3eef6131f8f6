"""Limits and choices of the web page, set by ``m2s serve`` options or ``M2S_WEB_*`` environment
variables (for a Hugging Face Space, where there is no command line)."""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

#: the DSP baseline shown beside the model: the best on per-octave width and ICC error (README, Results)
DEFAULT_BASELINE = "freq_decorrelator"
ENV_PREFIX = "M2S_WEB_"


@dataclass(frozen=True)
class WebSettings:
    """What one visitor may ask of the server."""

    max_upload_mb: float = 200.0  # refused by the server before our code sees the file
    max_duration_s: float = 600.0  # read from the file's header, before decoding it
    max_takes: int = 4  # takes per upmix (each costs one model run)
    baseline: str = DEFAULT_BASELINE
    results_dir: Path | None = None  # blind-test results are also kept here (server side), if set

    def __post_init__(self) -> None:
        from m2s_gen.baselines import BASELINES

        if not 0 < self.max_upload_mb <= 10_000:
            raise ValueError(f"max_upload_mb must be in (0, 10000] MB, got {self.max_upload_mb}")
        if not 0 < self.max_duration_s <= 24 * 3600:
            raise ValueError(f"max_duration_s must be in (0, 86400] s, got {self.max_duration_s}")
        if isinstance(self.max_takes, bool) or not isinstance(self.max_takes, int) or not 1 <= self.max_takes <= 8:
            raise ValueError(f"max_takes must be an integer in [1, 8], got {self.max_takes!r}")
        if self.baseline not in BASELINES:
            raise ValueError(f"baseline: unknown {self.baseline!r}; choose from {', '.join(BASELINES)}")
        if self.results_dir is not None:
            object.__setattr__(self, "results_dir", Path(self.results_dir))

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> "WebSettings":
        """Defaults, then ``M2S_WEB_MAX_UPLOAD_MB`` etc. from ``environ``, then ``overrides`` (not None)."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in fields(cls):
            text = environ.get(ENV_PREFIX + field.name.upper())
            if text is None or text == "":
                continue
            kind = {"max_upload_mb": float, "max_duration_s": float, "max_takes": int}.get(field.name, str)
            try:
                values[field.name] = kind(text)
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{field.name.upper()}: expected a number, got {text!r}") from None
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)
