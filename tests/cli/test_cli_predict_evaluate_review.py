"""predict / evaluate on models fitted and saved in Python: multi-output regression,
models fitted on DataFrames, metadata that disagrees with the saved class, and messages
free of NumPy reprs. Every case runs the real command line in a subprocess."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, log_loss, mean_squared_error, r2_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sigmoid_neuron import save_model
from sigmoid_neuron.estimators import LinearRegression, LogisticRegression, SigmoidNeuron

pytestmark = pytest.mark.slow


def cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sigmoid_neuron ARGS`` in ``cwd``; stdin closed, text output."""
    return subprocess.run(
        [sys.executable, "-m", "sigmoid_neuron", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    """stdout of a run that succeeded and wrote nothing at all on stderr."""
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr
    return result.stdout


def fails(result: subprocess.CompletedProcess[str], command: str) -> str:
    """The one-line error of a run that failed with exit status 2."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"sigmoid-neuron {command}: error: ")
    return lines[0]


def metric(stdout: str, name: str) -> float:
    """The value printed by ``evaluate`` on the line starting with ``name``."""
    for line in stdout.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{name!r} not in:\n{stdout}")


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    noise = rng.normal(scale=0.3, size=(60, 2))
    y1 = X @ [1.0, 2.0, -0.5] + 0.5 + noise[:, 0]
    y2 = X @ [-1.0, 0.5, 0.0] - 1.0 + noise[:, 1]
    label = np.where(X[:, 0] - X[:, 1] + rng.normal(size=60) > 0, "yes", "no")
    soft = 1 / (1 + np.exp(-(X[:, 0] + 0.5 * X[:, 2])))
    return pd.DataFrame(
        {"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y1": y1, "y2": y2, "label": label, "p": soft}
    )


FEATURES = ["a", "b", "c"]


# ------------------------------------------------------------ 1. multi-output regression


def test_multi_output_predict_names_columns_after_the_targets(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    X, Y = table[FEATURES].to_numpy(), table[["y1", "y2"]].to_numpy()
    model = LinearRegression(tol=1e-10).fit(X, Y)
    save_model(model, tmp_path / "m.json", metadata={"features": FEATURES, "target": ["y1", "y2"]})
    table.to_csv(tmp_path / "d.csv", index=False)

    stdout = ok(cli("predict", "m.json", "d.csv", cwd=tmp_path))
    pred = pd.read_csv(io.StringIO(stdout))
    assert list(pred.columns) == ["prediction_y1", "prediction_y2"]
    np.testing.assert_allclose(pred.to_numpy(), model.predict(X), rtol=1e-12)

    ok(cli("predict", "m.json", "d.csv", "--out", "p.parquet", cwd=tmp_path))
    written = pd.read_parquet(tmp_path / "p.parquet")
    np.testing.assert_allclose(written.to_numpy(), model.predict(X), rtol=1e-12)


def test_multi_output_predict_without_target_names(tmp_path: Path, table: pd.DataFrame) -> None:
    X, Y = table[FEATURES].to_numpy(), table[["y1", "y2"]].to_numpy()
    model = LinearRegression().fit(X, Y)
    save_model(model, tmp_path / "m.json", metadata={"features": FEATURES})
    table.to_csv(tmp_path / "d.csv", index=False)
    pred = pd.read_csv(io.StringIO(ok(cli("predict", "m.json", "d.csv", cwd=tmp_path))))
    assert list(pred.columns) == ["prediction_0", "prediction_1"]
    np.testing.assert_allclose(pred.to_numpy(), model.predict(X), rtol=1e-12)


def test_multi_output_evaluate_averages_like_scikit_learn(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    X, Y = table[FEATURES].to_numpy(), table[["y1", "y2"]].to_numpy()
    model = LinearRegression().fit(X[:40], Y[:40])
    save_model(model, tmp_path / "m.json", metadata={"features": FEATURES, "target": ["y1", "y2"]})
    table.iloc[40:].to_csv(tmp_path / "test.csv", index=False)
    pred = model.predict(X[40:])

    for extra in ([], ["--target", "y1,y2"]):
        stdout = ok(cli("evaluate", "m.json", "test.csv", *extra, cwd=tmp_path))
        assert metric(stdout, "MSE") == pytest.approx(mean_squared_error(Y[40:], pred), rel=1e-5)
        assert metric(stdout, "R^2") == pytest.approx(r2_score(Y[40:], pred), rel=1e-5)

    # the targets in the other order: scored against the other columns
    stdout = ok(cli("evaluate", "m.json", "test.csv", "--target", "y2,y1", cwd=tmp_path))
    assert metric(stdout, "R^2") == pytest.approx(r2_score(Y[40:, ::-1], pred), rel=1e-5)

    message = fails(
        cli("evaluate", "m.json", "test.csv", "--target", "y1", cwd=tmp_path), "evaluate"
    )
    assert "2" in message and "--target" in message
    message = fails(
        cli("evaluate", "m.json", "test.csv", "--target", "y1,nope", cwd=tmp_path), "evaluate"
    )
    assert "'nope'" in message


def test_multi_output_evaluate_without_recorded_targets(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    X, Y = table[FEATURES].to_numpy(), table[["y1", "y2"]].to_numpy()
    save_model(LinearRegression().fit(X, Y), tmp_path / "m.json", metadata={"features": FEATURES})
    table.to_csv(tmp_path / "d.csv", index=False)
    message = fails(cli("evaluate", "m.json", "d.csv", cwd=tmp_path), "evaluate")
    assert "--target" in message
    assert metric(ok(cli("evaluate", "m.json", "d.csv", "--target", "y1,y2", cwd=tmp_path)), "MSE")


# ------------------------------------------------------------ 2. fitted on a DataFrame


def test_models_fitted_on_dataframes_give_no_warnings(tmp_path: Path, table: pd.DataFrame) -> None:
    table.to_csv(tmp_path / "d.csv", index=False)
    # the prediction table holds the features in another order, with extra columns
    table[["c", "label", "b", "a"]].to_csv(tmp_path / "new.csv", index=False)
    frame = table[FEATURES]

    linear = LinearRegression().fit(frame, table["y1"])
    save_model(linear, tmp_path / "linear.json")
    pred = pd.read_csv(io.StringIO(ok(cli("predict", "linear.json", "new.csv", cwd=tmp_path))))
    np.testing.assert_allclose(pred["prediction"], linear.predict(frame), rtol=1e-12)
    out = ok(cli("evaluate", "linear.json", "d.csv", "--target", "y1", cwd=tmp_path))
    assert metric(out, "R^2") == pytest.approx(
        r2_score(table["y1"], linear.predict(frame)), rel=1e-5
    )

    pipeline = Pipeline([("scaler", StandardScaler()), ("model", LogisticRegression())])
    pipeline.fit(frame, table["label"])
    save_model(pipeline, tmp_path / "pipe.json", metadata={"target": "label"})
    pred = pd.read_csv(io.StringIO(ok(cli("predict", "pipe.json", "new.csv", cwd=tmp_path))))
    np.testing.assert_allclose(pred["probability_yes"], pipeline.predict_proba(frame)[:, 1])
    out = ok(cli("evaluate", "pipe.json", "d.csv", cwd=tmp_path))
    proba = pipeline.predict_proba(frame)
    assert metric(out, "log loss") == pytest.approx(log_loss(table["label"], proba), rel=1e-5)

    neuron = SigmoidNeuron().fit(frame, table["p"])
    save_model(neuron, tmp_path / "neuron.json", metadata={"target": "p"})
    pred = pd.read_csv(io.StringIO(ok(cli("predict", "neuron.json", "new.csv", cwd=tmp_path))))
    np.testing.assert_allclose(pred["prediction"], neuron.predict(frame), rtol=1e-12)
    out = ok(cli("evaluate", "neuron.json", "d.csv", cwd=tmp_path))
    assert metric(out, "MSE") == pytest.approx(
        mean_squared_error(table["p"], neuron.predict(frame)), rel=1e-5
    )


def test_feature_names_of_the_model_win_over_the_metadata(
    tmp_path: Path, table: pd.DataFrame
) -> None:
    model = LinearRegression().fit(table[FEATURES], table["y1"])
    # metadata lists the features in another order: the model's own names decide
    save_model(model, tmp_path / "m.json", metadata={"features": ["c", "b", "a"], "target": "y1"})
    table.to_csv(tmp_path / "d.csv", index=False)
    pred = pd.read_csv(io.StringIO(ok(cli("predict", "m.json", "d.csv", cwd=tmp_path))))
    np.testing.assert_allclose(pred["prediction"], model.predict(table[FEATURES]), rtol=1e-12)
    ok(cli("evaluate", "m.json", "d.csv", cwd=tmp_path))


# ------------------------------------------------------------ 3. no NumPy reprs


def test_messages_hold_plain_numbers(tmp_path: Path, table: pd.DataFrame) -> None:
    neuron = SigmoidNeuron().fit(table[FEATURES].to_numpy(), table["p"].to_numpy())
    save_model(neuron, tmp_path / "n.json", metadata={"features": FEATURES, "target": "y1"})
    table.to_csv(tmp_path / "d.csv", index=False)
    message = fails(cli("evaluate", "n.json", "d.csv", cwd=tmp_path), "evaluate")
    first = table["y1"][(table["y1"] < 0) | (table["y1"] > 1)].iloc[0]
    assert f"holds {first:g};" in message
    assert "np." not in message and "float64" not in message


# ------------------------------------------------------------ 4. the class decides


def test_the_saved_class_wins_over_metadata_model(tmp_path: Path, table: pd.DataFrame) -> None:
    X = table[FEATURES].to_numpy()
    model = LogisticRegression().fit(X, table["label"].to_numpy())
    save_model(
        model,
        tmp_path / "m.json",
        metadata={"model": "linear", "features": FEATURES, "target": "label"},
    )
    table.to_csv(tmp_path / "d.csv", index=False)

    pred = pd.read_csv(io.StringIO(ok(cli("predict", "m.json", "d.csv", cwd=tmp_path))))
    assert list(pred.columns) == ["prediction", "probability_no", "probability_yes"]
    np.testing.assert_allclose(pred[["probability_no", "probability_yes"]], model.predict_proba(X))

    out = ok(cli("evaluate", "m.json", "d.csv", cwd=tmp_path))
    assert out.startswith("logistic model")
    assert metric(out, "accuracy") == pytest.approx(
        accuracy_score(table["label"], model.predict(X)), rel=1e-5
    )

    # and the other way round: a regression labelled "logistic" is scored as a regression
    linear = LinearRegression().fit(X, table["y1"].to_numpy())
    save_model(
        linear,
        tmp_path / "l.json",
        metadata={"model": "logistic", "features": FEATURES, "target": "y1"},
    )
    out = ok(cli("evaluate", "l.json", "d.csv", cwd=tmp_path))
    assert out.startswith("linear model")
    assert metric(out, "R^2") == pytest.approx(r2_score(table["y1"], linear.predict(X)), rel=1e-5)
