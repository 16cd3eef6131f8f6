"""Training windows for the width head and the width probe: what a window sounds like (its
conditioning summary, or its band dynamics) and how wide it really is (energy-weighted side-to-mid
ratio per band). From precomputed latents (:func:`load_windows`) or straight from a prepared
dataset's audio (:func:`audio_windows`: no codec needed, for heads on the band dynamics)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from safetensors import safe_open

from m2s_gen import band_dynamics, features, spatial

WINDOW_FRAMES = 250  # 10 s of 40 ms parameter frames: the denoiser's window
MIN_AUDIBLE_FRAMES = 25
BAND_FLOOR_BELOW_LOUDEST_DB = 60.0
WINDOWS_PER_TRACK = 6  # spread evenly over each track (one for tracks under two windows)


def load_windows(folder: Path, latent_dim: int, window_frames: int = WINDOW_FRAMES, latent_scale: float = 1.0,
                 summary: str = "window") -> dict:
    """Per window of every shard in `folder`: conditioning summary `[2C]`, real width per band `[B]`
    (NaN where the band is silent or above the source's Nyquist), package name. The shards hold raw
    codec latents; ``latent_scale`` divides them as the upmixer does (its ``UpmixerConfig.latent_scale``).
    ``summary``: "window" summarises each window's own conditioning, "track" all of the shard's."""
    if summary not in ("window", "track"):
        raise ValueError(f"summary must be 'window' or 'track', got {summary!r}")
    feats, widths, packages = [], [], []
    edges_hz = np.array([hi for _, hi in spatial.band_edges_hz()])
    for path in sorted(folder.glob("*.safetensors")):
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            cond, params = f.get_tensor("cond").float(), f.get_tensor("params").float()
        cond[:latent_dim] /= latent_scale
        rate = float(meta.get("source_rate_hz", spatial.MODEL_SAMPLE_RATE))
        above_nyquist = edges_hz > rate / 2 + 1.0
        package = meta.get("name", path.stem.replace("__", "/")).split("/")[0]
        whole = features.track_context(cond).numpy() if summary == "track" else None
        for start in range(0, cond.shape[-1] - window_frames + 1, window_frames):
            c = cond[:, start:start + window_frames]
            p = params[:, start:start + window_frames]
            width = band_width_db(c[latent_dim:], p[: spatial.NUM_BANDS])
            if width is None:
                continue
            width[above_nyquist] = np.nan
            feats.append(whole if whole is not None else features.track_context(c).numpy())
            widths.append(width)
            packages.append(package)
    return {"features": np.array(feats), "widths": np.array(widths), "packages": np.array(packages)}


def band_width_db(energy_norm: torch.Tensor, ratio_db: torch.Tensor) -> np.ndarray | None:
    """Energy-weighted side-to-mid ratio per band over a window (None if it is almost silent)."""
    mid_db = energy_norm.double() * features.MID_DB_SCALE + features.MID_DB_CENTRE
    loudest = mid_db.amax(dim=0)
    audible = loudest > loudest.max() - 50.0
    if int(audible.sum()) < MIN_AUDIBLE_FRAMES:
        return None
    e_mid = 10.0 ** (mid_db[:, audible] / 10.0)
    e_side = e_mid * 10.0 ** (ratio_db.double()[:, audible] / 10.0)
    width = 10.0 * torch.log10(e_side.sum(1) / e_mid.sum(1).clamp_min(1e-30))
    band_db = 10.0 * torch.log10(e_mid.mean(1).clamp_min(1e-30))
    width[band_db < band_db.max() - BAND_FLOOR_BELOW_LOUDEST_DB] = float("nan")
    return width.numpy()


def audio_windows(data_dir: str | Path, split: str, windows_per_track: int = WINDOWS_PER_TRACK,
                  window_frames: int = WINDOW_FRAMES, progress: bool = True) -> dict:
    """Windows of the tracks of ``split`` in a prepared dataset (or a folder of stereo files): per
    window, its band dynamics ``[5B]`` (:mod:`m2s_gen.band_dynamics`, from the mid's band energies
    computed as the upmixer's conditioning does), its real width per band ``[B]`` (NaN: silent band,
    or above the source's Nyquist frequency) and its package (the first part of the track id)."""
    from tqdm.auto import tqdm

    from evaluation.clips import find_tracks

    window = window_frames * spatial.PARAM_HOP
    edges_hz = np.array([hi for _, hi in spatial.band_edges_hz()])
    rates = _source_rates(Path(data_dir), split)
    feats, widths, packages = [], [], []
    for track in tqdm(find_tracks(data_dir, split), desc=f"{split} windows", unit="track", disable=not progress):
        if track.sample_rate != spatial.MODEL_SAMPLE_RATE or track.num_samples < window:
            continue  # prepared data is at the model rate; other folders would need resampling first
        count = windows_per_track if track.num_samples >= 2 * window else 1
        starts = sorted({int(s) for s in np.linspace(0, track.num_samples - window, count)})
        above_nyquist = edges_hz > rates.get(track.track_id, spatial.MODEL_SAMPLE_RATE) / 2 + 1.0
        for start in starts:
            stereo = torch.from_numpy(np.asarray(track.read(start, start + window), dtype=np.float32))
            mid, side = 0.5 * (stereo[0] + stereo[1]), 0.5 * (stereo[0] - stereo[1])
            energy = (spatial.mid_band_energy_db(mid) - features.MID_DB_CENTRE) / features.MID_DB_SCALE
            width = band_width_db(energy, spatial.analyze(mid, side)[: spatial.NUM_BANDS])
            if width is None:
                continue
            width[above_nyquist] = np.nan
            feats.append(band_dynamics.band_dynamics(energy).numpy())
            widths.append(width)
            packages.append(track.track_id.split("/")[0])
    return {"features": np.array(feats, np.float64).reshape(len(feats), band_dynamics.NUM_FEATURES),
            "widths": np.array(widths, np.float64).reshape(len(widths), spatial.NUM_BANDS),
            "packages": np.array(packages)}


def _source_rates(data_dir: Path, split: str) -> dict[str, float]:
    """Track id -> the source's sample rate, from a prepared dataset's rows (empty for folders)."""
    folder = data_dir / "dataset"
    if not (folder / "dataset_dict.json").is_file():
        return {}
    from datasets import load_from_disk

    rows = load_from_disk(str(folder))[split]
    return {f"{package}/{Path(path).stem}": float(rate)
            for package, path, rate in zip(rows["package"], rows["path"], rows["source_sample_rate"])}
