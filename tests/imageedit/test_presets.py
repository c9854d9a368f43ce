"""The offline presets change the pixels the way their names say (pure Pillow, no database)."""

import numpy as np
from PIL import Image

from imageedit import presets


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float64)


def gradient(size=(120, 80), low=100, high=140) -> Image.Image:
    width, height = size
    row = np.linspace(low, high, width)
    grey = np.tile(row, (height, 1))
    rgb = np.stack([grey, grey * 0.95, grey * 0.9], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def checkerboard(size=200, cell=2) -> Image.Image:
    yy, xx = np.indices((size, size))
    board = (((yy // cell) + (xx // cell)) % 2 * 255).astype(np.uint8)
    return Image.fromarray(board).convert("RGB")


def test_every_preset_leaves_its_input_alone_and_keeps_the_size():
    source = gradient()
    before = pixels(source).copy()
    for code in presets.PRESETS:
        result = presets.apply(code, source)
        assert result is not source
        if code != "square_avatar":
            assert result.size == source.size, code
    assert np.array_equal(pixels(source), before)


def test_auto_enhance_stretches_a_flat_photo_and_keeps_its_balance():
    source = gradient()
    result = pixels(presets.apply("auto_enhance", source))
    before = pixels(source)
    assert result.std() > 2.5 * before.std()
    assert result.min() < 40
    assert result.max() > 215
    # one stretch for all channels: red stays above green above blue, as in the source
    means = result.reshape(-1, 3).mean(axis=0)
    assert means[0] > means[1] > means[2]


def test_black_and_white_is_one_grey_channel_with_the_same_brightness():
    source = gradient(low=30, high=220)
    result = presets.apply("black_white", source)
    assert result.mode == "L"
    assert (
        abs(np.asarray(result, dtype=float).mean() - np.asarray(source.convert("L"), dtype=float).mean()) < 1
    )


def test_warm_and_cool_move_red_and_blue_in_opposite_directions():
    source = Image.new("RGB", (40, 30), (120, 130, 140))
    warm, cool = pixels(presets.apply("warm", source)), pixels(presets.apply("cool", source))
    assert warm[..., 0].mean() > 125
    assert warm[..., 2].mean() < 125
    assert cool[..., 0].mean() < 110
    assert cool[..., 2].mean() > 150
    assert warm[..., 1].mean() == cool[..., 1].mean() == 130  # green untouched


def test_background_blur_keeps_the_centre_sharp_and_smooths_the_edges():
    source = checkerboard()
    result = pixels(presets.apply("background_blur", source))[..., 0]
    original = pixels(source)[..., 0]
    corner, centre = (slice(0, 20), slice(0, 20)), (slice(90, 110), slice(90, 110))
    assert result[corner].std() < 0.1 * original[corner].std()
    assert result[centre].std() > 0.9 * original[centre].std()


def test_cartoon_posterises_and_outlines_edges():
    width, height = 120, 80
    noisy = np.random.default_rng(1).normal(0, 4, (height, width, 3))
    base = np.where(np.arange(width)[None, :, None] < width // 2, (200, 120, 60), (60, 140, 210))
    source = Image.fromarray(np.clip(base + noisy, 0, 255).astype(np.uint8))
    result = pixels(presets.apply("cartoon", source))
    left_flat = result[20:60, 10:40]
    assert len(np.unique(left_flat.reshape(-1, 3), axis=0)) <= 2  # texture gone
    assert np.all(left_flat.astype(int) % 32 == 0)  # 3 bits per channel
    boundary = result[10:70, width // 2 - 2 : width // 2 + 2]
    assert (boundary.max(axis=-1) < 40).any(axis=1).all()  # a dark outline along the whole colour jump
    distinct = len(np.unique(result.reshape(-1, 3), axis=0))
    assert distinct < len(np.unique(pixels(source).reshape(-1, 3), axis=0)) / 20


def test_square_avatar_crops_a_little_above_centre_and_caps_the_size():
    rows = np.repeat(np.arange(100, dtype=np.uint8)[:, None], 60, axis=1) * 2
    tall = Image.fromarray(np.stack([rows] * 3, axis=-1))
    result = presets.apply("square_avatar", tall)
    assert result.size == (60, 60)
    first_row = pixels(result)[0, :, 0]
    assert np.all(first_row == 2 * 16)  # (100 - 60) * 0.4 = 16 rows cut from the top, 24 from the bottom
    big = presets.apply("square_avatar", Image.new("RGB", (3000, 2000), (10, 20, 30)))
    assert big.size == (presets.AVATAR_MAX_SIDE, presets.AVATAR_MAX_SIDE)
