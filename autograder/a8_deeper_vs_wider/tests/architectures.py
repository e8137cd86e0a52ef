"""architectures: build_dense, and the wider and deeper networks' layer rules and +-5 % parameter budget."""
import numpy as np
from otter.test_files import test_case

OK_FORMAT = False  # otter: exception-based format
name = "architectures"
points = 3
all_or_nothing = True

BASELINE_SIZES = [256, 128]
TOLERANCE = 0.05


@test_case(name="public_build_dense_and_budgets", points=1, hidden=False)
def public_build_dense_and_budgets(build_dense, wider_sizes, deeper_sizes):
    from cnnkit.config import load_course_config

    model = build_dense([256, 128])
    assert model is not None, "build_dense returned None; did you forget `return`?"
    assert model.count_params() == 239_919, (
        f"build_dense([256, 128]) has {model.count_params()} parameters; Chapter 1's network has 239919"
    )
    assert tuple(model.input_shape) == (None, 28, 28, 1), f"the input shape is {model.input_shape}; expected (None, 28, 28, 1)"
    assert tuple(model.output_shape) == (None, 47), f"the output shape is {model.output_shape}; expected (None, 47)"
    budget = load_course_config().REFERENCE_CNN_PARAMS
    for label, sizes in (("wider_sizes", wider_sizes), ("deeper_sizes", deeper_sizes)):
        assert sizes is not None, f"{label} is None: set it to the list of hidden-layer widths"
        count = build_dense(sizes).count_params()
        assert abs(count / budget - 1) <= TOLERANCE, (
            f"build_dense({label}) has {count} parameters, {count / budget - 1:+.1%} of the budget {budget}; "
            "it must be within 5 %"
        )


def _dense_units(model):
    import keras

    return [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)]


@test_case(name="hidden_build_dense_layers", points=0.5, hidden=True)
def hidden_build_dense_layers(build_dense):
    import keras

    for sizes in ([], [7], [5, 9, 3], (64, 32)):
        model = build_dense(sizes)
        assert _dense_units(model) == [*sizes, 47], (
            f"build_dense({list(sizes)}) has Dense layers of {_dense_units(model)} units; expected {[*sizes, 47]}"
        )
        assert isinstance(model.layers[0], keras.layers.Flatten), "build_dense's first layer must be Flatten"
        dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        activations = [layer.get_config()["activation"] for layer in dense]
        assert activations == ["relu"] * len(sizes) + ["softmax"], (
            f"build_dense({list(sizes)}) has activations {activations}; hidden layers use relu, the output softmax"
        )
    assert build_dense([4]) is not build_dense([4]), "build_dense must return a new model on every call"


def _count(sizes):
    widths = [784, *[int(w) for w in sizes], 47]
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))


@test_case(name="hidden_wider_rules", points=0.5, hidden=True)
def hidden_wider_rules(build_dense, wider_sizes):
    from cnnkit.config import load_course_config

    budget = load_course_config().REFERENCE_CNN_PARAMS
    sizes = [int(w) for w in wider_sizes]
    assert len(sizes) == len(BASELINE_SIZES), (
        f"wider_sizes = {sizes} has {len(sizes)} hidden layers; the wider network keeps Chapter 1's "
        f"{len(BASELINE_SIZES)} (adding layers makes it deeper, not wider)"
    )
    assert all(w >= b for w, b in zip(sizes, BASELINE_SIZES)) and sum(sizes) > sum(BASELINE_SIZES), (
        f"wider_sizes = {sizes}: each layer must be at least as wide as Chapter 1's {BASELINE_SIZES}, with more units in all"
    )
    assert abs(_count(sizes) / budget - 1) <= TOLERANCE, (
        f"wider_sizes = {sizes} gives {_count(sizes)} parameters, outside 5 % of {budget}"
    )
    assert _dense_units(build_dense(sizes)) == [*sizes, 47]


@test_case(name="hidden_deeper_rules", points=0.5, hidden=True)
def hidden_deeper_rules(build_dense, deeper_sizes):
    from cnnkit.config import load_course_config

    budget = load_course_config().REFERENCE_CNN_PARAMS
    sizes = [int(w) for w in deeper_sizes]
    assert len(sizes) >= 2 * len(BASELINE_SIZES), (
        f"deeper_sizes = {sizes} has {len(sizes)} hidden layers; the deeper network needs at least "
        f"{2 * len(BASELINE_SIZES)} (twice Chapter 1's)"
    )
    assert min(sizes) >= 1 and max(sizes) <= max(BASELINE_SIZES), (
        f"deeper_sizes = {sizes}: no layer may be wider than Chapter 1's widest ({max(BASELINE_SIZES)})"
    )
    assert abs(_count(sizes) / budget - 1) <= TOLERANCE, (
        f"deeper_sizes = {sizes} gives {_count(sizes)} parameters, outside 5 % of {budget}"
    )
    assert _dense_units(build_dense(sizes)) == [*sizes, 47]


@test_case(name="hidden_reference_cnn_is_the_budget", points=0.5, hidden=True)
def hidden_reference_cnn_is_the_budget(build_cnn):
    from cnnkit.config import load_course_config

    budget = load_course_config().REFERENCE_CNN_PARAMS
    assert build_cnn().count_params() == budget, (
        f"build_cnn() has {build_cnn().count_params()} parameters; the reference CNN has {budget}: do not change it"
    )
