"""The Lambda zip holds the product only: the dev stack never ships to AWS."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from devstack.paths import REPO_ROOT

DEV_ONLY = ("devstack/", "tests/", "bench/", "portal_site/")


def test_the_deployment_zip_has_the_app_and_no_dev_only_module(tmp_path: Path) -> None:
    chalice = Path(sys.executable).parent / "chalice"
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")}
    done = subprocess.run([str(chalice), "package", "--stage", "dev", str(tmp_path / "out")],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(tmp_path / "out" / "deployment.zip").namelist()
    assert "app.py" in names
    assert "chalicelib/submit/flow.py" in names
    shipped_dev = [n for n in names if n.startswith(DEV_ONLY)]
    assert shipped_dev == []
