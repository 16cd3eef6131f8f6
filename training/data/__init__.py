"""Data preparation: real stereo music -> 48 kHz float16 ``[2, T]`` tracks + a DatasetDict.

Modules (one concept each):

* ``package_rules``  - where the music lives in each Debian package, licences, defaults;
* ``debian_source``  - ``apt-get download`` / ``dpkg -x`` / zip extraction, music file listing;
* ``sources``        - candidate tracks from packages, folders and hub datasets;
* ``audio_decode``   - soundfile decoding to ``[C, T]`` float32;
* ``stereo_stats``   - side-to-mid ratio (dB) and L/R correlation;
* ``resample_48k``   - polyphase resampling to 48 kHz;
* ``convert_track``  - per-track filters, conversion and resumable records;
* ``dataset_build``  - DatasetDict split by package, ``manifest.csv``;
* ``summary_md``     - ``SUMMARY.md``;
* ``prepare``        - entry point ``python -m training.data.prepare``;
* ``stereo_clips``   - readers: ``StereoClips`` random crops, ``iter_tracks`` whole tracks.
"""
