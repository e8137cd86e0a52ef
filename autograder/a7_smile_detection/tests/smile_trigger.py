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


# --- hidden -------------------------------------------------------------------------------------
def _fires(SmileTrigger, score_face, scores, **settings):
    trigger = SmileTrigger(score_face, **settings)
    update = trigger.update
    return [i for i, s in enumerate(scores) if update(s)]


def _simulate(scores, threshold, k, cooldown, *, extra_cooldown=0, hold_count=True):
    """The frames at which the trigger of Part G fires; ``extra_cooldown`` and ``hold_count=False`` give
    the cooldown one frame too long (+1) or short (-1), and a count that keeps growing during the cooldown."""
    count, fired = 0, []
    for n, score in enumerate(scores):
        smiling = score is not None and score >= threshold
        if fired and n - fired[-1] <= cooldown + extra_cooldown:
            count = count + 1 if smiling and not hold_count else 0
            continue
        count = count + 1 if smiling else 0
        if count >= k:
            count = 0
            fired.append(n)
    return fired


def _assert_script(SmileTrigger, score_face, scores, settings, what):
    fired = _fires(SmileTrigger, score_face, scores, **settings)
    expected = _simulate(scores, **settings)
    mistakes = [
        (dict(extra_cooldown=-1), "the cooldown is one frame short: after firing at f, ignore every frame n with "
                                  "n - f <= cooldown (see Part G)"),
        (dict(extra_cooldown=1), "the cooldown is one frame long: after firing at f, the frame n = f + cooldown + 1 "
                                 "counts again (see Part G)"),
        (dict(hold_count=False), "smiling frames during the cooldown were counted: the count is held at zero during "
                                 "the cooldown (see Part G)"),
    ]
    for mistake, message in mistakes:
        assert fired == expected or fired != _simulate(scores, **settings, **mistake), f"{what}: {message}"
    assert fired == expected, f"{what}: the shutter fired at frames {fired}; expected {expected}"


@test_case(name="hidden_k_consecutive", points=0.5, hidden=True)
def hidden_k_consecutive(SmileTrigger, score_face):
    cases = [
        ([0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.9], dict(threshold=0.5, k=3, cooldown=10), "a dip restarts the count"),
        ([0.8] * 3 + [0.1] + [0.8] * 4 + [0.1] + [0.8] * 5, dict(threshold=0.5, k=4, cooldown=2), "k=4"),
        ([0.9] * 6 + [0.0] + [0.9] * 8, dict(threshold=0.5, k=7, cooldown=1), "k=7: six smiling frames are not enough"),
        ([0.8, 0.8, 0.1, 0.8, 0.8, 0.1, 0.8, 0.8], dict(threshold=0.5, k=2, cooldown=0), "no cooldown: each run of k fires"),
        ([0.9] * 6, dict(threshold=0.5, k=2, cooldown=0), "after firing, the count starts again from 0"),
    ]
    for scores, settings, what in cases:
        _assert_script(SmileTrigger, score_face, scores, settings, what)


@test_case(name="hidden_threshold", points=0.5, hidden=True)
def hidden_threshold(SmileTrigger, score_face):
    assert _fires(SmileTrigger, score_face, [0.75] * 3, threshold=0.75, k=3, cooldown=0) == [2], (
        "scores equal to the threshold must count as smiling (score >= threshold, not >)"
    )
    assert _fires(SmileTrigger, score_face, [0.7] * 10, threshold=0.8, k=2, cooldown=0) == [], (
        "with threshold=0.8, scores of 0.7 must never fire: compare with the threshold you were given, not 0.5"
    )
    assert _fires(SmileTrigger, score_face, [0.4] * 4, threshold=0.3, k=2, cooldown=0) == [1, 3], (
        "with threshold=0.3, scores of 0.4 count as smiling: compare with the threshold you were given, not 0.5"
    )
    _assert_script(SmileTrigger, score_face, [0.6] * 20, dict(threshold=0.7, k=2, cooldown=0),
                   "scores below the threshold never fire")


@test_case(name="hidden_cooldown", points=0.75, hidden=True)
def hidden_cooldown(SmileTrigger, score_face):
    cases = [
        ([0.9] * 40, dict(threshold=0.5, k=5, cooldown=10), "a long smile: once per k + cooldown frames"),
        ([0.9] * 4 + [0.1] * 2 + [0.9] * 4, dict(threshold=0.5, k=3, cooldown=4), "frames in the cooldown do not count"),
        ([0.95] * 12, dict(threshold=0.5, k=1, cooldown=3), "k=1: fire, then wait the cooldown"),
        ([0.9] * 9 + [None] + [0.9] * 9, dict(threshold=0.5, k=2, cooldown=6), "a cooldown of 6"),
        ([0.9] * 30, dict(threshold=0.5, k=3, cooldown=1), "a cooldown of 1"),
    ]
    for scores, settings, what in cases:
        _assert_script(SmileTrigger, score_face, scores, settings, what)


