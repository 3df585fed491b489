"""A small ctypes binding to libespeak-ng: text in, float32 mono samples out.

Why hand-written: the `espeakng-loader` wheel ships only the shared library and its data folder,
and the Python bindings on PyPI (py-espeak-ng, espeakng, ...) shell out to an `espeak-ng`
executable, which is not installed here. The C API we need is five functions, so we call it
directly, in synchronous mode, with a callback that collects the 16-bit samples.

The library keeps global state (current voice, parameters, one output buffer) and is not
thread-safe, so every call goes through one module-level lock, and it is initialised once per
process. Some of that state also leaks from one utterance into the next (the pitch-flutter
phase, the roughness cycle counter, the overflow gain, the breath-noise generator), which would
make the same line sound slightly different depending on what was spoken before. We reset it
before every utterance: the noise seed through `espeak_ng_SetRandSeed`, the three file-static
counters by address, found in the library's ELF symbol table (the wheel's build is not
stripped). If a build ever is stripped, synthesis still works, just without that guarantee.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: synthesise in the caller's thread, into our callback
INITIALIZE_DONT_EXIT = 0x8000  # report a failed initialisation instead of calling exit()
espeakCHARS_UTF8 = 1
POS_CHARACTER = 1
espeakRATE, espeakVOLUME, espeakPITCH, espeakRANGE = 1, 2, 3, 4  # espeak_PARAMETER
EE_OK = 0
# file-static state carried between utterances, and the value each starts from
_STATICS = {"Flutter_ix": 0, "cycle_count": 0, "agc": 256}

_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

_lock = threading.Lock()
_state: dict = {"lib": None, "rate": 0, "chunks": [], "callback": None, "statics": {}, "languages": {}}


class EspeakError(RuntimeError):
    """espeak-ng refused a voice or failed to synthesise."""


class _Voice(ctypes.Structure):  # espeak_VOICE
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


def data_path() -> Path:
    import espeakng_loader

    return Path(espeakng_loader.get_data_path())


def _collect(wav, numsamples, _events) -> int:
    if numsamples > 0 and wav:
        _state["chunks"].append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
    return 0  # 0 = keep going


def _elf_symbols(path: str, wanted: set[str]) -> dict[str, int]:
    """Offsets of (possibly file-local) symbols from an ELF64 .symtab; {} if absent or not ELF64."""
    data = Path(path).read_bytes()
    if data[:5] != b"\x7fELF\x02":
        return {}
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    found: dict[str, int] = {}
    for section in sections:
        if section[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[section[6]][4]
        for offset in range(section[4], section[4] + section[5], 24):
            name_at, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, offset)
            name = data[strtab + name_at : data.index(b"\0", strtab + name_at)].decode(errors="replace")
            if name.split(".")[0] in wanted and value:  # function statics are named like "agc.6035"
                found[name.split(".")[0]] = value
    return found


def _language_map(lib: ctypes.CDLL) -> dict[str, str]:
    """Language code ("en-gb") -> voice file identifier ("gmw/en"): SetVoiceByName only knows
    file names, and the British English file is called plain "en"."""
    voices = lib.espeak_ListVoices(None)
    mapping: dict[str, str] = {}
    for index in range(100_000):
        if not voices[index]:
            break
        voice = voices[index].contents
        at = voice.languages
        while ctypes.c_ubyte.from_address(at).value:  # (priority byte, language string) pairs
            language = ctypes.string_at(at + 1).decode()
            mapping.setdefault(language.lower(), voice.identifier.decode())
            at += 2 + len(language)
    return mapping


def _library() -> ctypes.CDLL:
    """Load and initialise the library once per process. Call with _lock held."""
    if _state["lib"] is not None:
        return _state["lib"]
    import espeakng_loader

    path = espeakng_loader.get_library_path()
    lib = ctypes.CDLL(path)
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_SYNTH_CALLBACK]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.espeak_Info.argtypes = [ctypes.c_void_p]
    lib.espeak_Info.restype = ctypes.c_char_p
    lib.espeak_ListVoices.argtypes = [ctypes.c_void_p]
    lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))

    rate = lib.espeak_Initialize(
        AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), INITIALIZE_DONT_EXIT
    )
    if rate <= 0:
        raise EspeakError(f"espeak-ng failed to initialise with data at {espeakng_loader.get_data_path()}")
    callback = _SYNTH_CALLBACK(_collect)  # keep a reference: the library holds only the pointer
    lib.espeak_SetSynthCallback(callback)
    offsets = _elf_symbols(path, set(_STATICS) | {"espeak_Info"})
    statics = {}
    if set(_STATICS) <= set(offsets) and "espeak_Info" in offsets:
        base = ctypes.cast(lib.espeak_Info, ctypes.c_void_p).value - offsets["espeak_Info"]
        statics = {name: ctypes.c_int.from_address(base + offsets[name]) for name in _STATICS}
    _state.update(lib=lib, rate=rate, callback=callback, statics=statics, languages=_language_map(lib))
    return lib


def _reset_utterance_state(lib: ctypes.CDLL) -> None:
    """Start every utterance from the same engine state, so the same input gives the same samples."""
    if hasattr(lib, "espeak_ng_SetRandSeed"):
        lib.espeak_ng_SetRandSeed(ctypes.c_long(0))
    for name, cell in _state["statics"].items():
        cell.value = _STATICS[name]


def sample_rate() -> int:
    with _lock:
        _library()
        return _state["rate"]


@lru_cache(maxsize=1)
def version() -> str:
    with _lock:
        return _library().espeak_Info(None).decode()


@lru_cache(maxsize=1)
def variants() -> frozenset[str]:
    """Voice variants shipped with the data (the `+m3` part of a voice name)."""
    return frozenset(p.name for p in (data_path() / "voices" / "!v").iterdir() if p.is_file())


def deterministic() -> bool:
    """Whether utterances are independent of what was spoken before (see the module docstring)."""
    with _lock:
        _library()
        return bool(_state["statics"])


def _set_voice(lib: ctypes.CDLL, name: str) -> None:
    language, _, variant = name.partition("+")
    if variant and variant not in variants():
        raise EspeakError(f"espeak-ng voice {name!r}: unknown variant {variant!r}")
    identifier = _state["languages"].get(language.lower(), language)
    if lib.espeak_SetVoiceByName(f"{identifier}+{variant}".rstrip("+").encode()) != EE_OK:
        raise EspeakError(f"espeak-ng has no voice {name!r}")


def voice_exists(name: str) -> bool:
    """Whether espeak-ng accepts `name` ("en-gb", "en-us+f2", ...)."""
    with _lock:
        try:
            _set_voice(_library(), name)
        except EspeakError:
            return False
        return True


def synthesize(
    text: str, voice: str, *, rate_wpm: int = 175, pitch: int = 50, pitch_range: int = 50, volume: int = 100
) -> np.ndarray:
    """Speak `text` with espeak voice `voice`; float32 mono in [-1, 1] at sample_rate()."""
    encoded = text.encode("utf-8") + b"\0"
    with _lock:
        lib = _library()
        _set_voice(lib, voice)
        for parameter, value in (
            (espeakRATE, rate_wpm),
            (espeakPITCH, pitch),
            (espeakRANGE, pitch_range),
            (espeakVOLUME, volume),
        ):
            if lib.espeak_SetParameter(parameter, int(value), 0) != EE_OK:
                raise EspeakError(f"espeak-ng voice {voice!r}: parameter {parameter} = {value} refused")
        _reset_utterance_state(lib)
        _state["chunks"] = []
        status = lib.espeak_Synth(encoded, len(encoded), 0, POS_CHARACTER, 0, espeakCHARS_UTF8, None, None)
        chunks, _state["chunks"] = _state["chunks"], []
    if status != EE_OK:
        raise EspeakError(f"espeak-ng voice {voice!r} failed to speak {text[:40]!r} (error {status})")
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return (np.concatenate(chunks).astype(np.float32) / 32768.0).astype(np.float32)
