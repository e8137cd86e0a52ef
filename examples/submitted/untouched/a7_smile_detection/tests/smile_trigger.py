"""SmileTrigger: fires when the smile score stays at or above a threshold for k frames; cooldown; no face."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "smile_trigger"
points = 4
all_or_nothing = True


@test_case(name="public_fires_after_k_frames", points=1, hidden=False)
def public_fires_after_k_frames(SmileTrigger, score_face):
    trigger = SmileTrigger(score_face, threshold=0.5, k=3, cooldown=5)
    update = trigger.update
    shots = [bool(update(s)) for s in [0.9, 0.9, 0.9]]
    assert shots == [False, False, True], f"three frames at 0.9 with k=3 must fire on the third only; got {shots}"
