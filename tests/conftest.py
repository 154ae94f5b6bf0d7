import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from filelock import FileLock

# CPU only, no display, no sound card, no model hub: set before pygame or torch are imported.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
# Never the user's own cache: a test that forgets poet.cache_dir must not fill ~/.cache.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="dreams-test-cache-")
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="dreams-test-data-")  # nor its saves

import torch  # noqa: E402

from tests.synthetic import write_shapes_film  # noqa: E402

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shapes_film(tmp_path_factory) -> Path:
    return write_shapes_film(tmp_path_factory.mktemp("film") / "shapes.mp4")


DREAMS = [sys.executable, "-m", "installation.cli"]  # the `dreams` command, as a child runs it


def as_options(settings: list[str]) -> list[str]:
    """Settings ("section.key=value") as the command line's options: --set, each."""
    return [part for setting in settings for part in ("--set", setting)]


def run_dreams(*args: str, env: dict | None = None, timeout: float = 120):
    """The real `dreams` command in a child process; returns the CompletedProcess.
    (`run` gets --set poet.enabled=false, osc.port=0, web.port=0 and state.enabled=false unless
    the test names them itself: a show that resumed another test's mind would test something
    else.)"""
    for section, default in (
        ("poet", "enabled=false"),
        ("osc", "port=0"),
        ("web", "port=0"),
        ("state", "enabled=false"),
    ):
        if args and args[0] == "run" and not any(f"{section}." in a for a in args):
            args = (*args, "--set", f"{section}.{default}")
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [*DREAMS, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


CORPUS_SLICE = 150_000  # lines of the real corpus: real cleaning, a build in seconds


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A session's folder `name`, made by `build(folder)` in one test process and shared by the
    others (pytest-xdist's workers: the poet's cache takes a minute to make), under a lock."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    root = tmp_path_factory.getbasetemp()
    root = root.parent if worker else root  # the workers' common folder
    folder, built = root / name, root / f"{name}.built"  # the mark beside: the folder as made
    with FileLock(root / f"{name}.lock"):
        if not built.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            built.touch()
    return folder


@pytest.fixture(scope="session")
def poet_cache(tmp_path_factory) -> Path:
    """A cache folder holding a cleaned corpus built from the start of the real corpus, and the
    bundled model prepared in it (default_model_dir)."""
    from engine.poet.corpus import CACHE_VERSION, build_cache, read_package_corpus

    def build(cache: Path) -> None:
        texts, syllables = read_package_corpus()
        corpus = cache / f"corpus-v{CACHE_VERSION}.txt"
        build_cache(corpus, texts[:CORPUS_SLICE], syllables[:CORPUS_SLICE])

    return built_once(tmp_path_factory, "cache", build)


@pytest.fixture(scope="session")
def default_model_dir(poet_cache) -> Path:
    """The bundled SmolLM2, prepared from its GGUF file into the test cache (the first load)."""
    from engine.poet.language_model import default_model_folder

    with FileLock(poet_cache.parent / "model.lock"):  # one worker unpacks it, the rest wait
        return default_model_folder(poet_cache)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, default_model_dir) -> Path:
    """A tiny, untrained Llama with the real tokenizer: fast to run, writes nonsense."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    def build(folder: Path) -> None:
        tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
        config = LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=512,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            tie_word_embeddings=True,
        )
        torch.manual_seed(0)
        LlamaForCausalLM(config).save_pretrained(folder)
        tokenizer.save_pretrained(folder)

    return built_once(tmp_path_factory, "tiny-poet", build)


# The longest modules first when the suite runs on every core (pytest-xdist, a module to a
# worker): it then ends together instead of waiting for a long module begun last (test_soak.py
# sorts late). In one process (tools/sabotage.py's runs) the tests keep the order they are named.
LONGEST_FIRST = ("test_soak.py", "test_record.py", "test_write.py", "test_show_signals.py",
                 "test_cli.py", "test_gallery.py")  # fmt: skip


def pytest_collection_modifyitems(items):
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # only xdist's workers collect under it
        return

    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each module's tests keep their order
