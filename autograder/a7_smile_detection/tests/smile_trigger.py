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


# --- hidden -------------------------------------------------------------------------------------
def _fires(SmileTrigger, score_face, scores, **settings):
    trigger = SmileTrigger(score_face, **settings)
    update = trigger.update
    return [i for i, s in enumerate(scores) if update(s)]


@test_case(name="hidden_scripted_scores", points=2, hidden=True)
def hidden_scripted_scores(SmileTrigger, score_face):
    cases = [
        ([0.9] * 40, dict(threshold=0.5, k=5, cooldown=10), [4, 19, 34], "a long smile: once per k + cooldown frames"),
        ([0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.9], dict(threshold=0.5, k=3, cooldown=10), [5], "a dip restarts the count"),
        ([0.9, 0.9, None, 0.9, 0.9, 0.9], dict(threshold=0.5, k=3, cooldown=10), [5], "a frame without a face restarts the count"),
        ([0.6] * 20, dict(threshold=0.7, k=2, cooldown=0), [], "scores below the threshold never fire"),
        ([0.8, 0.8, 0.1, 0.8, 0.8, 0.1, 0.8, 0.8], dict(threshold=0.5, k=2, cooldown=0), [1, 4, 7], "no cooldown: each run of k fires"),
        ([0.9] * 4 + [0.1] * 2 + [0.9] * 4, dict(threshold=0.5, k=3, cooldown=4), [2, 9], "frames in the cooldown do not count"),
        ([0.95] * 12, dict(threshold=0.5, k=1, cooldown=3), [0, 4, 8], "k=1: fire, then wait the cooldown"),
    ]
    for scores, settings, expected, what in cases:
        fired = _fires(SmileTrigger, score_face, scores, **settings)
        assert fired == expected, f"{what}: scores {scores} with {settings} fired at frames {fired}; expected {expected}"


@test_case(name="hidden_no_face_never_fires", points=0.5, hidden=True)
def hidden_no_face_never_fires(SmileTrigger, score_face):
    from cnnkit import smiles

    assert _fires(SmileTrigger, score_face, [None] * 12, threshold=0.0, k=1, cooldown=0) == [], "frames without a face must never fire"
    faces, _ = smiles.generate_faces(4, seed=5)
    frames = smiles.make_selfie_frames(faces, seed=6, empty=np.ones(4, bool))
    trigger = SmileTrigger(score_face, threshold=-1.0, k=1, cooldown=0)
    process = trigger.process
    assert not any(bool(process(frame)) for frame in frames), "process() fired on frames in which nobody is in view"


@test_case(name="hidden_process_frames", points=0.5, hidden=True)
def hidden_process_frames(SmileTrigger, score_face):
    from cnnkit import smiles

    faces, _ = smiles.generate_faces(6, seed=21)
    frames = smiles.make_selfie_frames(faces, seed=22, empty=np.array([False, False, True, False, False, False]))
    trigger = SmileTrigger(score_face, threshold=-1.0, k=2, cooldown=0)  # every detected face counts as smiling
    process = trigger.process
    fired = [i for i, frame in enumerate(frames) if process(frame)]
    assert fired == [1, 4], (
        f"with every face counting as a smile (threshold -1, k=2, no cooldown) and nobody in frame 2, process() "
        f"fired at {fired}; expected [1, 4] (detect the face, crop it, score it, update)"
    )
