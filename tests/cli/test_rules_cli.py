"""Where rules files come from: the search path, `srcscan rules`, and the rules shipped in the package."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent


def srcscan(*args, env=None, cwd=None, pythonpath=None):
    full_env = {k: v for k, v in os.environ.items() if k != "SRCSCAN_RULES_DIR"}
    full_env.update({"XDG_CONFIG_HOME": "/nonexistent-config", **(env or {})})
    if pythonpath:
        full_env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-m", "srcscan", *map(str, args)], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=120)


def test_rules_lists_the_shipped_daemons_and_their_files():
    run = srcscan("rules")
    assert run.returncode == 0, run.stderr
    lines = {line.split()[0]: line for line in run.stdout.splitlines() if line.strip()}
    for project in ("keepalived", "lighttpd"):
        assert "shipped" in lines[project] and f"{project}.toml" in lines[project]
    assert "/nonexistent-config/srcscan/rules  [user, absent]" in run.stdout


def test_a_rules_dir_comes_first_and_its_file_hides_the_shipped_one(tmp_path):
    (tmp_path / "lighttpd.toml").write_text((REPO / "rules" / "lighttpd.toml").read_text())
    (tmp_path / "_shared.toml").write_text("# shared idioms, not a project\n")
    run = srcscan("rules", env={"SRCSCAN_RULES_DIR": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    row = next(line for line in run.stdout.splitlines() if line.startswith("lighttpd"))
    assert f"SRCSCAN_RULES_DIR  {tmp_path / 'lighttpd.toml'} (hides " in row
    assert not any(line.startswith("_shared") for line in run.stdout.splitlines())
    assert run.stdout.index(f"1. {tmp_path}") < run.stdout.index("2. /nonexistent-config")


def test_the_user_rules_dir_is_searched_before_the_shipped_one(tmp_path):
    user = tmp_path / "srcscan" / "rules"
    user.mkdir(parents=True)
    (user / "mydaemon.toml").write_text('[project]\nname = "mydaemon"\ndescription = "Mine"\n')
    run = srcscan("rules", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert run.returncode == 0, run.stderr
    assert any(line.split()[:3] == ["mydaemon", "Mine", "user"] for line in run.stdout.splitlines())


def test_an_unknown_project_names_the_directories_searched(tmp_path):
    run = srcscan("catalog", "nosuchdaemon", "1.0", env={"SRCSCAN_RULES_DIR": str(tmp_path)})
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1
    assert "unknown project 'nosuchdaemon' (known: " in run.stderr and "keepalived, lighttpd" in run.stderr
    assert f"searched {tmp_path}, /nonexistent-config/srcscan/rules, " in run.stderr


def test_the_built_package_ships_the_rules(tmp_path):
    """What `pip install .` puts in site-packages: setup.py maps rules/ into srcscan.shipped_rules."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for folder in ("srcscan", "rules"):
        shutil.copytree(REPO / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    lib = tmp_path / "lib"
    build = subprocess.run([sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(lib)], cwd=src,
                           capture_output=True, text=True, timeout=120)
    assert build.returncode == 0, build.stderr
    shipped = sorted(p.name for p in (lib / "srcscan" / "shipped_rules").glob("*.toml"))
    assert shipped == sorted(p.name for p in (REPO / "rules").glob("*.toml"))
    assert (lib / "srcscan" / "native" / "walker.c").is_file()
    # Run from the built copy, away from the checkout: the rules are found in the package.
    run = srcscan("rules", cwd=tmp_path, pythonpath=lib)
    assert run.returncode == 0, run.stderr
    assert f"{lib}/srcscan/shipped_rules/keepalived.toml" in run.stdout
