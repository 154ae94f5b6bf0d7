import tomllib

import pytest

from engine.config import Config, load_config
from engine.errors import ConfigError
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
