"""Copies the release build's liblite.so, the delegate plugins and the Swift runtime into the built
package's lite_runtime/_lib (scripts/install.sh --libs-only; the source tree is left alone), so the
installed package needs nothing else. Build first: `swift build -c release` in the repository root."""
import pathlib
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = pathlib.Path(__file__).resolve().parent


class BuildWithLibraries(build_py):
    def run(self):
        super().run()
        target = pathlib.Path(self.build_lib) / "lite_runtime" / "_lib"
        subprocess.run(["bash", str(HERE.parent / "scripts" / "install.sh"), "--libs-only", str(target)], check=True)


setup(cmdclass={"build_py": BuildWithLibraries})
