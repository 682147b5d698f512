"""The package under test is the installed one, not the source tree."""

import pathlib
import subprocess
import sys

import movierec
from conftest import SRC


def test_imports_from_installed_package():
    where = pathlib.Path(movierec.__file__).resolve()
    assert SRC / "python" not in where.parents, f"movierec imported from the source tree: {where}"
    assert pathlib.Path(movierec._core.__file__).resolve().parent == where.parent


def test_python_c_import(tmp_path):
    out = subprocess.run([sys.executable, "-c", "import movierec; print(len(movierec.models()))"], cwd=tmp_path,
                         capture_output=True, text=True, check=True)
    assert int(out.stdout) >= 15


def test_help_lists_models_and_parameters():
    doc = movierec.model.__doc__
    for name in ("svd", "item-knn", "ials", "poster"):
        assert f"  {name}: " in doc
    svd = {m.name: m for m in movierec.models()}["svd"]
    assert svd.params["factors"][0] == "32"  # src/models/sgd_mf.cpp
    assert "factors=" in repr(movierec.model("svd", factors=8))
