"""The skeleton renderer on synthetic poses: link layout, colours, thickness, caps, antialiasing."""

import numpy as np
import pytest

from fyp_jax.pose.coco import CLASS_COLOURS, LEFT_LIMBS, LINKS, RIGHT_LIMBS, TORSO_AND_HEAD
from fyp_jax.pose.keypoints import PoseSequence
from fyp_jax.pose.raster import capsule_coverage
from fyp_jax.pose.render import default_thickness, render_pose, render_sequence

# A spread-out frontal COCO-17 pose on 512 x 512 whose 19 link midpoints are >= 12 px apart.
# fmt: off
STANDING = np.array(
    [
        (256, 80), (276, 65), (236, 65), (300, 75), (212, 75),  # nose, eyes, ears
        (330, 150), (182, 150), (400, 210), (112, 210),  # shoulders, elbows
        (450, 130), (62, 130), (310, 300), (202, 300),  # wrists, hips
        (340, 390), (172, 390), (360, 480), (152, 480),  # knees, ankles
    ],
    np.float32,
)
# fmt: on


def person(xy: np.ndarray, confidence: float = 1.0) -> np.ndarray:
    return np.concatenate([xy, np.full((17, 1), confidence, np.float32)], axis=1)


def test_coco_links_are_the_19_mmpose_links_with_person_side_colours():
    assert len(LINKS) == 19
    assert len({frozenset(link[:2]) for link in LINKS}) == 19
    names = {TORSO_AND_HEAD: set(), RIGHT_LIMBS: set(), LEFT_LIMBS: set()}
    for a, b, cls in LINKS:
        names[cls] |= {a, b}
    assert names[RIGHT_LIMBS] == {6, 8, 10, 12, 14, 16}  # right shoulder/elbow/wrist/hip/knee/ankle
    assert names[LEFT_LIMBS] == {5, 7, 9, 11, 13, 15}
    assert CLASS_COLOURS == {
        TORSO_AND_HEAD: (255, 153, 51),
        RIGHT_LIMBS: (0, 128, 255),
        LEFT_LIMBS: (0, 255, 0),
    }


def test_every_link_is_drawn_in_its_colour_and_nothing_else():
    image = render_pose(person(STANDING)[None], 512, 512)
    for a, b, cls in LINKS:
        x, y = np.rint((STANDING[a] + STANDING[b]) / 2).astype(int)
        assert tuple(image[y, x]) == CLASS_COLOURS[cls], (a, b)
    assert image[500, 500].tolist() == [0, 0, 0]
    # The three colours and their blends with black; other hues only where two colours meet at
    # a joint (under 1 %): no keypoint dots in colours of their own.
    lit = image[image.max(axis=-1) > 0].astype(np.float32)
    palette = np.array(list(CLASS_COLOURS.values()), np.float32)
    unit = palette / np.linalg.norm(palette, axis=1, keepdims=True)
    cosine = (lit / np.linalg.norm(lit, axis=1, keepdims=True)) @ unit.T
    assert (cosine.max(axis=1) < 0.99).mean() < 0.01


def test_links_below_confidence_are_skipped():
    pose = person(STANDING)
    pose[9, 2] = 0.1  # left wrist unsure: the left forearm (7-9) goes, the upper arm stays
    image = render_pose(pose[None], 512, 512, min_confidence=0.3)
    forearm = np.rint((STANDING[7] + STANDING[9]) / 2).astype(int)
    upper_arm = np.rint((STANDING[5] + STANDING[7]) / 2).astype(int)
    assert image[forearm[1], forearm[0]].max() == 0
    assert tuple(image[upper_arm[1], upper_arm[0]]) == CLASS_COLOURS[LEFT_LIMBS]
    assert render_pose(person(STANDING, 0.2)[None], 512, 512).max() == 0


def test_any_number_of_people_and_offscreen_joints():
    left = person(STANDING * 0.5)
    right = person(STANDING * 0.5 + np.float32([256, 256]))
    offscreen = person(STANDING + 5000)
    image = render_pose(np.stack([left, right, offscreen]), 512, 512)
    both = render_pose(left[None], 512, 512).astype(int) + render_pose(right[None], 512, 512)
    np.testing.assert_array_equal(image, np.minimum(both, 255))  # disjoint people add up
    assert render_pose(np.zeros((0, 17, 3)), 64, 64).shape == (64, 64, 3)


@pytest.mark.parametrize("size", [256, 512, 1080])
def test_line_width_scales_with_image_size(size):
    assert default_thickness(size, 2 * size) == pytest.approx(6.0 * size / 512)
    pose = np.zeros((1, 17, 3), np.float32)
    # A horizontal thigh: the coverage summed across it is the line width.
    pose[0, [11, 13], :] = [(0.2 * size, 0.5 * size, 1), (0.8 * size, 0.5 * size, 1)]
    column = render_pose(pose, size, size)[:, size // 2, 1].astype(np.float32) / 255
    assert column.sum() == pytest.approx(default_thickness(size, size), abs=0.05)


def test_antialiased_edges_and_round_caps():
    pose = np.zeros((1, 17, 3), np.float32)
    pose[0, [11, 13], :] = [(100.0, 200.3, 1), (400.0, 200.3, 1)]
    image = render_pose(pose, 400, 500, thickness=10)
    column = image[:, 250, 1]
    partial = column[(column > 0) & (column < 255)]
    assert len(partial) == 2  # one soft pixel on each edge
    # Round cap: the line reaches radius 5 beyond the end on the axis, less off the axis.
    row = image[200, :, 1]
    assert row[96] == 255 and row[94] == 0
    assert image[196, 97, 1] < image[200, 97, 1]


def test_capsule_coverage_of_a_point_is_a_disc_and_outside_is_none():
    window, alpha = capsule_coverage((10.0, 10.0), (10.0, 10.0), 3.0, 32, 32)
    assert alpha.sum() == pytest.approx(np.pi * 9, rel=0.05)
    assert capsule_coverage((-50.0, -50.0), (-40.0, -45.0), 3.0, 32, 32) is None


def test_render_sequence_frames():
    keypoints = np.stack([person(STANDING)[None], person(STANDING + 10)[None]])
    frames = render_sequence(PoseSequence(keypoints, width=512, height=512))
    assert frames.shape == (2, 512, 512, 3) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames[0], render_pose(keypoints[0], 512, 512))
