"""Fuzzing ``load_model``: arbitrary bytes, byte-mutated and tree-mutated model files and
hostile content give a ``ValueError`` naming the file, or a model that works; nothing
else escapes, nothing is executed, time and memory stay bounded.

Budgets are fixed (``max_examples``) and the runs derandomized, so CI is reproducible.
"""

from __future__ import annotations

import copy
import functools
import json
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron
from sigmoid_neuron.io.model_file import load_model, save_model

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


pytestmark = pytest.mark.timeout(600, method="signal")  # a hang fails


@functools.cache
def valid_files() -> dict[str, bytes]:
    """Small valid model files of every kind the format holds (text written by save_model)."""
    import tempfile

    X = X_IRIS[::5]
    y = Y_IRIS[::5]
    out = {}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 20 epochs do not converge: no matter here
        models = {
            "neuron32": SigmoidNeuron(max_epochs=20).fit(
                X.astype(np.float32), (y == 2).astype(float)
            ),
            "logistic_str": LogisticRegression(max_epochs=20).fit(X, NAMES[y]),
            "logistic_bool": LogisticRegression(max_epochs=20).fit(X, y == 1),
            "linear_multi": LinearRegression().fit(X[:, 2:], X[:, :2]),
            "pipeline": Pipeline(
                [("scaler", StandardScaler()), ("model", LogisticRegression(max_epochs=20))]
            ).fit(X, y),
        }
        for name, model in models.items():
            path = Path(tmp) / f"{name}.json"
            save_model(model, path, metadata={"features": ["a", "b"]})
            out[name] = path.read_bytes()
    return out


