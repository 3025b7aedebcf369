"""Every ```bash and ```python block of README.md and docs/*.md runs, so the docs cannot
drift from the code.

How a page is run: its blocks, in page order, by one driver process in a fresh temporary
folder that holds a symbolic link to each top-level entry of this checkout (so
``configs/espcn_x3.yaml`` or ``python benchmarks/x.py`` work as in the repository root,
while what the commands write lands in the temporary folder; a block that writes into
the repository itself fails the test), and a small image
``in.png`` (a crop of Set5's first image) for commands that take one. Python blocks of a
page share one namespace, as a reader's session would; bash blocks run with
``bash -euo pipefail``. ``KERAS_SR_DATA`` points at the image sets, ``keras-sr`` and
``python`` run this checkout (``PYTHONPATH``), ``MPLBACKEND=Agg``. Each ``keras-sr``
command runs in a process forked from a server that imported TensorFlow once per page
(``tests/docs/forkserver.py``): fresh state per command without a 7 s start each.
The driver prints each block's wall time.

Markers: HTML comments on the lines right above a block's opening fence.

- ``<!-- docs-test: skip REASON -->`` does not run the block (installs, a server that
  never returns, hours of training...). The reason is required; use it sparingly.
- ``<!-- docs-test: replace `OLD` with `NEW` -->`` runs the block with OLD replaced by NEW:
  how a block that trains for minutes runs with tiny parameters in CI. OLD must occur
  in the block (a stale marker fails the test). Several may be stacked.
- ``<!-- docs-test: write FILE -->`` above a block of any language (a YAML config the
  page's commands use) writes its text, replacements applied, to FILE in the folder.

Blocks without a language (output shown to the reader) are not run. Run one page:
``python -m pytest tests/docs -k README``.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORKSERVER = Path(__file__).resolve().with_name("forkserver.py")
PAGES = [REPO / "README.md"] + sorted((REPO / "docs").glob("*.md"))
FENCE = re.compile(r"^```(bash|python)\s*$")
ANY_FENCE = re.compile(r"^```(\w+)\s*$")
MARKER = re.compile(r"^<!-- docs-test: (.*) -->\s*$")
REPLACE = re.compile(r"^replace `([^`]*)` with `([^`]*)`$")
SKIP = re.compile(r"^skip (\S.*)$")
WRITE = re.compile(r"^write (\S+)$")

DRIVER = r"""
import json, os, shutil, subprocess, sys, tempfile, time, traceback


def run(block, namespace):
    where = f"{block['page']}:{block['line']} ({block['language']} block)"
    print(f"== {where}", flush=True)
    started = time.monotonic()
    if block["language"] == "file":
        open(block["path"], "w").write(block["code"])
    elif block["language"] == "bash":
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block["code"]])
        if done.returncode != 0:
            sys.exit(f"FAILED {where}: exit status {done.returncode}")
    else:
        try:
            exec(compile(block["code"], where, "exec"), namespace)
        except BaseException:
            traceback.print_exc()
            sys.exit(f"FAILED {where}")
    print(f"== {where}: {time.monotonic() - started:.1f} s", flush=True)


blocks = json.load(open(sys.argv[1]))
namespace = {"__name__": "__main__"}
server_folder = tempfile.mkdtemp(prefix="keras-sr-docs-")   # short: a socket path
os.environ["KERAS_SR_FORKSERVER"] = os.path.join(server_folder, "socket")
server = subprocess.Popen([sys.executable, os.path.abspath("tests/docs/forkserver.py"),
                           "serve", os.environ["KERAS_SR_FORKSERVER"]])
try:
    for block in blocks:
        run(block, namespace)
finally:
    server.kill()
    server.wait()
    shutil.rmtree(server_folder, ignore_errors=True)
