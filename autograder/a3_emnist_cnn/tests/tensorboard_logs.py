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


def _tensors(run_dir):
    """{tag: (plugin name, [(step, value array)])} of a run folder, read with TensorBoard's reader."""
    import tensorflow as tf
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir), size_guidance={"tensors": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["tensors"]:
        plugin = acc.SummaryMetadata(tag).plugin_data.plugin_name
        out[tag] = (plugin, [(e.step, tf.make_ndarray(e.tensor_proto)) for e in acc.Tensors(tag)])
    return out


@test_case(name="hidden_scalars_per_epoch", points=1, hidden=True)
def hidden_scalars_per_epoch(LOG_DIR):
    import numpy as np

    for model in ("dense", "cnn"):
        for run in ("train", "validation"):
            tensors = _tensors(Path(LOG_DIR) / model / run)
            for tag in ("epoch_loss", "epoch_accuracy"):
                assert tag in tensors and tensors[tag][0] == "scalars", f"{LOG_DIR}/{model}/{run} has no scalar {tag!r}"
                steps = sorted({step for step, _ in tensors[tag][1]})
                assert len(steps) >= 2, f"{LOG_DIR}/{model}/{run} holds {tag} for {len(steps)} epoch(s); at least 2 expected"
                values = np.array([float(v) for _, v in sorted(tensors[tag][1], key=lambda sv: sv[0])])
                assert np.isfinite(values).all(), f"{LOG_DIR}/{model}/{run}: {tag} is not finite"
                if tag == "epoch_accuracy":
                    assert ((values >= 0) & (values <= 1)).all(), f"{LOG_DIR}/{model}/{run}: accuracy outside [0, 1]"
            losses = [float(v) for _, v in sorted(tensors["epoch_loss"][1], key=lambda sv: sv[0])]
            if run == "train":
                assert losses[-1] < losses[0], f"{LOG_DIR}/{model}/train: the training loss did not fall ({losses[0]:.3f} -> {losses[-1]:.3f})"


@test_case(name="hidden_weight_histograms", points=0.5, hidden=True)
def hidden_weight_histograms(LOG_DIR):
    for model in ("dense", "cnn"):
        tensors = _tensors(Path(LOG_DIR) / model / "train")
        kernels = {tag: series for tag, (plugin, series) in tensors.items()
                   if plugin == "histograms" and tag.endswith("kernel/histogram")}
        assert kernels, (
            f"{LOG_DIR}/{model}/train holds no weight histograms: train with the TensorBoard callback and histogram_freq=1"
        )
        assert all(len({step for step, _ in series if step >= 0}) >= 2 for series in kernels.values()), (
            f"{LOG_DIR}/{model}/train: weight histograms of fewer than 2 epochs"
        )
