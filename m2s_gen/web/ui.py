"""The gradio page: an Upmix tab (controls, players side by side, plots, downloads) and a Blind test tab.

Only the layout is here: :class:`.handlers.PageHandlers` does what the buttons ask, and the work is in
:mod:`.inputs`, :mod:`.upmix`, :mod:`.plots` and :mod:`.blind`, which know nothing of gradio.
"""
from __future__ import annotations

from pathlib import Path

import gradio as gr

from .blind import CHOICES
from .controls import prompt_words
from .handlers import NO_TRIALS, PageHandlers
from .session import close_session
from .settings import WebSettings
from .upmix import DOWNLOAD_FORMATS

from m2s_gen.media.formats import AUDIO_READ, VIDEO_READ

AUDIO_TYPES = list(AUDIO_READ + VIDEO_READ)  # for a video, its first audio stream is upmixed
SESSION_IDLE_S = 6 * 3600
CSS = ".m2s-players { flex-wrap: wrap; } .m2s-players > div { min-width: 260px; }"


def build_app(upmixer, settings: WebSettings, root: Path, model_name: str = "the bundled model") -> gr.Blocks:
    """The page for ``upmixer``. Per-visitor files go under ``root`` (the caller creates and removes it)."""
    handlers = PageHandlers(upmixer, settings, root)
    presets, player_labels = handlers.presets, handlers.player_labels

    with gr.Blocks(title="m2s-gen: mono to stereo", delete_cache=(900, 3600)) as demo:
        # gradio calls close_session an hour after the visitor leaves, or when the session idled this long
        session = gr.State(None, time_to_live=SESSION_IDLE_S, delete_callback=close_session)
        gr.Markdown(f"# m2s-gen: mono to stereo\nUpmix a mono recording with {model_name} and compare it with "
                    f"the best DSP baseline ({settings.baseline}). The fold-down (L+R)/2 of every take is the "
                    "input exactly. A stereo file is folded to mono, and its original is offered as the reference. "
                    f"Limits: {settings.max_upload_mb:g} MB, {settings.max_duration_s:g} s.")
        with gr.Tab("Upmix"):
            with gr.Row():
                with gr.Column(scale=1):
                    upload = gr.File(label="audio or video file (mono, or stereo to fold)", file_types=AUDIO_TYPES,
                                     type="filepath", elem_id="m2s-upload")
                    run = gr.Button("Upmix", variant="primary", elem_id="m2s-run")
                with gr.Column(scale=2):
                    words = gr.Dropdown(prompt_words(), multiselect=True, label="prompt words", value=[])
                    with gr.Row():
                        width_db = gr.Textbox(label="width (dB, -40..10; empty: the model's)", elem_id="m2s-width")
                        bass = gr.Textbox(label="mono bass below (Hz; empty: off)", elem_id="m2s-bass")
                        seed = gr.Number(0, label="seed", precision=0, minimum=0)
                        takes = gr.Slider(1, settings.max_takes, value=1, step=1, label="takes", elem_id="m2s-takes")
                    preset = gr.Dropdown(presets, value=None, label="preset (empty: the model's defaults)",
                                         info="faithful: closest to the original on average; natural: most like "
                                         "real stereo. Draws and temperature below override it.", elem_id="m2s-preset")
                    with gr.Accordion("sampler (empty: the model's defaults)", open=False):
                        with gr.Row():
                            steps = gr.Textbox(label="steps (1..1000)")
                            draws = gr.Textbox(label="draws (1..64)")
                            temperature = gr.Textbox(label="temperature (0..2)")
                            guidance = gr.Textbox(label="guidance (0..20)")
            status = gr.Markdown(elem_id="m2s-status")
            with gr.Row(elem_classes="m2s-players"):
                players = [gr.Audio(label=label, type="filepath", interactive=False, visible=False,
                                    buttons=["download"], elem_id=f"m2s-player-{k}")
                           for k, label in enumerate(player_labels)]
            goniometer = gr.Image(label="goniometer", type="filepath", interactive=False, elem_id="m2s-goniometer")
            with gr.Row():
                band_widths = gr.Image(label="width per band", type="filepath", interactive=False,
                                       elem_id="m2s-band-widths")
                correlation = gr.Image(label="L/R correlation over time", type="filepath", interactive=False,
                                       elem_id="m2s-correlation")
            with gr.Row():
                fmt = gr.Radio(list(DOWNLOAD_FORMATS), value="WAV", label="download format (WAV: 32-bit float, "
                               "FLAC: 24-bit, MP3: 320k, M4A: AAC 256k)", elem_id="m2s-format")
                files = gr.File(label="download the takes (for a video: the video with the first take as its audio)",
                                file_count="multiple", interactive=False,
                                elem_id="m2s-downloads")
        with gr.Tab("Blind test"):
            gr.Markdown("Each trial plays two sounds, A and B, without their names: the model against the "
                        "baseline, and against the original when the input was stereo. Which is which is drawn at "
                        "random. Choose the one you prefer; the results give each system's preference with a 95% "
                        "binomial interval.")
            add = gr.Button("Add the last upmix to the test", elem_id="m2s-blind-add")
            line = gr.Markdown(NO_TRIALS, elem_id="m2s-blind-line")
            with gr.Row():
                player_a = gr.Audio(label="A", type="filepath", interactive=False, buttons=[], elem_id="m2s-blind-a")
                player_b = gr.Audio(label="B", type="filepath", interactive=False, buttons=[], elem_id="m2s-blind-b")
            with gr.Row():
                choose = [gr.Button(f"{choice} sounds better", interactive=False, elem_id=f"m2s-choose-{choice}")
                          for choice in CHOICES]
            summary = gr.Markdown(elem_id="m2s-blind-summary")
            results = gr.File(label="results (JSON, CSV)", file_count="multiple", interactive=False,
                              elem_id="m2s-blind-results")

        controls = [upload, words, width_db, bass, seed, takes, preset, steps, draws, temperature, guidance, fmt]
        outputs = [status, *players, goniometer, band_widths, correlation, files, session]
        run.click(handlers.upmix, [*controls, session], outputs)
        fmt.change(handlers.change_format, [fmt, session], files)
        view = [line, player_a, player_b, *choose, summary, results, session]
        add.click(handlers.blind_add, session, view)
        for choice, button in zip(CHOICES, choose):
            button.click(handlers.chooser(choice), session, view)
    return demo
