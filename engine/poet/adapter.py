"""The poet's LoRA adapter (peft): a few MB of low-rank weights that teach the bare SmolLM2 the
corpus's manner, as the 2020 film's GPT-2 was fine-tuned on its poetry.

A saved adapter is a folder: peft's `adapter_config.json` and `adapter_model.safetensors` (half
precision, to keep it small), and `provenance.json` saying how it was made. The adapter this
project trained ships in `assets/poet-adapter/` and is the default poet (`poet.adapter`).
"""

import json
import os
import shutil
import warnings
from pathlib import Path

import torch

from engine.errors import DreamsError
from engine.files import replace_folder

BUNDLED = "bundled"  # the poet.adapter value that names the shipped adapter
BUNDLED_FOLDER = Path(__file__).resolve().parents[2] / "assets" / "poet-adapter"
# Every linear layer of a Llama block: the manner of verse lives in the MLPs as much as in
# attention, and rank 8 keeps the file at about 5 MB.
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
WEIGHTS, SETTINGS, PROVENANCE = (
    "adapter_model.safetensors",
    "adapter_config.json",
    "provenance.json",
)


class AdapterError(DreamsError):
    pass


def adapter_folder(setting: str) -> Path | None:
    """The folder `poet.adapter` names: None for "" (the bare model)."""
    if not setting:
        return None
    return BUNDLED_FOLDER if setting == BUNDLED else Path(setting).expanduser()


def check_adapter(setting: str, name: str = "poet.adapter") -> None:
    """A named adapter must be a folder with its two peft files; said before anything loads.
    `name` is what the user typed to name it."""
    folder = adapter_folder(setting)
    if folder is None:
        return
    missing = [file for file in (SETTINGS, WEIGHTS) if not (folder / file).is_file()]
    if missing:
        bare = ', or "" for the bare model' if name == "poet.adapter" else ""
        raise AdapterError(
            f"{name}: no LoRA adapter at {folder} ({', '.join(missing)} missing); name a "
            f'folder that `dreams teach-poet --lora` saved, or "bundled"{bare}'
        )


def attach_lora(model, rank: int = 8, alpha: int = 16, dropout: float = 0.05):
    """The model wrapped with fresh, trainable LoRA weights; the base weights stay frozen."""
    from peft import LoraConfig, get_peft_model

    settings = LoraConfig(
        r=rank, lora_alpha=alpha, lora_dropout=dropout, target_modules=TARGETS, bias="none"
    )
    with warnings.catch_warnings():  # peft asks transformers a deprecated question
        warnings.simplefilter("ignore", FutureWarning)
        return get_peft_model(model, settings)


def resume_lora(model, setting: str, name: str = "--from"):
    """The model wrapped with the adapter `setting` names, its weights trainable again: teaching
    goes on from where that adapter stopped. A damaged adapter is an AdapterError."""
    folder = adapter_folder(setting)
    check_adapter(setting, name)
    from peft import PeftModel

    try:
        with warnings.catch_warnings():  # peft asks transformers a deprecated question
            warnings.simplefilter("ignore", FutureWarning)
            return PeftModel.from_pretrained(model, str(folder), is_trainable=True)
    except Exception as error:
        raise _damaged(folder, error, name) from None


def read_provenance(setting: str) -> dict:
    """How the adapter `setting` names was made; {} where it does not say."""
    try:
        made = json.loads((adapter_folder(setting) / PROVENANCE).read_text())
    except (OSError, ValueError):
        return {}
    return made if isinstance(made, dict) else {}


def load_adapter(model, setting: str):
    """The model with the adapter `poet.adapter` names, merged into its weights (no cost per
    token); the model unchanged for "". A damaged adapter is an AdapterError."""
    folder = adapter_folder(setting)
    if folder is None:
        return model
    check_adapter(setting)
    from peft import PeftModel

    try:
        with warnings.catch_warnings():  # peft asks transformers a deprecated question
            warnings.simplefilter("ignore", FutureWarning)
            adapted = PeftModel.from_pretrained(model, str(folder))
        return adapted.merge_and_unload()
    except Exception as error:
        raise _damaged(folder, error) from None


def _damaged(folder: Path, error: Exception, name: str = "poet.adapter") -> AdapterError:
    """safetensors, json and shape errors all mean a damaged file."""
    reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error)
    bare = ', or set poet.adapter = "" for the bare model' if name == "poet.adapter" else ""
    return AdapterError(
        f"{name}: the adapter at {folder} cannot be loaded ({reason}); train it again "
        f"with `dreams teach-poet --lora`{bare}"
    )


def save_adapter(model, out: Path, provenance: dict, replace: bool = False) -> None:
    """Save the LoRA weights (half precision) and provenance, atomically: a folder that is half
    written never has the final name. With `replace`, over the adapter a lesson kept there."""
    from peft import get_peft_model_state_dict
    from safetensors.torch import save_file

    out = Path(out)
    if not replace and out.exists() and any(out.iterdir()):  # an empty folder made ready is used
        raise AdapterError(f"{out} exists and is not empty; choose a new folder for the adapter")
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        model.peft_config["default"].save_pretrained(str(partial))
        state = get_peft_model_state_dict(model)
        save_file(
            {k: v.detach().to(torch.float16).contiguous() for k, v in state.items()},
            str(partial / WEIGHTS),
            metadata={"format": "pt"},
        )
        os.chmod(partial / WEIGHTS, 0o644)  # safetensors writes it private; it is shared work
        (partial / PROVENANCE).write_text(json.dumps(provenance, indent=2) + "\n")
        replace_folder(partial, out)
    except BaseException:  # a full disk: no half-written adapter is left behind
        shutil.rmtree(partial, ignore_errors=True)
        raise
