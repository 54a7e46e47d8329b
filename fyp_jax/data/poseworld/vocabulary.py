"""PoseWorld's closed vocabulary: figure colors, backgrounds, motions, the caption template, and
which (color, background, motion) triples are held out of training for evaluation.

Captions read "a {color} figure {motion phrase} on a {background} background", for example
"a red figure waving on a sunset background". `POSEWORLD_WORDS` lists every word a caption can
hold, so `build_clip_tokenizer(POSEWORLD_WORDS)` makes each of them one token.

A color is never drawn on a background it is hard to see on: triples whose figure color lies
within `MIN_CONTRAST` (Euclidean RGB distance) of any color of the background are in neither
training nor evaluation.
"""

import dataclasses
import itertools

RGB = tuple[int, int, int]

COLORS: dict[str, RGB] = {
    "red": (215, 35, 35),
    "orange": (245, 135, 20),
    "yellow": (245, 215, 35),
    "green": (35, 165, 70),
    "blue": (35, 75, 220),
    "purple": (135, 55, 185),
    "pink": (245, 125, 185),
    "black": (25, 25, 28),
}


@dataclasses.dataclass(frozen=True)
class Background:
    """`kind` "solid" (one color), "gradient" (`top` at the top row blending to `bottom` at the
    last) or "floor" (a wall of color `top` above a horizon line, a floor of color `bottom`)."""

    kind: str
    top: RGB
    bottom: RGB


BACKGROUNDS: dict[str, Background] = {
    "white": Background("solid", (238, 238, 238), (238, 238, 238)),
    "grey": Background("solid", (128, 128, 128), (128, 128, 128)),
    "sky": Background("gradient", (100, 170, 235), (215, 235, 250)),
    "sunset": Background("gradient", (250, 150, 70), (110, 50, 120)),
    "night": Background("gradient", (12, 14, 45), (55, 45, 100)),
    "grass": Background("floor", (170, 215, 245), (70, 150, 60)),
    "beach": Background("floor", (150, 205, 240), (225, 205, 150)),
    "stage": Background("floor", (45, 35, 40), (140, 95, 55)),
}

# Motion name -> the words that describe it in a caption.
MOTIONS: dict[str, str] = {
    "walk": "walking",
    "wave": "waving",
    "jump": "jumping",
    "squat": "squatting",
    "arms_up": "raising its arms",
    "turn": "turning around",
    "kick": "kicking",
}

CAPTION_TEMPLATE = "a {color} figure {motion} on a {background} background"
MIN_CONTRAST = 80.0

# Never generated for training; the evaluation split draws only from these. Every color,
# background and motion appears here at least once and in training many times, so evaluation
# measures composition of known parts, not unseen words.
HELD_OUT_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("red", "sky", "wave"),
    ("blue", "sunset", "wave"),
    ("yellow", "stage", "walk"),
    ("purple", "grass", "walk"),
    ("green", "night", "jump"),
    ("orange", "white", "jump"),
    ("pink", "beach", "squat"),
    ("black", "grey", "squat"),
    ("red", "grass", "arms_up"),
    ("blue", "beach", "arms_up"),
    ("orange", "night", "turn"),
    ("purple", "white", "turn"),
    ("yellow", "grey", "kick"),
    ("pink", "sky", "kick"),
)


def caption(color: str, background: str, motion: str) -> str:
    """The caption of a figure of `color` doing `motion` (a key of MOTIONS) on `background`."""
    return CAPTION_TEMPLATE.format(color=color, motion=MOTIONS[motion], background=background)


def visible(color: str, background: str) -> bool:
    """Whether a figure of `color` stands out from every color of `background`."""
    figure, scene = COLORS[color], BACKGROUNDS[background]
    return all(
        sum((a - b) ** 2 for a, b in zip(figure, part, strict=True)) ** 0.5 >= MIN_CONTRAST
        for part in (scene.top, scene.bottom)
    )


ALL_TRIPLES: tuple[tuple[str, str, str], ...] = tuple(
    (c, b, m) for c, b, m in itertools.product(COLORS, BACKGROUNDS, MOTIONS) if visible(c, b)
)
TRAIN_TRIPLES: tuple[tuple[str, str, str], ...] = tuple(
    t for t in ALL_TRIPLES if t not in set(HELD_OUT_TRIPLES)
)

POSEWORLD_WORDS: tuple[str, ...] = tuple(
    sorted(
        {
            word
            for c, b, m in itertools.product(COLORS, BACKGROUNDS, MOTIONS)
            for word in caption(c, b, m).split()
        }
    )
)
