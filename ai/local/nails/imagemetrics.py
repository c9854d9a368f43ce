"""Image measurements in numpy: Gaussian filtering, SSIM, gradients, edge density.

SSIM follows Wang et al. (2004) with the same conventions as skimage.metrics.structural_similarity
(gaussian_weights=True, sigma=1.5, 11×11 window, population covariance, border cropped), so the
numbers are comparable with published ones without importing SciPy.
"""

from __future__ import annotations

import numpy as np


def gaussian_kernel(sigma: float, truncate: float = 3.5) -> np.ndarray:
    radius = int(truncate * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def gaussian_filter(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of a 2-D array, mirrored borders (scipy.ndimage 'reflect')."""
    kernel = gaussian_kernel(sigma)
    radius = len(kernel) // 2
    out = np.asarray(image, dtype=np.float64)
    rows, cols = out.shape
    padded = np.pad(out, ((radius, radius), (0, 0)), mode="symmetric")
    out = sum(weight * padded[i : i + rows] for i, weight in enumerate(kernel))
    padded = np.pad(out, ((0, 0), (radius, radius)), mode="symmetric")
    return sum(weight * padded[:, i : i + cols] for i, weight in enumerate(kernel))


def shift_correlation(a: np.ndarray, b: np.ndarray, reach: int) -> tuple[int, int]:
    """Translation (dy, dx) within ±reach that best lines `b` up with `a`, by normalised cross-
    correlation of the zero-mean images computed with one FFT (zero-padded: no wrap-around)."""
    h, w = a.shape
    a = a - a.mean()
    b = b - b.mean()
    shape = (2 * h, 2 * w)
    spectrum = np.fft.rfft2(a, shape) * np.conj(np.fft.rfft2(b, shape))
    corr = np.fft.irfft2(spectrum, shape)
    best, best_shift = -np.inf, (0, 0)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            # Mean over the overlap, so large shifts are not favoured or penalised by area alone.
            area = (h - abs(dy)) * (w - abs(dx))
            value = corr[dy % shape[0], dx % shape[1]] / area
            if value > best:
                best, best_shift = value, (dy, dx)
    return best_shift


def ssim(
    a: np.ndarray,
    b: np.ndarray,
    data_range: float = 1.0,
    sigma: float = 1.5,
    weights: np.ndarray | None = None,
) -> float:
    """Mean structural similarity of two equal-size grayscale images; with `weights` (same shape)
    a weighted mean of the SSIM map, e.g. to count the design more than the empty background."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    mu_a, mu_b = gaussian_filter(a, sigma), gaussian_filter(b, sigma)
    var_a = gaussian_filter(a * a, sigma) - mu_a**2
    var_b = gaussian_filter(b * b, sigma) - mu_b**2
    cov = gaussian_filter(a * b, sigma) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    den = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    crop = len(gaussian_kernel(sigma)) // 2
    # Border pixels see mirrored data and are left out, unless the image is too small to spare them.
    inner = (
        (slice(crop, -crop), slice(crop, -crop)) if min(a.shape) > 4 * crop else (slice(None), slice(None))
    )
    if weights is None:
        return float((num / den)[inner].mean())
    w = weights[inner]
    return float(((num / den)[inner] * w).sum() / w.sum())


def sobel(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal and vertical Sobel responses (normalised so a unit step gives 1)."""
    p = np.pad(np.asarray(image, dtype=np.float64), 1, mode="edge")
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:] - p[:-2, :-2] - 2 * p[1:-1, :-2] - p[2:, :-2]) / 8.0
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:] - p[:-2, :-2] - 2 * p[:-2, 1:-1] - p[:-2, 2:]) / 8.0
    return gx, gy


def colour_gradient(lab: np.ndarray) -> np.ndarray:
    """Per-pixel colour edge strength: Euclidean norm of the Sobel responses over L*, a*, b*.

    Unlike a luminance gradient it keeps the edge between two equally bright colours, so a
    recoloured copy of a design keeps (nearly) the same edge map."""
    total = np.zeros(lab.shape[:2])
    for channel in range(3):
        gx, gy = sobel(lab[..., channel])
        total += gx**2 + gy**2
    return np.sqrt(total)


def orientation_histogram(gray: np.ndarray, bins: int = 12) -> np.ndarray:
    """Gradient-magnitude-weighted histogram of edge orientations (mod 180°), normalised to sum 1."""
    gx, gy = sobel(gray)
    magnitude = np.hypot(gx, gy)
    angle = np.mod(np.arctan2(gy, gx), np.pi)
    hist, _ = np.histogram(angle, bins=bins, range=(0.0, np.pi), weights=magnitude)
    total = hist.sum()
    return hist / total if total > 0 else np.full(bins, 1.0 / bins)


def block_mean(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Average over a rows × cols grid of equal blocks (trailing pixels dropped)."""
    h, w = image.shape[:2]
    bh, bw = h // rows, w // cols
    trimmed = image[: bh * rows, : bw * cols]
    shape = (rows, bh, cols, bw, *image.shape[2:])
    return trimmed.reshape(shape).mean(axis=(1, 3))
