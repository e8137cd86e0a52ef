"""SmileTrigger: fires when the smile score stays at or above a threshold for k frames; cooldown; no face."""
import numpy as np
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "smile_trigger"
points = 4
hidden_checks = ("other thresholds (a score equal to it counts), other k, the cooldown's exact length (count held at "
                 "zero), a missing face restarting the count, the defaults, the fired, last_score and last_box "
                 "attributes, separate triggers not sharing state, and process() scoring the crop with the score_face "
                 "it was given")


@test_case(name="public_fires_after_k_frames", points=0.5, hidden=False)
def public_fires_after_k_frames(SmileTrigger, score_face):
    trigger = SmileTrigger(score_face, threshold=0.5, k=3, cooldown=5)
    update = trigger.update
    shots = [bool(update(s)) for s in [0.9, 0.9, 0.9]]
    assert shots == [False, False, True], f"three frames at 0.9 with k=3 must fire on the third only; got {shots}"
