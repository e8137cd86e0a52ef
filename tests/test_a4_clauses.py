"""Every clause of a4_regularization's graded functions has a mutant its hidden tests reject for the
reason it names, and the correct alternatives the text allows keep full marks.

The reference environment is the source notebook's setup and solution cells, executed in-process
(no data, no training), with the committed trained ``regularized_cnn.keras`` of the store. Each
mutant is code executed on top of it, written the way a student might get one clause wrong; each
alternate is a correct solution written another way than the reference.
"""

from __future__ import annotations


import keras
import pytest

from tests.conftest import COURSE, course_env, solution_code
from tests.mutation import Alternate, Mutant, assert_passes, assert_rejects, execute_cells, mutate, questions

A4 = "a4_regularization"


@pytest.fixture(autouse=True)
def _course(monkeypatch):
    monkeypatch.delenv("CNNKIT_GRADING", raising=False)
    with course_env():
        yield


@pytest.fixture(scope="module")
def a4() -> dict:
    """The reference: setup and solution cells, and the store's trained regularized CNN."""
    with course_env():
        env = execute_cells(solution_code(A4, with_cells=("setup",)), {"NUM_CLASSES": 47}, label=f"{A4} cell")
    env["regularized_cnn"] = keras.models.load_model(COURSE.trained(A4) / "regularized_cnn.keras")
    return env


