"""The model card written beside every saved model (``MODEL_CARD.md``)."""
from __future__ import annotations

from . import spatial


#: What the evaluation tables measure, in a user's words (docs/evaluation.md has the formulas).
EVALUATION_INTRO = (
    "Real stereo clips the model never trained on are folded to mono, upmixed, and compared with the "
    "original stereo. Faithfulness (side log-mel distance, per-octave width and ICC errors, and the rest "
    "of the distances) is how close each output is to its own original; realism (Fréchet distance to "
    "real stereo, and how often a classifier tells an output from an original segment: 0.5 means never) "
    "is how much the outputs as a whole look like real stereo. Lower is better for both. The DSP "
    "baselines are fixed stereoizers (delays and decorrelators); `model@natural` is the `natural` "
    "preset. Formulas: docs/evaluation.md of the project.\n")


def _presets_line(presets: dict | None) -> str:
    """" Presets (`preset=`): name: settings; ..." or "" without presets saved in the model."""
    if not presets:
        return ""
    described = "; ".join(f"`{name}`: " + ", ".join(f"{key} {value}" for key, value in settings.items())
                          for name, settings in presets.items())
    return (f" Presets (`preset=`, chosen by `python -m evaluation.tradeoff`, faithfulness against realism): "
            f"{described}.")