def check_load(path: Path) -> Any:
    """Load ``path``: a ValueError naming it (short message), or a model that predicts."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no RuntimeWarning (overflow, ...) either
            model = load_model(path)
    except ValueError as exc:
        message = str(exc)
        assert path.name in message
        assert len(message) < 600 + len(str(path)), message[:2000]
        return None
    d = int(model.n_features_in_)
    X = np.linspace(-1, 1, 3 * d).reshape(3, d)
    # an accepted model predicts, or says clearly why it cannot (e.g. a scaler whose
    # scale_ is 1e-320 turns X into inf). Floating-point warnings are silenced: a file
    # may hold finite coefficients like 1e308 whose products overflow (reported).
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            prediction = np.asarray(model.predict(X))
        except ValueError:
            return model
    assert prediction.shape[0] == 3
    return model


# ------------------------------------------------------------------ arbitrary input


@FUZZ
@given(content=st.binary(max_size=3000))
def test_arbitrary_bytes(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(content)
    check_load(path)


@FUZZ
@given(
    content=st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner),
        max_leaves=30,
    )
)
def test_arbitrary_json(content: Any, tmp_path: Path) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(content))
    check_load(path)


# ------------------------------------------------------------------ mutated valid files


@st.composite
def byte_mutations(draw: st.DrawFn) -> bytes:
    name = draw(st.sampled_from(sorted(valid_files())))
    data = bytearray(valid_files()[name])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from([b"1", b"-", b"e999", b"9" * 400, b",", b"[", b"]", b"\x00"])
                | st.binary(min_size=1, max_size=8)
            )
        elif kind == "truncate":
            del data[at:]
        else:
            span = data[at : at + draw(st.integers(1, 200))]
            data[at:at] = span
    return bytes(data)


@FUZZ
@given(content=byte_mutations())
def test_byte_mutations_of_valid_files(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "mutated.json"
    path.write_bytes(content)
    check_load(path)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc[:3]):
            out += _paths(value, (*prefix, i))
    return out


HOSTILE_VALUES = st.sampled_from(
    [
        None,
        True,
        0,
        -1,
        10**9,
        2**63,
        10**400,
        1e308,
        -1e308,
        3.5e38,
        1e-320,
        "",
        "float64",
        "float32",
        "int8",
        "uint8",
        "object",
        "str",
        "bool",
        "__import__('os').system('touch PWNED')",
        "os.system",
        "Pipeline",
        "StandardScaler",
        "LogisticRegression",
        [],
        [[]],
        [1e308] * 4,
        [300, -1],
        [10**9, 10**9],
        {},
        {"dtype": "float64", "shape": [10**9], "data": []},
        {"kind": "uint8", "data": [256, 3]},
        {"kind": "float32", "data": [1e300, 2.0]},
    ]
)
JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@st.composite
def tree_mutations(draw: st.DrawFn) -> Any:
    name = draw(st.sampled_from(sorted(valid_files())))
    doc = json.loads(valid_files()[name])
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(_paths(doc)))
        value = copy.deepcopy(draw(HOSTILE_VALUES | JSON_VALUES))  # never share a list
        if where == ():
            doc = value
            continue
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            parent.pop(where[-1], None)  # or drop the entry
        else:
            parent[where[-1]] = value
    return doc


@FUZZ
@given(doc=tree_mutations())
def test_tree_mutations_of_valid_documents(doc: Any, tmp_path: Path) -> None:
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(doc))
    check_load(path)
    assert not (tmp_path / "PWNED").exists()


# ------------------------------------------------------------------ hostile, by hand


@pytest.mark.parametrize("shape", [[10**9], [1, 10**9], [10**5, 10**5], [2**62, 2**62], [10**300]])
def test_huge_declared_arrays_are_refused_before_allocation(
    shape: list[int], tmp_path: Path
) -> None:
    doc = json.loads(valid_files()["logistic_bool"])
    doc["attributes"]["coef_"] = {"dtype": "float64", "shape": shape, "data": [0.0, 1.0]}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"declares|malformed shape"):
            load_model(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # far below the 8 GB a billion float64 would take


def test_a_long_list_is_refused_with_a_short_message(tmp_path: Path) -> None:
    doc = json.loads(valid_files()["logistic_bool"])
    doc["attributes"]["n_iter_"] = ["x"] * 100_000
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError) as info:
        load_model(path)
    assert len(str(info.value)) < 500


@pytest.mark.parametrize(
    "content",
    [
        # a protocol-0 pickle that would run os.system('touch PWNED') if unpickled
        b"cos\nsystem\n(S'touch PWNED'\ntR.",
        # the same in protocol 2 framing
        b"\x80\x02cos\nsystem\nq\x00X\x0b\x00\x00\x00touch PWNEDq\x01\x85q\x02Rq\x03.",
        b'{"format": "sigmoid-neuron-model", "version": 1, "class": "__import__(\'os\')"}',
        b'{"format": "sigmoid-neuron-model", "version": 1, "class": "LogisticRegression", '
        b'"params": {"__class__": "os.system", "callbacks": "touch PWNED"}}',
        # found by the fuzzer: an unhashable class name once escaped as a TypeError
        b'{"format": "sigmoid-neuron-model", "version": 1, "class": []}',
        b'{"format": "sigmoid-neuron-model", "version": 1, "class": "Pipeline", '
        b'"steps": [{"name": "s", "class": {}}, {"name": "m", "class": []}]}',
        b'!!python/object/apply:os.system ["touch PWNED"]',
    ],
)
def test_hostile_files_run_nothing(content: bytes, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    with pytest.raises(ValueError):
        load_model(path)
    assert not (tmp_path / "PWNED").exists()


def test_float32_values_beyond_float32_are_refused(tmp_path: Path) -> None:
    """1e300 is a finite float64 but overflows float32: refused, not loaded as inf."""
    doc = json.loads(valid_files()["neuron32"])
    coef = doc["attributes"]["coef_"]
    coef["data"][0] = 1e300
    path = tmp_path / "big32.json"
    path.write_text(json.dumps(doc))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="coef_"):
            load_model(path)


def run_atheris(target: str, seeds: dict[str, bytes], tmp_path: Path, runs: int = 500) -> None:
    """Run ``atheris_harness.py TARGET`` for a fixed number of inputs from ``seeds``."""
    import subprocess
    import sys

    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, content in seeds.items():
        (corpus / name).write_bytes(content)
    harness = Path(__file__).with_name("atheris_harness.py")
    result = subprocess.run(
        [sys.executable, str(harness), target, f"-runs={runs}", "-seed=1", str(corpus)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"Done {runs} runs" in result.stderr


@pytest.mark.slow
def test_atheris_model_files(tmp_path: Path) -> None:
    run_atheris("model", valid_files(), tmp_path)


@pytest.mark.slow
def test_atheris_checkpoints(tmp_path: Path) -> None:
    from sigmoid_neuron.training import Checkpoint

    path = tmp_path / "ck.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LogisticRegression(optimizer="adam", max_epochs=3, callbacks=[Checkpoint(path)]).fit(
            X_IRIS[::5], Y_IRIS[::5]
        )
    run_atheris("checkpoint", {"ck.json": path.read_bytes()}, tmp_path)