MUTANTS: tuple[Mutant, ...] = (
    # --- l2_dense (Part A)
    Mutant("l2_dense", "the penalty on all three kernels", """
def build_dense_model(l2=0.0):
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(256, activation="relu", kernel_regularizer=keras.regularizers.L2(l2) if l2 else None),
                             keras.layers.Dense(128, activation="relu"), keras.layers.Dense(47, activation="softmax")])
""", "without kernel_regularizer"),
    Mutant("l2_dense", "kernels only, not the biases", """
_reference_dense = build_dense_model
def build_dense_model(l2=0.0):
    model = _reference_dense(l2)
    for layer in model.layers:
        if l2 > 0 and isinstance(layer, keras.layers.Dense):
            layer.bias_regularizer = keras.regularizers.L2(l2)
    return keras.models.clone_model(model)
""", "counted on the biases too"),
    Mutant("l2_dense", "the factor l2", """
_reference_dense = build_dense_model
def build_dense_model(l2=0.0):
    return _reference_dense(l2 / 2)
""", "half of l2"),
    Mutant("l2_dense", "squared weights (L2, not L1)", """
def build_dense_model(l2=0.0):
    penalty = (lambda: keras.regularizers.L1(l2)) if l2 > 0 else (lambda: None)
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(256, activation="relu", kernel_regularizer=penalty()),
                             keras.layers.Dense(128, activation="relu", kernel_regularizer=penalty()),
                             keras.layers.Dense(47, activation="softmax", kernel_regularizer=penalty())])
""", "L1 penalty"),
    Mutant("l2_dense", "the l2 argument", """
_reference_dense = build_dense_model
def build_dense_model(l2=0.0):
    return _reference_dense(1e-3 if l2 > 0 else 0.0)
""", "penalty differs from l2 * the sum of the squared kernels"),
    Mutant("l2_dense", "no regularizer when l2 == 0", """
def build_dense_model(l2=0.0):
    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(256, activation="relu", kernel_regularizer=keras.regularizers.L2(l2)),
                             keras.layers.Dense(128, activation="relu", kernel_regularizer=keras.regularizers.L2(l2)),
                             keras.layers.Dense(47, activation="softmax", kernel_regularizer=keras.regularizers.L2(l2))])
""", "must add no regularizer"),
    Mutant("l2_dense", "a softmax output", """
_reference_dense = build_dense_model
def build_dense_model(l2=0.0):
    model = _reference_dense(l2)
    model.layers[-1].activation = keras.activations.linear
    return model
""", "has no softmax"),
    Mutant("l2_dense", "ReLU hidden layers", """
_reference_dense = build_dense_model
def build_dense_model(l2=0.0):
    model = _reference_dense(l2)
    for layer in model.layers[1:-1]:
        layer.activation = keras.activations.linear
    return model
""", "have no activation"),
    # --- dropout_forward (Part B)
    Mutant("dropout_forward", "the identity at inference", """
_reference_dropout = dropout_forward
def dropout_forward(x, rate, training, rng=None):
    return _reference_dropout(x, rate, True, rng)
""", "dropout is applied at inference"),
    Mutant("dropout_forward", "inverted dropout: no scaling at inference", """
def dropout_forward(x, rate, training, rng=None):
    x = np.asarray(x, dtype=float)
    if not training:
        return x * (1 - rate)
    return np.where(np.random.default_rng(rng).random(x.shape) >= rate, x, 0.0)
""", "scales by 1 - rate at inference"),
    Mutant("dropout_forward", "kept values divided by 1 - rate", """
_reference_dropout = dropout_forward
def dropout_forward(x, rate, training, rng=None):
    return _reference_dropout(x, rate, training, rng) * (1 - rate if training else 1)
""", "kept values are not rescaled"),
    Mutant("dropout_forward", "kept values divided, not multiplied", """
_reference_dropout = dropout_forward
def dropout_forward(x, rate, training, rng=None):
    return _reference_dropout(x, rate, training, rng) * ((1 - rate) ** 2 if training else 1)
""", "multiplied by 1 - rate"),
    Mutant("dropout_forward", "rate is the probability of dropping", """
def dropout_forward(x, rate, training, rng=None):
    x = np.asarray(x, dtype=float)
    if not training or rate == 0:
        return x.copy()
    return np.where(np.random.default_rng(rng).random(x.shape) < rate, x / (1 - rate), 0.0)
""", "keeps a fraction `rate`"),
    Mutant("dropout_forward", "the mask from the given rng", """
_reference_dropout = dropout_forward
def dropout_forward(x, rate, training, rng=None):
    return _reference_dropout(x, rate, training, np.random.default_rng())
""", "same seed"),
    Mutant("dropout_forward", "a new choice for every image", """
def dropout_forward(x, rate, training, rng=None):
    x = np.asarray(x, dtype=float)
    if not training or rate == 0:
        return x.copy()
    keep = np.random.default_rng(rng).random(x.shape[1:]) >= rate
    return np.where(keep, x / (1 - rate), 0.0)
""", "every image got the same mask"),
    Mutant("dropout_forward", "the mask rng.random(x.shape) >= rate", """
def dropout_forward(x, rate, training, rng=None):
    x = np.asarray(x, dtype=float)
    if not training or rate == 0:
        return x.copy()
    keep = np.random.default_rng(rng).binomial(1, 1 - rate, size=x.shape).astype(bool)
    return np.where(keep, x / (1 - rate), 0.0)
""", "the mask differs from the docstring's"),
    Mutant("dropout_forward", "a float array", """
_reference_dropout = dropout_forward
def dropout_forward(x, rate, training, rng=None):
    return np.asarray(x) if not training else _reference_dropout(x, rate, training, rng)
""", "return a float array"),
    # --- batchnorm_forward (Part C)
    Mutant("batchnorm_forward", "moving statistics at inference", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, _, _ = _reference_bn(x, gamma, beta, moving_mean, moving_var, True, momentum, eps)
    return out, np.array(moving_mean, float), np.array(moving_var, float)
""", "MOVING statistics"),
    Mutant("batchnorm_forward", "moving statistics unchanged at inference", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, _, _ = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
    _, new_mean, new_var = _reference_bn(x, gamma, beta, moving_mean, moving_var, True, momentum, eps)
    return out, new_mean, new_var
""", "inference must return the moving statistics unchanged"),
    Mutant("batchnorm_forward", "the biased batch variance", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    if not training:
        return _reference_bn(x, gamma, beta, moving_mean, moving_var, False, momentum, eps)
    x = np.asarray(x, float)
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axes), x.var(axes, ddof=1)
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return out, momentum * moving_mean + (1 - momentum) * mean, momentum * moving_var + (1 - momentum) * var
""", "biased batch variance"),
    Mutant("batchnorm_forward", "statistics over every axis but the last", """
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    x = np.asarray(x, float)
    mean, var = (x.mean(axis=0), x.var(axis=0)) if training else (moving_mean, moving_var)
    out = gamma * (x - mean) / np.sqrt(var + eps) + beta
    if not training:
        return out, np.array(moving_mean, float), np.array(moving_var, float)
    axes = tuple(range(x.ndim - 1))
    return out, momentum * moving_mean + (1 - momentum) * x.mean(axes), momentum * moving_var + (1 - momentum) * x.var(axes)
""", "over N, H and W"),
    Mutant("batchnorm_forward", "batch statistics in training", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, _, _ = _reference_bn(x, gamma, beta, moving_mean, moving_var, False, momentum, eps)
    _, new_mean, new_var = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
    return out, new_mean, new_var
""", "training mode used the moving statistics"),
    Mutant("batchnorm_forward", "momentum weighs the old averages", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, _, _ = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
    _, new_mean, new_var = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, 1 - momentum, eps)
    return out, new_mean, new_var