def render_model_card(upmixer, training: dict | None = None, metrics_markdown: str = "") -> str:
    """Markdown card: intended use, architecture, data, compute, metrics, limitations.

    ``training``: facts about the run (keys ``data``, ``hours``, ``compute``, ``steps``...), as measured.
    ``metrics_markdown``: the evaluation table, as written by ``m2s evaluate``.
    """
    training = training or {}
    den, codec = upmixer.denoiser.config, getattr(upmixer.codec, "config", None)
    n_den = sum(p.numel() for p in upmixer.denoiser.parameters())
    n_codec = sum(p.numel() for p in upmixer.codec.parameters())
    codec_line = (f"SEANet (EnCodec architecture), {codec.n_filters} filters, ratios {list(codec.ratios)}, "
                  f"{codec.latent_dim}-dim continuous latents at {codec.sample_rate / upmixer.codec.hop_length:g} Hz"
                  if codec is not None else "Meta's encodec_48khz")
    name = getattr(upmixer.config, "release_name", None)
    version = getattr(upmixer.config, "release_version", None)
    title = f"{name} {version}".strip() if name else "m2s-gen upmixer"
    lines = [
        f"# {title} model card", "",
        *([f"Release: `{name}`" + (f", version {version}" if version else "") + " (the m2s-gen package's "
           "bundled mono-to-stereo model).", ""] if name else []),
        "## Intended use",
        "Turning mono music (old records, demos, home recordings) into stereo. The output's fold-down "
        "(L+R)/2 equals the input exactly; the model only decides the side signal. Not intended for speech "
        "forensics or for recovering an original stereo mix: the stereo is generated, not restored.", "",
        "## Architecture",
        f"- Codec (conditioning encoder): {codec_line}; {n_codec / 1e6:.2f} M parameters.",
        f"- Denoiser: 1-D transformer, {den.num_layers} layers x {den.hidden_dim} wide, {den.num_heads} heads, "
        f"adaLN conditioning on timestep and {den.num_attributes} style attributes; {n_den / 1e6:.2f} M parameters.",
        f"- Generated latent: {spatial.NUM_BANDS} ERB bands x (side/mid ratio, complex coherence) every "
        f"{spatial.PARAM_HOP / spatial.MODEL_SAMPLE_RATE * 1000:g} ms; rendered onto the input's own spectrum "
        "(coherent part + decorrelated copy orthogonalised against the mid per tile, "
        "with the mid's energy in every quarter band and frame).",
        f"- Sampler: diffusers {upmixer.scheduler_config.get('_class_name', 'DPMSolverMultistepScheduler')}, "
        f"{upmixer.config.default_num_steps} steps, guidance {upmixer.config.default_guidance_scale}, "
        f"temperature {upmixer.config.default_temperature}; each take is the consensus of "
        f"{upmixer.config.default_num_draws} draw(s) (`m2s_gen/posterior.py`)"
        + ("; per-band calibration of the ratio and coherence fitted on training-package clips "
           "(`training/calibrate.py`)" if upmixer.config.ratio_offset_db is not None
           and upmixer.config.default_calibrate else "")
        + (f"; each band's level moved {upmixer.config.band_level_anchor:g} of the way to the width the "
           "width head predicts for that band from the window's "
           + (f"band dynamics (level, spread and movement of the bands of the mid within "
              f"{upmixer.width_head.band_reach()} of it: `m2s_gen/band_dynamics.py`)"
              if upmixer.width_head.features == "band_dynamics" else "conditioning summary")
           + " (a ridge regression fitted on the training packages: `m2s_gen/width_head.py`), the course over "
           "time and the coherence left to the model"
           + (f"; `level_spread` (default {upmixer.config.default_level_spread:g}) draws each take's band levels "
              "around that prediction, in units of the spread of the head's errors on packages it was not fitted on."
              if upmixer.width_head.residual_tril is not None else ".")
           if getattr(upmixer, "width_head", None) is not None and upmixer.config.anchor_to_width_head
           and upmixer.config.band_level_anchor > 0 else
           f"; each band's level moved {upmixer.config.band_level_anchor:g} of the way to the training "
           "music's typical width of that band"
           + (" (below 180 Hz, narrower the more the bass level moves: `m2s_gen/level_profile.py`)"
              if upmixer.config.band_level_flux_slope_db is not None else "")
           + ", the course over time and the coherence left to the model."
           if upmixer.config.band_level_profile_db is not None and upmixer.config.band_level_anchor > 0 else ".")
        + (f" Each band's width then moves within the segment as predicted from the mid's envelope, at the "
           f"renderer's 10 ms frames (`m2s_gen/time_course.py`, fitted on training-package clips by "
           f"`training.fit_time_course`; `time_course` default {upmixer.config.default_time_course:g})."
           if upmixer.config.time_course_weights is not None and upmixer.config.default_time_course > 0 else "")
        + (f" The renderer holds each band's width over the segment at the image's (`hold_band_widths` "
           f"{upmixer.config.hold_band_widths:g})." if upmixer.config.hold_band_widths > 0 else "")
        + (f" Every side-to-mid ratio is shifted by {upmixer.config.side_level_offset_db:+g} dB, the shift whose "
           "smallest improvement over freq_decorrelator (side log-mel, width, ICC) was largest on training clips "
           "(`training.fit_side_level`)." if upmixer.config.side_level_offset_db else "")
        + _presets_line(upmixer.config.presets), "",
        "## Training data",
        training.get("data", "(not recorded)"), "",
        "## Training compute",
        training.get("compute", "(not recorded)"), "",
        "## Evaluation",
        EVALUATION_INTRO if metrics_markdown else "",
        metrics_markdown or "(no evaluation recorded with this copy; see the project's evaluation/reports/)", "",
        "## Limitations",
        "- Trained on game soundtracks (orchestral, cinematic, electronic, rock, ambient, chiptune); other "
        "genres, speech and very old recordings with noise are out of its training distribution.",
        "- The side is built from the input's own spectrum: sources that are mixed together in the mono "
        "cannot be separated and panned apart; the model decides width, coherence and movement per band.",
        "- Width control is met exactly on the broadband ratio. Prompt words are met exactly on the "
        "generated parameters (width, low/high-band width, coherence, movement); the coherence measured on "
        "the output is close to, not exactly, the word's target.",
        "- How far it is ahead of the DSP baselines, on which measures, and where it is not: see the "
        "Evaluation tables and the project's docs/results.md. On productions in no package of its data "
        "list (the held-out table, when given) the lead is smaller than on the validation packages, and the "
        "narrowest and the widest productions get an image closer to the typical one than to their own. "
        "The 95% intervals beside each improvement resample whole productions: where one reaches below 0, "
        "another set of productions like those could put the baseline ahead.",
        "- The width of the lowest octaves is guessed from mostly orchestral training music, which has wide "
        "bass; pop, rock and electronic mixes usually keep the bass mono: use `bass_mono_hz` or the prompt "
        "`mono bass` for them.", "",
        "## Publishing",
        "`Upmixer.save_pretrained(folder)` writes this card with the weights (safetensors + JSON only); "
        "`Upmixer.push_to_hub('org/name')` uploads them (needs a Hugging Face token).", "",
    ]
    return "\n".join(lines)
