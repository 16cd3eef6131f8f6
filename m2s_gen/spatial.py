"""The spatial representation: per band and frame, how the side S relates to the mid M.

For each tile (ERB-spaced band ``b`` x 40 ms frame ``t``) of the STFT of M and S:

- ``ratio_db``  = 10 log10(E_S / E_M), the side-to-mid energy ratio,
- ``coh_re``, ``coh_im`` = Re/Im of sum(S conj M) / sqrt(E_S E_M): the part of S that is a
  (complex-)scaled copy of M. ``1 - |coh|^2`` of the side energy is decorrelated from M.

``render_side`` turns these parameters back into a side signal built from the input's own spectrum:
a coherent part ``coh * M`` plus a decorrelated copy of M, orthogonalised against M in every tile,
so the output carries no codec artefacts and the mid stays exactly the input. Everything here runs at
:data:`MODEL_SAMPLE_RATE`; shapes are ``[T]`` for signals and ``[3 * num_bands, num_frames]`` for
parameters (rows: all ratio_db, then all coh_re, then all coh_im).
"""
from __future__ import annotations

import functools
import math

import torch

MODEL_SAMPLE_RATE = 48_000
STFT_HOP = 480  # 10 ms
STFT_WINDOW = 1920  # 40 ms
STFT_FRAMES_PER_PARAM = 4  # one parameter frame = 40 ms = 1920 samples
PARAM_HOP = STFT_HOP * STFT_FRAMES_PER_PARAM
NUM_BANDS = 32
RATIO_FLOOR_DB = -40.0
RATIO_CEIL_DB = 10.0
HOLD_PASSES = 3  # shift-and-clamp passes that hold each band's width when the ratios reach STFT frames
RESTORE_PASSES = 2  # round trips that give the decorrelated part back the energy its overlap-add loses
#: The decorrelated part's energy is set per tile in bands this many times finer than the model's
#: (a quarter of a model band, nested in it): its short-time spectrum then follows the mid's own at
#: that resolution, as a coherent copy's does, instead of the decorrelation filter's colouring.
ENVELOPE_SUBBANDS = 4
_EPS = 1e-10


def num_param_frames(num_samples: int) -> int:
    """Parameter frames covering ``num_samples`` samples at the model rate."""
    return max(1, math.ceil(num_samples / PARAM_HOP))