""", "m and 1 - m are swapped"),
    Mutant("batchnorm_forward", "the moving variance averages variances", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, new_mean, new_var = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
    if training:
        x = np.asarray(x, float)
        new_var = momentum * np.asarray(moving_var) + (1 - momentum) * x.std(axis=tuple(range(x.ndim - 1)))
    return out, new_mean, new_var
""", "not its standard deviation"),
    Mutant("batchnorm_forward", "epsilon inside the square root", """
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    x = np.asarray(x, float)
    axes = tuple(range(x.ndim - 1))
    mean, var = (x.mean(axes), x.var(axes)) if training else (moving_mean, moving_var)
    out = gamma * (x - mean) / (np.sqrt(var) + eps) + beta
    if not training:
        return out, np.array(moving_mean, float), np.array(moving_var, float)
    return out, momentum * moving_mean + (1 - momentum) * mean, momentum * moving_var + (1 - momentum) * var
""", "outside the square root"),
    Mutant("batchnorm_forward", "the eps argument", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    return _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, 1e-3)
""", "ignores its eps argument"),
    Mutant("batchnorm_forward", "gamma scales, beta shifts", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    return _reference_bn(x, beta, gamma, moving_mean, moving_var, training, momentum, eps)
""", "gamma and beta are swapped"),
    Mutant("batchnorm_forward", "beta added after the scaling", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, new_mean, new_var = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
    return out + (np.asarray(gamma) - 1) * np.asarray(beta), new_mean, new_var
""", "beta is added before the scaling"),
    Mutant("batchnorm_forward", "the inputs left unmodified", """
_reference_bn = batchnorm_forward
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    out, new_mean, new_var = _reference_bn(x, gamma, beta, moving_mean, moving_var, training, momentum, eps)
    moving_mean[...], moving_var[...] = new_mean, new_var
    return out, moving_mean, moving_var
""", "modified its inputs"),
    # --- regularized_cnn (Part D)
    Mutant("regularized_cnn", "the arguments", """
_reference_cnn = build_regularized_cnn
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    return _reference_cnn()
""", "BatchNormalization layer(s)"),
    Mutant("regularized_cnn", "the dropout rate", """
_reference_cnn = build_regularized_cnn
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    return _reference_cnn(0.5 if dropout_rate > 0 else 0.0, batchnorm)
""", "Dropout rates"),
    Mutant("regularized_cnn", "BatchNormalization between the layer and its ReLU", """
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    bn = (lambda: [keras.layers.BatchNormalization(momentum=0.9)]) if batchnorm else (lambda: [])
    drop = (lambda: [keras.layers.Dropout(dropout_rate)]) if dropout_rate > 0 else (lambda: [])
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu", use_bias=not batchnorm), *bn(), keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu", use_bias=not batchnorm), *bn(), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), *drop(), keras.layers.Dense(128, activation="relu", use_bias=not batchnorm), *bn(), *drop(),
        keras.layers.Dense(47, activation="softmax")])
