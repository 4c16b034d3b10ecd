"""The Action's image: its size, what each layer adds to its base, and what the download weighs.

    python bench/image.py [IMAGE] [--base BASE]

IMAGE defaults to what .ci/container/build makes (localhost/schemagate:ci), BASE to its base.
SCHEMAGATE_CONTAINER_ENGINE picks docker instead of podman. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
from typing import Any

ENGINE = os.environ.get("SCHEMAGATE_CONTAINER_ENGINE", "podman")
MB = 1_000_000


def _history(image: str) -> list[dict[str, Any]]:
    command = [ENGINE, "history", "--no-trunc", "--format", "json", image]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    layers: list[dict[str, Any]] = json.loads(out)
    return layers


def _compressed(image: str) -> int:
    """The bytes a job downloads, near enough: the image's layers, gzipped as registries store them."""
    save = subprocess.Popen([ENGINE, "save", image], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert save.stdout is not None
    total = 0
    while chunk := save.stdout.read(16 * MB):  # a chunk at a time keeps memory flat
        total += len(gzip.compress(chunk, compresslevel=6))
    save.wait()
    return total


def _step(layer: dict[str, Any]) -> str:
    made = str(layer.get("CreatedBy") or layer.get("created_by") or "")
    made = made.replace("/bin/sh -c #(nop) ", "").strip()
    if made.startswith("|"):  # a RUN with build arguments: "|3 A=.. B=.. /bin/bash -o pipefail -c ..."
        made = "RUN " + made.split(" -c ", 1)[-1]
    return made[:90].replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("image", nargs="?", default="localhost/schemagate:ci")
    parser.add_argument("--base", default="localhost/schemagate-base:bookworm")
    args = parser.parse_args()
    layers, base = _history(args.image), _history(args.base)
    own = layers[: len(layers) - len(base)]
    base_size = sum(int(x["size"]) for x in base)
    print(f"| layer of {args.image} | adds |\n|---|---:|")
    for layer in reversed(own):
        if int(layer["size"]) >= 100_000:
            print(f"| `{_step(layer)}` | {int(layer['size']) / MB:.1f} MB |")
    added = sum(int(x["size"]) for x in own)
    print(f"| **added to the base** | **{added / MB:.1f} MB** |")
    print(f"| the base, {args.base} | {base_size / MB:.1f} MB |")
    print(f"| the image, gzipped (a job's download) | {_compressed(args.image) / MB:.1f} MB |")


if __name__ == "__main__":
    main()
