"""Load: 8 gradio_client users at once against `python app.py` on localhost. Each gets its video or
the queue's busy message, none is lost, and the server's memory after the burst is within 10 % of
before. One generation runs at a time and 3 may wait (--config.limits.max_queue=3), so a burst of
8 meets both answers."""

from __future__ import annotations

import threading

import pytest

gradio_client = pytest.importorskip("gradio_client")

from app_server import ROOT, app_server, rss_bytes  # noqa: E402

from fyp_jax.pose import read_video  # noqa: E402

CLIENTS = 8
FRAMES = 4
REQUEST = dict(prompt="a blue figure jumping on a grass background", frames=FRAMES, steps=2,
               guidance=7.5, seed=0)
BUSY = "Queue is full"


def one_user(url: str, barrier: threading.Barrier, outcomes: list, i: int) -> None:
    client = gradio_client.Client(url, verbose=False)
    pose = gradio_client.handle_file(ROOT / "assets/poseworld_pose.gif")
    barrier.wait()
    try:
        video, _ = client.predict(pose=pose, api_name="/generate", **{**REQUEST, "seed": i})
        outcomes[i] = "served" if len(read_video(video)) == FRAMES else f"bad video {video}"
    except Exception as error:  # noqa: BLE001 - every other outcome counts as lost
        outcomes[i] = "busy" if BUSY in str(error) else f"lost: {error!r}"


@pytest.mark.slow
def test_a_burst_of_clients_is_served_or_told_busy_and_memory_stays(tmp_path):
    with app_server("--config.limits.max_queue=3", log=tmp_path / "app.log") as (url, pid):
        warm = gradio_client.Client(url, verbose=False)
        pose = gradio_client.handle_file(ROOT / "assets/poseworld_pose.gif")
        for _ in range(2):                      # compile, then one steady request
            warm.predict(pose=pose, api_name="/generate", **REQUEST)
        rss_before = rss_bytes(pid)
        outcomes: list = [None] * CLIENTS
        barrier = threading.Barrier(CLIENTS)
        users = [threading.Thread(target=one_user, args=(url, barrier, outcomes, i))
                 for i in range(CLIENTS)]
        for user in users:
            user.start()
        for user in users:
            user.join(timeout=600)
        rss_after = rss_bytes(pid)
    served, busy = outcomes.count("served"), outcomes.count("busy")
    lost = [o for o in outcomes if o not in ("served", "busy")]
    print(f"\nload: {CLIENTS} requests, {served} served, {busy} busy, {len(lost)} lost; server RSS "
          f"{rss_before / 2**20:.0f} MiB before, {rss_after / 2**20:.0f} MiB after "
          f"({(rss_after - rss_before) / rss_before:+.1%})")
    assert lost == []
    assert served >= 1 and served + busy == CLIENTS
    assert abs(rss_after - rss_before) <= 0.10 * rss_before