""", "comes after the ReLU"),
    Mutant("regularized_cnn", "bias-free layers before BatchNormalization", """
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    def block(layer, filters_or_units):
        if not batchnorm:
            return [layer(filters_or_units, activation="relu")]
        return [layer(filters_or_units), keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")]
    conv = lambda filters, **kw: keras.layers.Conv2D(filters, 3, padding="same", **kw)
    drop = (lambda: [keras.layers.Dropout(dropout_rate)]) if dropout_rate > 0 else (lambda: [])
    return keras.Sequential([keras.Input((28, 28, 1)), *block(conv, 32), keras.layers.MaxPooling2D(), *block(conv, 64),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(), *drop(), *block(keras.layers.Dense, 128),
                             *drop(), keras.layers.Dense(47, activation="softmax")])
""", "keeps its bias"),
    Mutant("regularized_cnn", "momentum=0.9", """
_reference_cnn = build_regularized_cnn
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    model = _reference_cnn(dropout_rate, batchnorm)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.99
    return model
""", "use momentum=0.9"),
    Mutant("regularized_cnn", "after the hidden dense layer too", """
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    def conv(filters):
        if not batchnorm:
            return [keras.layers.Conv2D(filters, 3, padding="same", activation="relu")]
        return [keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
                keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")]
    drop = (lambda: [keras.layers.Dropout(dropout_rate)]) if dropout_rate > 0 else (lambda: [])
    return keras.Sequential([keras.Input((28, 28, 1)), *conv(32), keras.layers.MaxPooling2D(), *conv(64),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(), *drop(),
                             keras.layers.Dense(128, activation="relu"), *drop(), keras.layers.Dense(47, activation="softmax")])
""", "is not followed by BatchNormalization"),
    Mutant("regularized_cnn", "Dropout before the dense layers", """
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    def conv(filters):
        layers = ([keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
                   keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")] if batchnorm
                  else [keras.layers.Conv2D(filters, 3, padding="same", activation="relu")])
        return layers + ([keras.layers.Dropout(dropout_rate)] if dropout_rate > 0 else [])
    hidden = ([keras.layers.Dense(128, use_bias=False), keras.layers.BatchNormalization(momentum=0.9),
               keras.layers.Activation("relu")] if batchnorm else [keras.layers.Dense(128, activation="relu")])
    return keras.Sequential([keras.Input((28, 28, 1)), *conv(32), keras.layers.MaxPooling2D(), *conv(64),
                             keras.layers.MaxPooling2D(), keras.layers.Flatten(), *hidden,
                             keras.layers.Dense(47, activation="softmax")])
""", "have no Dropout right before them"),
    Mutant("regularized_cnn", "the plain CNN: Conv2D with ReLU", """
_reference_cnn = build_regularized_cnn
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    model = _reference_cnn(dropout_rate, batchnorm)
    for layer in model.layers:
        if not batchnorm and isinstance(layer, keras.layers.Conv2D):
            layer.activation = keras.activations.linear
    return model
""", "with its bias and a ReLU"),
    Mutant("regularized_cnn", "47 probabilities", """
_reference_cnn = build_regularized_cnn
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    model = _reference_cnn(dropout_rate, batchnorm)
    model.layers[-1].activation = keras.activations.linear
    return model
""", "not 47 probabilities"),
    Mutant("regularized_cnn", "30,000 to 1,500,000 trainable parameters", """
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    def block(layer):
        return [layer, keras.layers.BatchNormalization(momentum=0.9), keras.layers.Activation("relu")] if batchnorm else [layer]
    drop = (lambda: [keras.layers.Dropout(dropout_rate)]) if dropout_rate > 0 else (lambda: [])
    act = None if batchnorm else "relu"
    return keras.Sequential([keras.Input((28, 28, 1)),
                             *block(keras.layers.Conv2D(8, 3, activation=act, use_bias=not batchnorm)), keras.layers.MaxPooling2D(),
                             *block(keras.layers.Conv2D(8, 3, activation=act, use_bias=not batchnorm)), keras.layers.MaxPooling2D(),
                             keras.layers.Flatten(), *drop(), *block(keras.layers.Dense(16, activation=act, use_bias=not batchnorm)),
                             *drop(), keras.layers.Dense(47, activation="softmax")])
""", "trainable parameters"),
    # --- predict_probabilities (Part F)
    Mutant("predict_probabilities", "inference mode", """
def predict_probabilities(model, images, batch_size=1024):
    return np.asarray(model(np.asarray(images, dtype=np.float32), training=True))
""", "training-mode outputs"),
    Mutant("predict_probabilities", "every batch, the last partial one too", """
def predict_probabilities(model, images, batch_size=1024):
    images = np.asarray(images, dtype=np.float32)
    parts = [np.asarray(model(images[i * batch_size:(i + 1) * batch_size], training=False))
             for i in range(max(len(images) // batch_size, 1))]
    return np.concatenate(parts)
""", "the last, partial batch is missing"),
    Mutant("predict_probabilities", "a float32 array", """
_reference_predict = predict_probabilities
def predict_probabilities(model, images, batch_size=1024):
    return _reference_predict(model, images, batch_size).astype(float)
""", "float32"),
    Mutant("predict_probabilities", "probabilities, not classes", """
_reference_predict = predict_probabilities
def predict_probabilities(model, images, batch_size=1024):
    return _reference_predict(model, images, batch_size).argmax(axis=1)
""", "expected (20, 47)"),
    # --- trained_regularized (Part E)
    Mutant("trained_regularized", "trained", "regularized_cnn = build_regularized_cnn()\n", "hidden test images"),
    Mutant("trained_regularized", "dropout and batch normalization",
           "regularized_cnn = build_regularized_cnn(0.0, False)\n", "needs BatchNormalization and Dropout"),
    Mutant("trained_regularized", "the saved model", "regularized_cnn = None\n", "no saved model regularized_cnn.keras"),
)

ALTERNATES: tuple[Alternate, ...] = (
    Alternate("l2_dense", "functional API, separate ReLU and softmax layers, keras.regularizers.l2", """
def build_dense_model(l2=0.0):
    reg = (lambda: keras.regularizers.l2(l2)) if l2 > 0 else (lambda: None)
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.ReLU()(keras.layers.Dense(256, kernel_regularizer=reg())(h))
    h = keras.layers.Activation("relu")(keras.layers.Dense(128, kernel_regularizer=reg())(h))
    outputs = keras.layers.Activation("softmax")(keras.layers.Dense(47, kernel_regularizer=reg())(h))
    return keras.Model(inputs, outputs)
"""),
    Alternate("dropout_forward", "a Generator when given, a multiplied mask", """
def dropout_forward(x, rate, training, rng=None):
    x = np.array(x, dtype=float)
    if not training:
        return x
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return x * (generator.random(x.shape) >= rate) / (1 - rate)
"""),
    Alternate("batchnorm_forward", "channels flattened to (-1, C), explicit formulas", """
def batchnorm_forward(x, gamma, beta, moving_mean, moving_var, training, momentum=0.99, eps=1e-3):
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1, x.shape[-1])
    if training:
        mean = flat.sum(axis=0) / len(flat)
        var = ((flat - mean) ** 2).sum(axis=0) / len(flat)
        new = (momentum * np.asarray(moving_mean) + (1 - momentum) * mean,
               momentum * np.asarray(moving_var) + (1 - momentum) * var)
    else:
        mean, var = np.asarray(moving_mean, dtype=float), np.asarray(moving_var, dtype=float)
        new = (mean.copy(), var.copy())
    x_hat = (flat - mean) / np.sqrt(var + eps)
    return (np.asarray(gamma) * x_hat + np.asarray(beta)).reshape(x.shape), *new
"""),
    Alternate("regularized_cnn", "functional API, ReLU layers, other widths", """
def build_regularized_cnn(dropout_rate=0.25, batchnorm=True):
    def block(h, layer):
        if not batchnorm:
            return keras.layers.ReLU()(layer(h))
        return keras.layers.ReLU()(keras.layers.BatchNormalization(momentum=0.9)(layer(h)))
    def drop(h):
        return keras.layers.Dropout(dropout_rate)(h) if dropout_rate > 0 else h
    inputs = keras.Input((28, 28, 1))
    h = block(inputs, keras.layers.Conv2D(24, 3, use_bias=not batchnorm))
    h = keras.layers.MaxPooling2D()(h)
    h = block(h, keras.layers.Conv2D(48, 3, use_bias=not batchnorm))
    h = keras.layers.MaxPooling2D()(h)
    h = block(drop(keras.layers.Flatten()(h)), keras.layers.Dense(96, use_bias=not batchnorm))
    return keras.Model(inputs, keras.layers.Dense(47, activation="softmax")(drop(h)))
"""),
    Alternate("predict_probabilities", "model.predict with the batch size", """
def predict_probabilities(model, images, batch_size=1024):
    return model.predict(np.asarray(images, dtype=np.float32), batch_size=batch_size, verbose=0)
"""),
)


@pytest.mark.parametrize("question", questions(A4))
def test_reference_passes(a4: dict, question: str):
    assert_passes(A4, question, a4)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[f"{m.question}: {m.clause}" for m in MUTANTS])
def test_mutant_is_rejected(a4: dict, mutant: Mutant):
    keras.utils.set_random_seed(2)
    assert_rejects(A4, mutant.question, mutate(a4, mutant.code, f"{mutant.question}: {mutant.clause}"), mutant.because)


@pytest.mark.parametrize("alternate", ALTERNATES, ids=[f"{a.question}: {a.way}" for a in ALTERNATES])
def test_alternate_passes(a4: dict, alternate: Alternate):
    assert_passes(A4, alternate.question, mutate(a4, alternate.code, f"{alternate.question}: {alternate.way}"))


def test_every_question_has_mutants():
    assert {m.question for m in MUTANTS} == set(questions(A4))
    assert {a.question for a in ALTERNATES} <= set(questions(A4))
