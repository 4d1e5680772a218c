"""io/svmlight.py: LIBSVM files read sparse, against scikit-learn's writer; bad files refused
with the file named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from sklearn.datasets import dump_svmlight_file

from sigmoid_neuron.io.svmlight import is_svmlight, read_svmlight


def test_reads_what_scikit_learn_wrote_as_csr(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(50, 7)) * (rng.random((50, 7)) < 0.3)
    dense[:, -1] = 0.0
    dense[0, -1] = 2.5  # the last column appears once: d is found from the indices
    y = rng.integers(0, 2, size=50).astype(float)
    path = tmp_path / "d.libsvm"
    dump_svmlight_file(dense, y, str(path), zero_based=False)
    X, labels, names = read_svmlight(path)
    assert scipy.sparse.issparse(X) and X.format == "csr"
    np.testing.assert_allclose(X.toarray(), dense, rtol=1e-15)  # written with %.16g
    np.testing.assert_array_equal(labels, y)
    assert names == [f"x{j}" for j in range(7)]
    assert is_svmlight(path) and is_svmlight("a.SVM") and not is_svmlight("a.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 1:2 x:3\n", "is not a valid svmlight"),
        ("", "is not a valid svmlight|has no data rows"),
        ("1 1:nan\n", "NaN or infinity"),
    ],
)
def test_bad_files_are_refused_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.svm"
    path.write_text(text)
    with pytest.raises(ValueError, match=message) as info:
        read_svmlight(path)
    assert "bad.svm" in str(info.value)
    with pytest.raises(ValueError, match="does not exist"):
        read_svmlight(tmp_path / "missing.svm")
