"""Editorial exports: the final cut as an editor opens it (OpenTimelineIO, CMX 3600 EDL, Final Cut Pro
7 XML, FCPXML, AAF), with its clips, the mix and the subtitles beside it, each export read back with
the adapter that wrote it and compared to the cut before it is handed over.

    cut.py        what the stored final cut is made of (its takes, their lengths and lineage)
    clips.py      the export timeline, and what each format carries of every clip
    formats.py    the formats: adapter, file name, the rates each can hold
    export.py     write one export (a folder or a zip), atomically
    readback.py   read an export back and compare it to the cut, frame by frame
"""