@test_case(name="hidden_missing_face", points=0.5, hidden=True)
def hidden_missing_face(SmileTrigger, score_face):
    _assert_script(SmileTrigger, score_face, [0.9, 0.9, None, 0.9, 0.9, 0.9], dict(threshold=0.5, k=3, cooldown=10),
                   "a frame without a face (None) restarts the count")
    _assert_script(SmileTrigger, score_face, [0.9, None, 0.9, None, 0.9, 0.9], dict(threshold=0.2, k=2, cooldown=0),
                   "a frame without a face (None) restarts the count")
    assert _fires(SmileTrigger, score_face, [None] * 12, threshold=-1.0, k=1, cooldown=0) == [], (
        "frames without a face (None) must never fire, whatever the threshold: None is not a score"
    )


@test_case(name="hidden_defaults_and_attributes", points=0.25, hidden=True)
def hidden_defaults_and_attributes(SmileTrigger, score_face):
    assert _fires(SmileTrigger, score_face, [0.9] * 45) == [4, 39], (
        "SmileTrigger(score_face) must use the defaults threshold=0.5, k=5, cooldown=30"
    )
    trigger = SmileTrigger(score_face, threshold=0.5, k=2, cooldown=3)
    update = trigger.update
    seen = []
    for score in [0.9, 0.9, 0.6, None, 0.3, 0.9, 0.9]:
        update(score)
        seen.append(trigger.last_score)
    assert seen == [0.9, 0.9, 0.6, None, 0.3, 0.9, 0.9], (
        "last_score must be the score given to the last update (None for a frame without a face), in the cooldown too"
    )
    fired = trigger.fired
    assert isinstance(fired, list) and fired == [1, 6] and all(type(n) is int for n in fired), (
        "fired must be the list of the frame numbers (ints, counted from 0) at which the shutter fired"
    )


@test_case(name="hidden_separate_triggers", points=0.25, hidden=True)
def hidden_separate_triggers(SmileTrigger, score_face):
    first = SmileTrigger(score_face, threshold=0.5, k=1, cooldown=10)
    first.update(0.9)                                        # fires, and starts its cooldown
    second = SmileTrigger(score_face, threshold=0.5, k=1, cooldown=10)
    assert second.update(0.9) and second.fired == [0], (
        "a new SmileTrigger must start fresh: keep the count, the frame number and fired on the instance (self), "
        "not in class attributes shared by every trigger"
    )


def _frames():
    """Six small camera frames, nobody in the third."""
    from cnnkit import smiles

    faces, _ = smiles.generate_faces(6, seed=21)
    return smiles.make_selfie_frames(faces, size=(180, 240), face_px=100, seed=22,
                                     empty=np.array([False, False, True, False, False, False]))


@test_case(name="hidden_process_scores_the_crop", points=0.5, hidden=True)
def hidden_process_scores_the_crop(SmileTrigger, env):
    frames = _frames()
    kernel_np = env["np"]  # the notebook's NumPy: its functions serve as scorers where the trigger runs
    for scorer, threshold, expected, what in [
        (kernel_np.size, 4096, [1, 4], "a scorer returning the number of pixels it is given, threshold 4096"),
        (kernel_np.max, 2, [1, 4], "a scorer returning the brightest pixel, threshold 2"),
    ]:
        trigger = SmileTrigger(scorer, threshold=threshold, k=2, cooldown=0)
        process = trigger.process
        fired = [i for i, frame in enumerate(frames) if process(frame)]
        assert fired == expected, (
            f"with {what} (k=2, no cooldown, nobody in frame 2), process() fired at {fired}; expected {expected}: "
            "score the (64, 64) uint8 crop_face of the detected box with the score_face given to SmileTrigger"
        )


@test_case(name="hidden_process_frames", points=0.25, hidden=True)
def hidden_process_frames(SmileTrigger, score_face, detect_face):
    frames = _frames()
    trigger = SmileTrigger(score_face, threshold=-1.0, k=2, cooldown=0)  # every detected face counts as smiling
    process = trigger.process
    fired = []
    for i, frame in enumerate(frames):
        if process(frame):
            fired.append(i)
        box, expected_box = trigger.last_box, detect_face(frame)
        assert (box is None) == (expected_box is None) and (box is None or tuple(box) == tuple(expected_box)), (
            "last_box must be the face box detect_face found in the last frame given to process (None when none)"
        )
        assert (trigger.last_score is None) == (box is None), "last_score must be None exactly when the frame has no face"
    assert fired == [1, 4], (
        f"with every face counting as a smile (threshold -1, k=2, no cooldown) and nobody in frame 2, process() "
        f"fired at {fired}; expected [1, 4] (detect the face, crop it, score it, update)"
    )
