import dataclasses
import tomllib
import types

import numpy as np
import pytest
import torch

from engine.config import SEED_MAX, Config, load_config
from engine.errors import ConfigError
from engine.mind.memory import check_room
from tests.conftest import ROOT, run_dreams


def test_config_toml_holds_every_default():
    assert load_config(ROOT / "config.toml") == Config()
    with open(ROOT / "config.toml", "rb") as file:
        written = tomllib.load(file)
    for section, values in written.items():
        assert set(values) == set(getattr(Config(), section).__dataclass_fields__), section


def test_overrides_are_typed():
    config = load_config(
        None,
        ["dream.resolution=128", "screen.zoom=1", "film.source=my film.mp4", "screen.hud=true"],
    )
    assert config.dream.resolution == 128
    assert config.screen.zoom == 1.0 and isinstance(config.screen.zoom, float)
    assert config.film.source == "my film.mp4"
    assert config.screen.hud is True


def test_file_then_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[dream]\nbatch_size = 8\nseed = 3\n[film]\nsource = "x.mp4"\n')
    config = load_config(path, ["dream.seed=4"])
    assert (config.dream.batch_size, config.dream.seed, config.film.source) == (8, 4, "x.mp4")


def test_a_loaded_config_is_frozen_and_a_change_is_a_copy():
    """One owner per live value: nobody writes the config the rest of the show reads."""
    config = load_config(None, ["dream.learning_rate=0.001"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.dream.learning_rate = 0.002
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.dream = None
    assert type(config).__dataclass_params__.frozen
    for section in dataclasses.fields(config):
        assert type(getattr(config, section.name)).__dataclass_params__.frozen, section.name
    quiet = config.with_changes("osc", port=0, enabled=False)
    assert (quiet.osc.port, quiet.osc.enabled, quiet.dream) == (0, False, config.dream)
    assert (config.osc.port, config.osc.enabled) == (9000, True)


@pytest.mark.parametrize(
    "override, words",
    [
        ("dream.resolution=100", "power of two"),
        ("dream.resolutoin=128", "unknown key dream.resolutoin"),
        ("drem.seed=1", "unknown section [drem]"),
        ("screen.hud=1", "true or false"),
        ("dream.batch_size=0", "between 1 and 1024"),
        ("dream.seed=true", "dream.seed"),
        ("dream.device=tpu", "cuda"),
        ("dream.augment=blur", "translation"),
        ("justakey", "section.key=value"),
    ],
)
def test_bad_overrides_say_what_is_wrong(override, words):
    with pytest.raises(ConfigError, match=None) as caught:
        load_config(None, [override])
    assert words in str(caught.value)


def test_bad_files(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[dream\nseed = ")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(broken)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, words",
    [
        (["--set", "dream.resolution=100"], "dream.resolution"),
        (["--set", "dream.nope=1"], "unknown key dream.nope"),
        (["run", "--film", "/no/such/film.mp4"], "film not found: /no/such/film.mp4"),
        (["--config", "/no/such.toml"], "config file not found"),
        (["--set", "dream.device=cuda:99"], "dream.device = cuda:99"),
        (["run", "--set", "poet.device=cuda:99"], "poet.device = cuda:99"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(args, words):
    result = run_dreams(*args, "--windowed")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and words in errors[0], result.stderr


def numeric_settings():
    """Every int and float setting of every section (an int | str one too), by its name."""
    for section in dataclasses.fields(Config):
        for spec in dataclasses.fields(section.type):
            kinds = spec.type.__args__ if isinstance(spec.type, types.UnionType) else (spec.type,)
            if int in kinds or float in kinds:
                yield f"{section.name}.{spec.name}"


@pytest.mark.parametrize("name", list(numeric_settings()))
def test_every_numeric_setting_has_finite_bounds(name):
    """A new number without bounds fails here: `x < inf` is a loop that never ends."""
    for value in (
        "inf",
        "-inf",
        "nan",
        "1e300",
        "-1e300",
        str(10**30),
        str(-(10**30)),
        str(10**400),
    ):
        with pytest.raises(ConfigError, match=name):
            load_config(None, [f"{name}={value}"])


@pytest.mark.parametrize("name", ["dream.seed", "poet.seed"])
def test_seeds_are_what_numpy_and_torch_take(name):
    for value in (-1, SEED_MAX + 1, 2**64):
        with pytest.raises(ConfigError, match="between 0 and 4294967295"):
            load_config(None, [f"{name}={value}"])
    assert load_config(None, [f"{name}={SEED_MAX}"])  # and each generator takes it:
    np.random.RandomState(SEED_MAX), np.random.default_rng(SEED_MAX), torch.manual_seed(SEED_MAX)


@pytest.mark.parametrize(
    "targets", ["127.0.0.1:99999", "127.0.0.1:-1", "127.0.0.1:0", "127.0.0.1", "lights:1", "::1:9"]
)
def test_osc_targets_are_checked_with_the_config(targets):
    with pytest.raises(ConfigError, match="osc.targets.*ports 1 to 65535"):
        load_config(None, [f'osc.targets="{targets}"'])
    assert load_config(None, ['osc.targets="127.0.0.1:9001, 10.0.0.5:65535"'])


@pytest.mark.parametrize(
    "junk", [bytes(range(256)) * 12, "[dream]\nseed = 1 # é".encode("latin-1")]
)
def test_a_binary_config_is_one_line(tmp_path, junk):
    path = tmp_path / "config.toml"
    path.write_bytes(junk)
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(path)


def test_a_memory_larger_than_the_machine_is_refused_before_it_is_taken():
    with pytest.raises(ConfigError, match=r"film.memory_frames = 100000 needs 314.6 GB.*at most"):
        check_room(100_000, (512, 2048), 3, "cpu")
    check_room(1024, (64, 112), 1, "cpu")  # the default fits anywhere
