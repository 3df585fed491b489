"""Picture and delivery: frame rates, encoder settings, camera moves, subtitles, the editorial
timeline and the delivery QC measures."""
