"""Media files in and out: anything FFmpeg reads (through PyAV), audio written by extension, and video
containers remuxed with the upmix in place of one audio stream.

:mod:`.formats` (tables, no heavy imports), :mod:`.probe` (streams and durations), :mod:`.decode`
(bounded-memory block reader), :mod:`.encode` (audio writers by extension), :mod:`.tags` (metadata and
cover art), :mod:`.remux` (video out), :mod:`.levels` (peaks and clipping), :mod:`.job` (one file, end
to end).
"""
