"""The renderer's band-width hold: a swinging ratio keeps each band's width over the segment."""
import pytest
import torch

from conftest import make_tiny_upmixer
from m2s_gen import Upmixer, spatial
from m2s_gen.loading import ModelLoadError

B = spatial.NUM_BANDS


def _band_widths_db(mid: torch.Tensor, side: torch.Tensor) -> torch.Tensor:
    """Each band's side-to-mid energy ratio over the whole signal, dB ``[B]``."""
    e_mid = spatial._band_sum(spatial.stft(mid).abs() ** 2, B).sum(-1)
    e_side = spatial._band_sum(spatial.stft(side).abs() ** 2, B).sum(-1)
    return 10 * torch.log10(e_side / e_mid)


def test_hold_brings_a_swinging_band_back_to_its_width():
    torch.manual_seed(0)
    mid = torch.randn(4 * spatial.MODEL_SAMPLE_RATE) * 0.1
    frames = spatial.num_param_frames(mid.shape[-1])
    params = torch.zeros(3 * B, frames)
    params[:B] = -12.0
    params[:B, ::2] = -36.0  # every other 40 ms frame 24 dB narrower: interpolation loses energy
    e_param = spatial._to_param_frames(spatial._band_sum(spatial.stft(mid).abs() ** 2, B), frames).double()
    target = 10 * torch.log10((e_param * 10 ** (params[:B].double() / 10)).sum(-1) / e_param.sum(-1))
    plain = _band_widths_db(mid, spatial.render_side(mid, params, seed=0))
    held = _band_widths_db(mid, spatial.render_side(mid, params, seed=0, hold=1.0))
    half = _band_widths_db(mid, spatial.render_side(mid, params, seed=0, hold=0.5))
    bands = slice(4, B - 2)  # bands with several STFT bins
    miss_plain = (plain - target.float())[bands].abs().mean()
    miss_held = (held - target.float())[bands].abs().mean()
    assert miss_plain > 1.0  # what the hold is for
    assert miss_held < 0.3 * miss_plain
    assert float((half - target.float())[bands].abs().mean()) < float(miss_plain)
    # a steady ratio is rendered as it is, with or without the hold
    params[:B] = -12.0
    steady, steady_held = (spatial.render_side(mid, params, seed=0, hold=h) for h in (0.0, 1.0))
    assert torch.allclose(steady, steady_held, atol=1e-5)


def test_hold_is_a_checked_model_setting(tmp_path):
    upmixer = make_tiny_upmixer(seed=2)
    upmixer.config.hold_band_widths = 1.0
    upmixer.save_pretrained(tmp_path / "m")
    loaded = Upmixer.from_pretrained(tmp_path / "m")
    assert loaded.config.hold_band_widths == 1.0
    mono = torch.randn(3 * 44_100) * 0.1
    out = loaded(mono, 44_100, seed=0)
    assert torch.allclose(out.mean(0), mono, atol=1e-6)
    # the call's setting wins over the model's; 0 renders the movement as interpolated
    assert torch.equal(loaded(mono, 44_100, seed=0, hold_band_widths=1.0), out)
    assert not torch.equal(loaded(mono, 44_100, seed=0, hold_band_widths=0.0), out)
    with pytest.raises(ValueError, match="hold_band_widths"):
        loaded(mono, 44_100, hold_band_widths=2.0)
    import json

    path = tmp_path / "m" / "upmixer_config.json"
    config = json.loads(path.read_text())
    config["hold_band_widths"] = 1.5
    path.write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="hold_band_widths"):
        Upmixer.from_pretrained(tmp_path / "m")
