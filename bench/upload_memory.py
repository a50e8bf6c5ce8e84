"""Peak memory of one image upload: the photo pipeline (products/images.py) and the logo's.

Pillow's pixel buffers are invisible to tracemalloc, so each upload runs in a fresh Python process
that sets Django up on the test settings, warms the pipeline up on a tiny photo (imports, codecs),
then reads its high-water resident set (VmHWM in /proc/self/status) before and after the one call
to the service a request would make (process_product_image / prepare_logo). The difference is what
that upload cost. The files are made first, in another process, highly compressible (flat colour):
a small file whose header promises many pixels is exactly the attack.

    .venv/bin/python bench/upload_memory.py                 # the table, this tree
    .venv/bin/python bench/upload_memory.py --tree /tmp/old # the same table for another checkout
    .venv/bin/python bench/upload_memory.py --json          # one JSON object per case

"8 at once" runs eight uploads of the cap-sized PNG on eight threads of one process, as a gthread
worker would; the decode slots (DUKAAN_MAX_CONCURRENT_IMAGE_DECODES) bound that process's peak.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]

# name -> (what the table calls it, how the file is made, which service gets it, uploads at once)
CASES: dict[str, tuple[str, str, str, int]] = {
    "bomb": ("6300x6300 PNG (the report's bomb, 39.7 MP)", "png RGB 6300 6300", "product", 1),
    "phone": ("12 MP phone JPEG 4000x3000, EXIF rotated", "jpeg RGB 4000 3000 rotate", "product", 1),
    "cap_png": ("24 MP PNG 6000x4000 (the new cap)", "png RGB 6000 4000", "product", 1),
    "cap_png_alpha": ("24 MP PNG 6000x4000 with alpha", "png RGBA 6000 4000", "product", 1),
    "cap_progressive": ("24 MP progressive JPEG 6000x4000", "jpeg RGB 6000 4000 progressive", "product", 1),
    "cmyk_progressive": ("24 MP progressive CMYK JPEG", "jpeg CMYK 6000 4000 progressive", "product", 1),
    "webp_limit": ("9 MP WebP 3600x2500 (WebP's limit)", "webp RGB 3600 2500", "product", 1),
    "webp_cap": ("24 MP WebP 6000x4000", "webp RGB 6000 4000", "product", 1),
    "logo_photo": ("logo: 12 MP phone JPEG 4000x3000", "jpeg RGB 4000 3000", "logo", 1),
    "logo_png": ("logo: 12 MP PNG 4000x3000 with alpha", "png RGBA 4000 3000", "logo", 1),
    "logo_bomb": ("logo: 6300x6300 PNG", "png RGB 6300 6300", "logo", 1),
    "eight_at_once": ("8 at once: 24 MP PNG on 8 threads", "png RGB 6000 4000", "product", 8),
}

MAKE = r"""
import io, sys
from PIL import Image
kind, mode, width, height, *flags = sys.argv[1].split()
size = (int(width), int(height))
colour = {"RGB": (200, 40, 40), "RGBA": (0, 128, 0, 128), "CMYK": (10, 200, 30, 0)}[mode]
image = Image.new(mode, size, colour)
options = {}
if kind == "jpeg":
    options = {"quality": 85, "progressive": "progressive" in flags}
    if "rotate" in flags:
        exif = Image.Exif()
        exif[0x0112] = 6  # taken holding the phone upright
        options["exif"] = exif.tobytes()
image.save(sys.argv[2], {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[kind], **options)
"""

CHILD = r"""
import io, json, os, sys, tempfile, threading, time
import django

def high_water_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])

django.setup()
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="upload-memory-")
FILES = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
settings.STORAGES = {**settings.STORAGES, "default": FILES}
from PIL import Image
from products.images import process_product_image
from stores.services.store_settings import prepare_logo

service, path, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])

def upload(data, name="photo"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")

def call(data):
    try:
        if service == "logo":
            prepare_logo(upload(data))
        else:
            process_product_image(upload(data), store_id=1)
        return "stored"
    except ValidationError as exc:
        messages = exc.message_dict.get("logo", []) if hasattr(exc, "error_dict") else exc.messages
        return "refused: " + " ".join(messages)

warm = io.BytesIO()
Image.new("RGB", (64, 48), (1, 2, 3)).save(warm, "JPEG")
call(warm.getvalue())
warm = io.BytesIO()
Image.new("RGBA", (64, 48), (1, 2, 3, 4)).save(warm, "PNG")
call(warm.getvalue())
with open(path, "rb") as handle:
    data = handle.read()
baseline = high_water_kb()
started = time.perf_counter()
if copies == 1:
    outcomes = [call(data)]
else:
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(call(data))) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
seconds = time.perf_counter() - started
print(json.dumps({
    "peak_mb": round((high_water_kb() - baseline) / 1024, 1),
    "baseline_mb": round(baseline / 1024, 1),
    "seconds": round(seconds, 2),
    "outcomes": outcomes,
}))
"""


def _env(tree: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUKAAN_MAX_")}
    env["DJANGO_SETTINGS_MODULE"] = "dukaan.test_settings"
    env["PYTHONPATH"] = str(tree)
    return env


def measure(tree: Path, service: str, path: Path, copies: int = 1) -> dict:
    """One upload (or `copies` at once) in a fresh process; returns its peak RSS delta and outcome."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, service, str(path), str(copies)],
        cwd=tree,
        env=_env(tree),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"measuring {path.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_file(directory: Path, name: str, recipe: str) -> Path:
    extension = recipe.split()[0]
    path = directory / f"{name}.{extension}"
    subprocess.run([sys.executable, "-c", MAKE, recipe, str(path)], check=True, timeout=300)
    return path


def summarize(outcomes: list[str]) -> str:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    if len(outcomes) == 1:
        return outcomes[0]
    return "; ".join(f"{count}x {outcome}" for outcome, count in counts.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=BASE_DIR, help="the checkout to measure")
    parser.add_argument("--cases", nargs="*", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="upload-files-") as tmp:
        print(f"tree: {args.tree}", file=sys.stderr)
        if not args.json:
            print("| upload | file KB | peak RSS over baseline MB | s | outcome |")
            print("|---|---:|---:|---:|---|")
        for name in args.cases:
            label, recipe, service, copies = CASES[name]
            path = make_file(Path(tmp), name, recipe)
            started = time.perf_counter()
            row = measure(args.tree, service, path, copies)
            row.update(case=name, label=label, file_kb=round(path.stat().st_size / 1024))
            row["wall_seconds"] = round(time.perf_counter() - started, 1)
            if args.json:
                print(json.dumps(row))
            else:
                outcome = summarize(row["outcomes"]).replace("|", "/")
                cells = [label, f"{row['file_kb']:,}", f"{row['peak_mb']:.0f}", str(row["seconds"]), outcome]
                print("| " + " | ".join(cells) + " |")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
