"""MkDocs hook: draws the diagrams of the course with Graphviz.

Every docs/diagramas/NAME.dot is drawn with `dot -Tsvg` at each build and
added to the site as img/NAME.svg, so that a page links to it as
img/NAME.svg (from a page at the top of docs/) and `mkdocs build --strict`
checks those links. The SVG files live in a temporary directory: nothing
drawn is committed. The sources of this directory and of docs/diagramas/
are left out of the site.
"""

import atexit
import os
import shutil
import subprocess
import tempfile

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

SOURCES = "diagramas"
HOOKS = "hooks"
OUTPUT = "img"

_tmpdirs = []


def _cleanup():
    while _tmpdirs:
        shutil.rmtree(_tmpdirs.pop(), ignore_errors=True)


atexit.register(_cleanup)


def on_files(files, config):
    _cleanup()  # the drawings of the previous build, under mkdocs serve
    docs_dir = config["docs_dir"]
    sources = []
    for f in list(files):
        top = f.src_uri.split("/", 1)[0]
        if top == SOURCES and f.src_uri.endswith(".dot"):
            sources.append(f)
        if top in (SOURCES, HOOKS):
            files.remove(f)
    if not sources:
        return files

    dot = shutil.which("dot")
    if dot is None:
        raise PluginError(
            "the diagrams in docs/diagramas need Graphviz's dot, which is not "
            "on PATH: install Graphviz (apt-get install graphviz, brew install "
            "graphviz, or winget install graphviz)"
        )
    tmp = tempfile.mkdtemp(prefix="mkdocs-diagramas-")
    _tmpdirs.append(tmp)
    for src in sorted(sources, key=lambda f: f.src_uri):
        name = os.path.splitext(os.path.basename(src.src_uri))[0]
        uri = f"{OUTPUT}/{name}.svg"
        if uri in files:
            raise PluginError(
                f"docs/{uri} is drawn from docs/{src.src_uri} at each build: "
                f"delete docs/{uri}"
            )
        out = os.path.join(tmp, OUTPUT, name + ".svg")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        result = subprocess.run(
            [dot, "-Tsvg", "-o", out, src.abs_src_path],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        if result.returncode != 0:
            raise PluginError(
                f"dot -Tsvg docs/{src.src_uri} failed "
                f"(exit status {result.returncode}):\n{result.stdout.strip()}"
            )
        if result.stdout.strip():
            # dot warns (an unknown attribute, a bad label) and exits 0: a
            # strict build does not let that through.
            raise PluginError(f"dot -Tsvg docs/{src.src_uri}:\n{result.stdout.strip()}")
        files.append(File(uri, tmp, config["site_dir"], config["use_directory_urls"]))
    return files


def on_post_build(config):
    _cleanup()  # the build has copied the drawings into the site


def on_build_error(error):
    _cleanup()
