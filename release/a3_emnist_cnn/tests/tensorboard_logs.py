"""tensorboard_logs: the submitted TensorBoard logs hold loss and accuracy per epoch and weight histograms."""
from pathlib import Path
from otter.test_files import test_case
OK_FORMAT = False  # otter: exception-based format
name = "tensorboard_logs"
points = 2
hidden_checks = ("scalar loss and accuracy for at least 2 epochs in the train and validation runs of both networks "
                 "(finite, accuracy in [0, 1], a falling training loss) and kernel histograms of at least 2 epochs")


@test_case(name="public_event_files_present", points=0.5, hidden=False)
def public_event_files_present(LOG_DIR):
    assert LOG_DIR is not None, "LOG_DIR is not defined: run the setup cell"
    folder = Path(LOG_DIR)
    assert not folder.is_absolute() and ".." not in folder.parts, (
        f"LOG_DIR = {LOG_DIR!r} must be a folder inside the assignment's folder (it is submitted with the notebook)"
    )
    for run in ("dense/train", "dense/validation", "cnn/train", "cnn/validation"):
        files = sorted((folder / run).glob("events.out.tfevents.*"))
        assert files, f"no TensorBoard event file in {folder / run}: run the training cell and submit the folder {folder.parts[0]}/"
