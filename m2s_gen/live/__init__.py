"""Live upmixing: a causal stream of the upmixer (:meth:`m2s_gen.Upmixer.stream`).

- :mod:`.stream`: :class:`UpmixStream`, mono blocks in, stereo blocks out, a fixed latency;
- :mod:`.causal_render`: the side rendered frame by frame from audio already heard;
- :mod:`.image_worker`: the spatial image re-sampled by the model on the recent past;
- :mod:`.resampler`, :mod:`.limiter`, :mod:`.width_gain`: streaming versions of the offline post-processing;
- :mod:`.settings`: the controls resolved as the offline call resolves them;
- :mod:`.pcm`: raw PCM in and out for ``m2s stream``.

Nothing here is imported by ``import m2s_gen``: torch and numpy load only when a stream is made.
"""
