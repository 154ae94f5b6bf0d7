"""The dreams' shape: the film's own width:height (or a square, or a chosen ratio), rounded to a
picture the networks can make. A generator grows a small seed map by doubling it, so a picture is
a seed map of 4 x k (k from 4 to 16, or k x 4 for a portrait film) times a power of two: a 16:9
film dreams at 64 x 112 (a 4 x 7 seed), 256 x 448 on a GPU. Sizes are (height, width) in pixels.
"""

from engine.aspect import ratio_of

SHORT_SEED = 4  # the seed map's short side: DCGAN's 4 x 4
LONGEST_SEED = 16  # the seed map's long side at most: 4:1


def dream_size(resolution: int, aspect: str, film_ratio: float | None) -> tuple[int, int]:
    """(height, width) of the dreams: `resolution` on the short side, the long side the nearest
    the ratio allows (a whole seed cell, at most 4:1)."""
    ratio = ratio_of(aspect, film_ratio)
    long_seed = min(max(round(SHORT_SEED * max(ratio, 1 / ratio)), SHORT_SEED), LONGEST_SEED)
    cell = resolution // SHORT_SEED
    if ratio >= 1:
        return SHORT_SEED * cell, long_seed * cell
    return long_seed * cell, SHORT_SEED * cell


def as_size(size: int | tuple[int, int]) -> tuple[int, int]:
    """(height, width) from a square's side or a pair."""
    if isinstance(size, int):
        return size, size
    height, width = size
    return int(height), int(width)


def seed_map(size: int | tuple[int, int]) -> tuple[tuple[int, int], int]:
    """The seed map (rows, columns) a picture of `size` grows from, and how many doublings:
    the short side must be a power of two of at least 8, the long side a whole number of its
    quarters."""
    height, width = as_size(size)
    short = min(height, width)
    doublings = short.bit_length() - 3  # 8 -> 1, 64 -> 4
    cell = 2**doublings
    if short < 8 or cell * SHORT_SEED != short or height % cell or width % cell:
        raise ValueError(
            f"a {height} x {width} picture: the short side must be a power of two of at least 8 "
            "and the long side a whole number of its quarters"
        )
    return (height // cell, width // cell), doublings


def describe(size: tuple[int, int]) -> str:
    return f"{size[0]} x {size[1]}"