print("all blocks ran", flush=True)
"""


def extract_blocks(path, root=REPO):
    """The runnable blocks of a Markdown page, markers applied (``page`` relative to root).

    Returns:
        ``(blocks, skipped)``: ``blocks`` a list of dicts with ``page``, ``line`` (of the
        opening fence, 1-based), ``language`` and ``code``; ``skipped`` a list of
        ``(line, reason)``.
    """
    lines = path.read_text().splitlines()
    blocks, skipped, index = [], [], 0
    while index < len(lines):
        match = ANY_FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        markers, above = [], index - 1
        while above >= 0 and MARKER.match(lines[above]):
            markers.insert(0, MARKER.match(lines[above]).group(1).strip())
            above -= 1
        writes = [WRITE.match(m).group(1) for m in markers if WRITE.match(m)]
        if not FENCE.match(lines[index]) and not writes:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        code = "\n".join(lines[index + 1:end]) + "\n"
        skip_reason = None
        for marker in markers:
            if SKIP.match(marker):
                skip_reason = SKIP.match(marker).group(1)
            elif WRITE.match(marker):
                pass
            elif REPLACE.match(marker):
                old, new = REPLACE.match(marker).groups()
                assert old in code, f"{path.name}:{index + 1}: marker text {old!r} not in block"
                code = code.replace(old, new)
            else:
                raise AssertionError(f"{path.name}:{above + 2}: unknown marker {marker!r}")
        if skip_reason is None:
            blocks.append({"page": path.relative_to(root).as_posix(), "line": index + 1,
                           "language": "file" if writes else match.group(1), "code": code,
                           "path": writes[0] if writes else None})
        else:
            skipped.append((index + 1, skip_reason))
        index = end + 1
    return blocks, skipped


def _workspace(tmp_path, datasets_dir):
    """The temporary folder a page runs in (see the module docstring)."""
    for entry in REPO.iterdir():
        if entry.name not in (".git",) and not entry.name.startswith(".pytest"):
            (tmp_path / entry.name).symlink_to(entry)
    from PIL import Image

    with Image.open(sorted((datasets_dir / "Set5").glob("*.png"))[0]) as image:
        image.convert("RGB").crop((0, 0, 96, 80)).save(tmp_path / "in.png")
    shims = tmp_path / ".bin"
    shims.mkdir()
    (shims / "keras-sr").write_text(   # through the driver's fork server (forkserver.py)
        f'#!/bin/sh\nexec "{sys.executable}" -S "{FORKSERVER}" client "$@"\n')
    (shims / "keras-sr").chmod(0o755)
    (shims / "python").symlink_to(sys.executable)
    env = dict(os.environ, KERAS_SR_DATA=str(datasets_dir), MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
                                                        os.environ.get("PYTHONPATH")])),
               PATH=f"{shims}{os.pathsep}{os.environ.get('PATH', '')}")
    return env


def test_markers_parse_and_every_skip_has_a_reason():
    for page in PAGES:
        _, skipped = extract_blocks(page)
        assert all(reason.strip() for _, reason in skipped), page


def test_extract_applies_replacements_and_skips(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n<!-- docs-test: replace `epochs=10` with `epochs=1` -->\n"
                    "```python\nfit(epochs=10)\n```\n"
                    "<!-- docs-test: write cfg.yaml -->\n```yaml\nepochs: 10\n```\n"
                    "```yaml\nnot: written\n```\n"
                    "<!-- docs-test: skip installs packages -->\n```bash\npip install x\n```\n"
                    "```\noutput, not run\n```\n")
    blocks, skipped = extract_blocks(page, root=tmp_path)
    assert [(b["line"], b["language"], b["code"], b["path"]) for b in blocks] == [
        (3, "python", "fit(epochs=1)\n", None), (7, "file", "epochs: 10\n", "cfg.yaml")]
    assert skipped == [(14, "installs packages")]


@pytest.mark.tf_only
@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_every_block_of_the_page_runs(page, datasets_dir, tmp_path):
    blocks, _ = extract_blocks(page)
    if not blocks:
        pytest.skip(f"{page.name} has no runnable block")
    env = _workspace(tmp_path, datasets_dir)
    before = _repository_status()
    (tmp_path / ".blocks.json").write_text(json.dumps(blocks))
    (tmp_path / ".driver.py").write_text(DRIVER)
    result = subprocess.run([sys.executable, ".driver.py", ".blocks.json"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=1500)
    output = result.stdout[-6000:] + "\n" + result.stderr[-6000:]
    assert result.returncode == 0, output
    assert result.stdout.rstrip().endswith("all blocks ran"), output
    assert _repository_status() == before, "the page's blocks changed files of the repository"


def _repository_status():
    """``git status --porcelain`` of the checkout (None outside a git checkout)."""
    done = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True,
                          text=True)
    return done.stdout if done.returncode == 0 else None