@functools.lru_cache(maxsize=None)
def band_of_bin(num_bands: int = NUM_BANDS) -> torch.Tensor:
    """ERB-spaced band index of each rfft bin, ``[STFT_WINDOW // 2 + 1]`` int64."""
    freqs_hz = torch.linspace(0, MODEL_SAMPLE_RATE / 2, STFT_WINDOW // 2 + 1, dtype=torch.float64)
    erb = 21.4 * torch.log10(1 + 0.00437 * freqs_hz)
    lo, hi = 21.4 * math.log10(1 + 0.00437 * 50.0), float(erb[-1])
    index = ((erb - lo) / (hi - lo) * num_bands).floor().clamp(0, num_bands - 1)
    return index.long()


def band_edges_hz(num_bands: int = NUM_BANDS) -> list[tuple[float, float]]:
    """(low, high) frequency in Hz of each band, for plots and documentation."""
    bins = band_of_bin(num_bands)
    bin_hz = MODEL_SAMPLE_RATE / STFT_WINDOW
    edges = []
    for b in range(num_bands):
        idx = torch.nonzero(bins == b).flatten()
        edges.append((float(idx.min()) * bin_hz, float(idx.max() + 1) * bin_hz) if len(idx) else (0.0, 0.0))
    return edges


def stft(x: torch.Tensor) -> torch.Tensor:
    """Complex STFT ``[..., F, N]`` of ``x`` ``[..., T]`` (Hann 40 ms, hop 10 ms, centred)."""
    window = torch.hann_window(STFT_WINDOW, dtype=x.dtype, device=x.device)
    shape = x.shape[:-1]
    spec = torch.stft(x.reshape(-1, x.shape[-1]), STFT_WINDOW, STFT_HOP, window=window,
                      center=True, return_complex=True)
    return spec.reshape(*shape, *spec.shape[-2:])


def istft(spec: torch.Tensor, num_samples: int) -> torch.Tensor:
    """Inverse of :func:`stft`, ``[..., F, N]`` -> ``[..., num_samples]``."""
    window = torch.hann_window(STFT_WINDOW, dtype=spec.real.dtype, device=spec.device)
    shape = spec.shape[:-2]
    x = torch.istft(spec.reshape(-1, *spec.shape[-2:]), STFT_WINDOW, STFT_HOP, window=window,
                    center=True, length=num_samples)
    return x.reshape(*shape, num_samples)


def _band_sum(values: torch.Tensor, num_bands: int) -> torch.Tensor:
    """Sum ``[..., F, N]`` over the bins of each band -> ``[..., num_bands, N]``."""
    bins = band_of_bin(num_bands).to(values.device)
    out = values.new_zeros(*values.shape[:-2], num_bands, values.shape[-1])
    return out.index_add_(-2, bins, values)


def _to_param_frames(tiles: torch.Tensor, num_frames: int) -> torch.Tensor:
    """Triangular-weighted pooling of STFT-rate tiles ``[..., B, N]`` to ``[..., B, num_frames]``.

    Parameter frame ``t`` is centred on STFT frame ``4t + 2`` and spans 8 STFT frames (80 ms), so
    neighbouring frames overlap by half and the parameters move smoothly.
    """
    k = STFT_FRAMES_PER_PARAM
    weights = torch.tensor([1, 2, 3, 4, 4, 3, 2, 1], dtype=tiles.dtype, device=tiles.device) / 20
    shape = tiles.shape[:-1]
    flat = tiles.reshape(-1, 1, tiles.shape[-1])
    need = num_frames * k + 4
    flat = torch.nn.functional.pad(flat, (2, max(0, need - flat.shape[-1])))
    pooled = torch.nn.functional.conv1d(flat, weights.view(1, 1, -1), stride=k)[..., :num_frames]
    return pooled.reshape(*shape, num_frames)


def _to_stft_frames(params: torch.Tensor, num_stft_frames: int) -> torch.Tensor:
    """Linear interpolation of ``[..., P, num_frames]`` at STFT frame centres -> ``[..., P, N]``."""
    num_frames = params.shape[-1]
    pos = (torch.arange(num_stft_frames, dtype=params.dtype, device=params.device) - 2) / STFT_FRAMES_PER_PARAM
    pos = pos.clamp(0, num_frames - 1)
    lo = pos.floor().long()
    hi = (lo + 1).clamp(max=num_frames - 1)
    frac = pos - lo
    return params[..., lo] * (1 - frac) + params[..., hi] * frac


def analyze(mid: torch.Tensor, side: torch.Tensor, num_bands: int = NUM_BANDS) -> torch.Tensor:
    """Spatial parameters ``[..., 3 * num_bands, num_frames]`` of a mid/side pair ``[..., T]``."""
    num_frames = num_param_frames(mid.shape[-1])
    m, s = stft(mid.float()), stft(side.float())
    e_m = _to_param_frames(_band_sum(m.abs() ** 2, num_bands), num_frames)
    e_s = _to_param_frames(_band_sum(s.abs() ** 2, num_bands), num_frames)
    cross = s * m.conj()
    c_re = _to_param_frames(_band_sum(cross.real, num_bands), num_frames)
    c_im = _to_param_frames(_band_sum(cross.imag, num_bands), num_frames)
    ratio_db = 10 * torch.log10((e_s + _EPS) / (e_m + _EPS))
    norm = torch.sqrt(e_s * e_m) + _EPS
    coh_re, coh_im = c_re / norm, c_im / norm
    params = torch.cat([ratio_db.clamp(RATIO_FLOOR_DB, RATIO_CEIL_DB), coh_re, coh_im], dim=-2)
    return params.float()


def mid_band_energy_db(mid: torch.Tensor, num_bands: int = NUM_BANDS) -> torch.Tensor:
    """Band energies of the mid in dB re full scale, ``[..., num_bands, num_frames]``."""
    num_frames = num_param_frames(mid.shape[-1])
    e_m = _to_param_frames(_band_sum(stft(mid.float()).abs() ** 2, num_bands), num_frames)
    return 10 * torch.log10(e_m / STFT_WINDOW + _EPS).clamp(min=-100.0)


def clamp_params(params: torch.Tensor) -> torch.Tensor:
    """Project parameters onto the valid set: ratio in range, |coh| <= 1."""
    ratio_db, coh_re, coh_im = params.chunk(3, dim=-2)
    mag = torch.sqrt(coh_re**2 + coh_im**2).clamp(min=1.0)
    return torch.cat([ratio_db.clamp(RATIO_FLOOR_DB, RATIO_CEIL_DB), coh_re / mag, coh_im / mag], dim=-2)


def decorrelation_filter(seed: int, length_ms: float = 30.0, decay_ms: float = 8.0) -> torch.Tensor:
    """A unit-energy exponentially decaying noise burst ``[L]``: its convolution with M is a
    decorrelated copy of M with the same long-term spectrum."""
    gen = torch.Generator().manual_seed(int(seed) & 0x7FFF_FFFF)
    n = int(MODEL_SAMPLE_RATE * length_ms / 1000)
    t_ms = torch.arange(n, dtype=torch.float64) * 1000 / MODEL_SAMPLE_RATE
    burst = torch.randn(n, generator=gen, dtype=torch.float64) * torch.exp(-t_ms / decay_ms)
    return (burst / burst.norm()).float()


def _decorrelated_spectrum(mid: torch.Tensor, m_spec: torch.Tensor, seed: int, num_bands: int,
                           subbands: int = ENVELOPE_SUBBANDS) -> torch.Tensor:
    """STFT of a decorrelated copy of ``mid``: orthogonal to M in every tile of ``num_bands`` bands,
    and of M's energy in every tile of ``subbands * num_bands`` bands.

    The filter's magnitude response is noise-like: a copy scaled per model band keeps its peaks and
    notches inside the band (about 5 dB off the mid's envelope per quarter band, against 2.5 dB
    matched there), which the side's log-mel spectrum shows as error (docs/research-log.md, "a decorrelated side that keeps the mid's envelope")."""
    h = decorrelation_filter(seed).to(mid)
    n_fft = 1 << (mid.shape[-1] + h.numel() - 1).bit_length()
    wet = torch.fft.irfft(torch.fft.rfft(mid, n_fft) * torch.fft.rfft(h, n_fft), n_fft)[..., : mid.shape[-1]]
    d_spec = stft(wet)
    bins = band_of_bin(num_bands).to(mid.device)
    e_m = _band_sum(m_spec.abs() ** 2, num_bands)
    proj = _band_sum(d_spec * m_spec.conj(), num_bands) / (e_m + _EPS)
    d_perp = d_spec - proj[..., bins, :] * m_spec
    fine = subbands * num_bands
    e_m_fine = _band_sum(m_spec.abs() ** 2, fine)
    e_d = _band_sum(d_perp.abs() ** 2, fine)
    return d_perp * torch.sqrt(e_m_fine / (e_d + _EPS))[..., band_of_bin(fine).to(mid.device), :]


def render_side(mid: torch.Tensor, params: torch.Tensor, seed: int = 0,
                time_course: tuple | None = None, hold: float = 0.0,
                envelope_subbands: int = ENVELOPE_SUBBANDS) -> torch.Tensor:
    """Side signal ``[..., T]`` for ``mid`` ``[..., T]`` from ``params`` ``[..., 3B, num_frames]``.

    ``seed`` picks the decorrelation filter, so different seeds give different diffuse parts.
    ``time_course`` ``(weights [B][1 + K], scale)``: the ratios, once at the STFT's 10 ms frames, move
    with the mid's envelope (:func:`m2s_gen.time_course.retime_ratio`); None: as sampled.
    ``hold`` 0..1: how far each band's width over the segment is brought back to the one the
    parameters give (:func:`_hold_band_widths`; 0: as interpolated).
    ``envelope_subbands``: the decorrelated part's energy follows the mid's in bands this many times
    finer than the model's (default :data:`ENVELOPE_SUBBANDS`). At low frequencies those sub-bands
    hold one or two STFT bins, and a copy matched there is partly coherent with the mid, as real
    sides are; 1 keeps the decorrelated part strictly decorrelated (asked for by the diffuse words).
    """
    num_bands = params.shape[-2] // 3
    params = clamp_params(params.float())
    m_spec = stft(mid.float())
    d_spec = _decorrelated_spectrum(mid.float(), m_spec, seed, num_bands, envelope_subbands)
    per_frame = _to_stft_frames(params, m_spec.shape[-1])
    ratio_db, coh_re, coh_im = per_frame.chunk(3, dim=-2)
    # the mid's band energies at the STFT frames [..., B, N], for the time course and the hold
    e_mid = _band_sum(m_spec.abs() ** 2, num_bands) if time_course is not None or hold > 0 else None
    if time_course is not None:
        from .time_course import retime_ratio  # imported here: it is a leaf module of its own

        ratio_db = retime_ratio(ratio_db, 10 * torch.log10(e_mid + _EPS), time_course[0], time_course[1])
    if hold > 0:
        held = _hold_band_widths(ratio_db, e_mid, params[..., :num_bands, :])
        ratio_db = ratio_db + float(hold) * (held - ratio_db)
    bins = band_of_bin(num_bands).to(mid.device)
    gain = 10 ** (ratio_db / 20)
    diffuse = torch.sqrt((1 - coh_re**2 - coh_im**2).clamp(min=0))
    coherent = torch.complex(coh_re, coh_im)
    diffuse_spec = (gain * diffuse)[..., bins, :] * d_spec
    power = diffuse_spec.abs() ** 2
    fine = envelope_subbands * num_bands
    want = _band_sum(power, fine)
    for _ in range(RESTORE_PASSES):
        diffuse_spec = _restore_energy(diffuse_spec, want, mid.shape[-1], fine)
    # a last pass per model band: narrow sub-bands (a steady partial) give back less than they lose
    diffuse_spec = _restore_energy(diffuse_spec, _band_sum(power, num_bands), mid.shape[-1], num_bands)
    side_spec = gain[..., bins, :] * coherent[..., bins, :] * m_spec + diffuse_spec
    return istft(side_spec, mid.shape[-1])


def _hold_band_widths(ratio_db: torch.Tensor, e_mid: torch.Tensor, param_ratio_db: torch.Tensor) -> torch.Tensor:
    """Per-STFT-frame ratios ``[..., B, N]`` shifted per band so that each band's width over the
    segment (weighted by the mid's energies ``e_mid`` ``[..., B, N]`` at those frames) is the width
    the parameters ``[..., B, P]`` give with the mid's energies pooled to parameter frames.

    Interpolating dB values between 40 ms frames, and the time course's movement, change a band's
    energy when its ratio swings (by 1-2 dB for a single diffusion draw): the rendered side then
    misses the band widths that anchoring and the controls set. Shift, clamp, shift again."""
    e_param = _to_param_frames(e_mid, param_ratio_db.shape[-1]).double()
    target = torch.log10((e_param * 10 ** (param_ratio_db.double() / 10)).sum(-1) + _EPS) \
        - torch.log10(e_param.sum(-1) + _EPS)
    e_frames = e_mid.double()
    out = ratio_db.double()
    for _ in range(HOLD_PASSES):
        have = torch.log10((e_frames * 10 ** (out / 10)).sum(-1) + _EPS) - torch.log10(e_frames.sum(-1) + _EPS)
        out = (out + 10 * (target - have).unsqueeze(-1)).clamp(RATIO_FLOOR_DB, RATIO_CEIL_DB)
    return out.to(ratio_db.dtype)


def _restore_energy(spec: torch.Tensor, want: torch.Tensor, num_samples: int, num_bands: int) -> torch.Tensor:
    """``spec`` ``[..., F, N]`` made consistent, with each band's energy per frame ``want`` ``[..., B, N]``.

    The decorrelated part is built frame by frame (projection removed, energy set per tile), so its
    STFT is not the STFT of any signal, and the overlap-add of the inverse loses part of it: 2-3 dB on
    music, 7 dB on a few steady partials. A round trip makes it consistent; the lost energy is then
    given back per band and frame (gains smoothed over three frames, at most +12 dB a pass)."""
    have_spec = stft(istft(spec, num_samples))[..., : spec.shape[-1]]
    have = _band_sum(have_spec.abs() ** 2, num_bands)
    kernel = torch.ones(1, 1, 3, dtype=want.dtype, device=want.device) / 3
    flat = lambda x: x.reshape(-1, 1, x.shape[-1])  # noqa: E731
    smooth = lambda x: torch.nn.functional.conv1d(torch.nn.functional.pad(flat(x), (1, 1), mode="replicate"),  # noqa: E731
                                                  kernel).reshape(x.shape)
    gain = torch.sqrt(smooth(want) / (smooth(have) + _EPS)).clamp(max=4.0)
    return have_spec * gain[..., band_of_bin(num_bands).to(spec.device), :]


def set_rows_width(params: torch.Tensor, mid_energy_db: torch.Tensor, rows: torch.Tensor,
                   width_db: float) -> torch.Tensor:
    """Shift the side-to-mid ratios of the bands in ``rows`` (bool ``[B]``) of ``params`` ``[3B, N]``
    so that together they have the energy ratio ``width_db`` over the segment (``mid_energy_db``
    ``[B, N]`` weighs the tiles). No rows, or no energy in them: unchanged."""
    num_bands = params.shape[-2] // 3
    e_mid = 10 ** (mid_energy_db[rows].double() / 10)
    e_side = (e_mid * 10 ** (params[:num_bands][rows].double() / 10)).sum()
    if float(e_side) <= 0 or float(e_mid.sum()) <= 0:
        return params
    out = params.clone()
    gain_db = width_db - 10 * torch.log10(e_side / e_mid.sum())
    out[:num_bands][rows] = (params[:num_bands][rows].double() + gain_db).float()
    return out


def set_band_widths(params: torch.Tensor, mid_energy_db: torch.Tensor,
                    band_widths_db: list[tuple[float, float, float]]) -> torch.Tensor:
    """Shift the side-to-mid ratios of ``params`` ``[3B, N]`` so that, for each
    ``(low_hz, high_hz, width_db)``, the bands whose centre lies in ``[low_hz, high_hz)`` have the
    energy ratio ``width_db`` over the segment (``mid_energy_db`` ``[B, N]`` weighs the tiles)."""
    num_bands = params.shape[-2] // 3
    centres = torch.tensor([(lo + hi) / 2 for lo, hi in band_edges_hz(num_bands)])
    for low_hz, high_hz, width_db in band_widths_db:
        params = set_rows_width(params, mid_energy_db, (centres >= low_hz) & (centres < high_hz), width_db)
    return params.clone()
