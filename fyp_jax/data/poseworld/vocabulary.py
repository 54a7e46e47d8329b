"""PoseWorld's closed vocabulary: figure colors, styles, backgrounds, motions, the caption
grammar, and which combinations are held out of training for evaluation.

A caption names the figures left to right, then what they do, then the background:

    caption := figure (" and " figure)* " " motion-phrase " on a " background " background"
    figure  := "a " color [" " style] " figure"          (the "filled" style is not written)

for example "a red figure waving on a sunset background" (every v1 caption is one of these) or
"a red striped figure and a blue figure dancing on a grass background". The motion phrase is
the motion's words when every figure does that motion, "dancing" when they all follow real
people's keypoints, "moving" when they differ. `parse_caption` reads a caption back into its
parts. `POSEWORLD_WORDS` lists every word a caption can hold, so
`build_clip_tokenizer(POSEWORLD_WORDS)` makes each of them one token.

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

# Figure styles; the first is the plain filled body and is left out of captions.
STYLES: tuple[str, ...] = ("filled", "outlined", "striped")
REAL_MOTION = "dance"  # a figure that follows keypoints extracted from a real dancer
REAL_MOTION_PHRASE = "dancing"
MIXED_MOTION_PHRASE = "moving"  # figures doing different motions
MAX_FIGURES = 3

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


# Held out of training in every scene: these (color, style) pairs.
HELD_OUT_STYLES: tuple[tuple[str, str], ...] = (
    ("red", "striped"),
    ("blue", "outlined"),
    ("green", "striped"),
    ("orange", "outlined"),
    ("purple", "striped"),
    ("pink", "outlined"),
    ("yellow", "striped"),
    ("black", "outlined"),
)
# Held out of training: scenes whose colors, left to right, are one of these groups.
HELD_OUT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("red", "blue"),
    ("blue", "red"),
    ("green", "pink"),
    ("yellow", "purple"),
    ("black", "orange"),
    ("pink", "green"),
    ("red", "green", "blue"),
    ("yellow", "black", "pink"),
    ("blue", "orange", "purple"),
    ("purple", "red", "yellow"),
)


@dataclasses.dataclass(frozen=True)
class CaptionParts:
    """What a caption says: the figures' (color, style) left to right, the motion phrase, the
    background."""

    figures: tuple[tuple[str, str], ...]
    motion: str
    background: str


def motion_phrase(motions: tuple[str, ...]) -> str:
    """The words for figures doing `motions` (keys of MOTIONS, or REAL_MOTION)."""
    if all(m == REAL_MOTION for m in motions):
        return REAL_MOTION_PHRASE
    if len(set(motions)) == 1:
        return MOTIONS[motions[0]]
    return MIXED_MOTION_PHRASE


def figure_words(color: str, style: str) -> str:
    """"a red figure", "a red striped figure"."""
    return f"a {color} figure" if style == STYLES[0] else f"a {color} {style} figure"


def scene_caption(figures: tuple[tuple[str, str], ...], phrase: str, background: str) -> str:
    """The caption of `figures` ((color, style) left to right) doing `phrase` on `background`."""
    named = " and ".join(figure_words(c, s) for c, s in figures)
    return f"{named} {phrase} on a {background} background"


def caption(color: str, background: str, motion: str) -> str:
    """The caption of one filled figure of `color` doing `motion` (a key of MOTIONS) on
    `background` (v1's only kind of caption)."""
    return CAPTION_TEMPLATE.format(color=color, motion=MOTIONS[motion], background=background)


_PHRASES = (*MOTIONS.values(), REAL_MOTION_PHRASE, MIXED_MOTION_PHRASE)


def parse_caption(text: str) -> CaptionParts:
    """The parts of a caption of the grammar above; ValueError for any other text."""
    words = text.split()
    if len(words) < 7 or words[-4:-2] != ["on", "a"] or words[-1] != "background":
        raise ValueError(f"not a PoseWorld caption: {text!r}")
    background = words[-2]
    head = " ".join(words[:-4])
    phrase = next((p for p in _PHRASES if head.endswith(" " + p)), None)
    if background not in BACKGROUNDS or phrase is None:
        raise ValueError(f"not a PoseWorld caption: {text!r}")
    figures = []
    for part in head[: -len(phrase) - 1].split(" and "):
        tokens = part.split()
        style = tokens[2] if len(tokens) == 4 else STYLES[0]
        if (
            len(tokens) not in (3, 4)
            or tokens[0] != "a"
            or tokens[-1] != "figure"
            or tokens[1] not in COLORS
            or style not in STYLES
        ):
            raise ValueError(f"not a PoseWorld caption: {text!r}")
        figures.append((tokens[1], style))
    if len(figures) > MAX_FIGURES:
        raise ValueError(f"a PoseWorld caption names at most {MAX_FIGURES} figures: {text!r}")
    return CaptionParts(tuple(figures), phrase, background)


def figure_captions(text: str) -> list[str]:
    """One caption per figure a caption of the grammar above names, left to right: the figure
    alone, doing the caption's motion on its background ("a red figure and a blue figure
    dancing on a grass background" -> "a red figure dancing on a grass background", "a blue
    figure dancing on a grass background"); ValueError for any other text."""
    parts = parse_caption(text)
    return [scene_caption((figure,), parts.motion, parts.background) for figure in parts.figures]


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
            for c, b, phrase, style in itertools.product(COLORS, BACKGROUNDS, _PHRASES, STYLES)
            for word in scene_caption(((c, style), (c, style)), phrase, b).split()
        }
        | {"filled"}  # parse_caption reads the implicit style when it is written
    )
)
