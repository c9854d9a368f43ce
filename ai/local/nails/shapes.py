"""Nail plate outlines for each shape, as polygons in nail-local coordinates.

Local frame: x to the right, y up the finger; the cuticle's lowest point is (0, 0), the free edge
is at y = length. Every outline shares the same curved cuticle; shapes differ in the side walls
and free edge, as a nail technician files them.
"""

from __future__ import annotations

import math

Point = tuple[float, float]

_STEPS = 48


def outline(shape: str, width: float, length: float) -> list[Point]:
    """Closed outline (counter-clockwise in the local frame) of a nail plate."""
    half = width / 2.0
    cuticle = 0.16 * width
    right = _right_side(shape, half, cuticle, length)
    left = [(-x, y) for x, y in reversed(right)]
    base = [
        (half * math.cos(t), cuticle + cuticle * math.sin(t))
        for t in (math.pi + math.pi * i / _STEPS for i in range(1, _STEPS))
    ]
    # base runs left → right under the nail, then up the right wall, over the tip, down the left wall.
    return [(-half, cuticle), *base, *right, *left[1:]]


def _right_side(shape: str, half: float, cuticle: float, length: float) -> list[Point]:
    """Points from the right wall's foot (half, cuticle) to the tip centre (0, length)."""
    body = length - cuticle
    if shape == "square":
        return _rounded_box(half, cuticle, length, radius=0.08 * 2 * half)
    if shape == "squoval":
        return _rounded_box(half, cuticle, length, radius=0.3 * 2 * half)
    if shape == "round":
        return _rounded_box(half, cuticle, length, radius=min(half, body))
    if shape == "oval":
        return _taper(half, cuticle, length, start=max(0.0, 1.0 - 0.85 * 2 * half / body), power=2.0, tip=0.5)
    if shape == "almond":
        return _taper(half, cuticle, length, start=0.35, power=1.8, tip=0.72)
    if shape == "stiletto":
        return _taper(half, cuticle, length, start=0.12, power=1.35, tip=1.0)
    if shape == "coffin":
        return _coffin(half, cuticle, length)
    raise ValueError(f"unknown nail shape: {shape}")


def _rounded_box(half: float, cuticle: float, length: float, radius: float) -> list[Point]:
    radius = min(radius, half, length - cuticle)
    points: list[Point] = [(half, cuticle), (half, length - radius)]
    cx, cy = half - radius, length - radius
    points += [
        (cx + radius * math.cos(a), cy + radius * math.sin(a))
        for a in (math.pi / 2 * i / _STEPS for i in range(1, _STEPS + 1))
    ]
    if cx > 0:
        points.append((0.0, length))
    return points


def _taper(half: float, cuticle: float, length: float, start: float, power: float, tip: float) -> list[Point]:
    """Straight walls up to `start` (fraction of the plate), then x = half·(1 − u^power)^tip.

    tip = 0.5 closes with a vertical tangent (rounded, oval), tip = 1 with a finite slope (a point)."""
    body = length - cuticle
    y0 = cuticle + start * body
    points: list[Point] = [(half, cuticle), (half, y0)]
    for i in range(1, _STEPS * 2 + 1):
        u = i / (_STEPS * 2)
        points.append((half * max(0.0, 1.0 - u**power) ** tip, y0 + u * (length - y0)))
    return points


def _coffin(half: float, cuticle: float, length: float) -> list[Point]:
    """Walls taper in from 40 % of the plate to a flat free edge 0.56× the nail width."""
    body = length - cuticle
    y0 = cuticle + 0.4 * body
    top = 0.56 * half
    corner = 0.06 * half
    points: list[Point] = [(half, cuticle), (half, y0)]
    for i in range(1, _STEPS + 1):
        u = i / _STEPS
        points.append((half - (half - top) * u**1.25, y0 + u * (length - corner - y0)))
    points += [(top - corner * 0.6, length), (0.0, length)]
    return points
