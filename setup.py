"""Builds movierec._core with CMake (the project's own build) for pip.

    python3 -m venv --system-site-packages /opt/movierec && /opt/movierec/bin/pip install --no-build-isolation .

The CMake build goes to build/python (or $MOVIEREC_CMAKE_BUILD_DIR, for instance the
tree scripts/build made, so CI does not compile twice); only the module target is built.
"""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = os.path.dirname(os.path.abspath(__file__))


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("MOVIEREC_CMAKE_BUILD_DIR") or os.path.join(ROOT, "build", "python")
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
            subprocess.check_call(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                                   "-DMOVIEREC_TESTS=OFF", "-DMOVIEREC_BENCH=OFF", "-DMOVIEREC_PYTHON=ON",
                                   f"-DPython_EXECUTABLE={sys.executable}"])
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL") or str(os.cpu_count() or 2)
        subprocess.check_call(["cmake", "--build", build_dir, "--target", "movierec_python", "-j", jobs])
        built = [f for f in os.listdir(os.path.join(build_dir, "python")) if f.startswith("_core.") and f.endswith(".so")]
        if not built:
            raise RuntimeError(f"no _core module in {build_dir}/python: is pybind11-dev installed?")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(build_dir, "python", built[0]), target)


setup(ext_modules=[Extension("movierec._core", sources=[])], cmdclass={"build_ext": CMakeBuild})
