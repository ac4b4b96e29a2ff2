"""Copy the front-end files the app serves from node_modules/ into fieldvisit/static/vendor/.

Run after `npm ci`. The vendor folder is generated: it is replaced whole on each run.

The compiled GOV.UK Frontend and MOJ Frontend stylesheets name the GOV.UK font
("GDS Transport"), which is for GOV.UK only, and point at their images with
root-relative `/assets/...` URLs. Setting `$govuk-font-family` needs a Sass
build, so the copy does the same to the compiled CSS instead: it puts the
system font stack in place of the GOV.UK one, drops the @font-face rules, and
makes the asset URLs relative to the stylesheet so they resolve under
/static/vendor/. Only the images a stylesheet uses are copied: the packages'
logos, crests and app icons belong to GOV.UK and the MOJ.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from purge_css import purge, used_names

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "fieldvisit" / "static" / "vendor"

SYSTEM_FONT_STACK = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif'
GOVUK_FONT_STACK = "GDS Transport,arial,sans-serif"
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
SOURCE_MAP = re.compile(r"\n?/[*/]# sourceMappingURL=\S+(?: \*/)?\s*$")
ASSET_URL = re.compile(r"url\((assets/[^)?#]+)")
RELATIVE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*["'](\.{1,2}/[^"']+)["']""")

ESBUILD = NODE_MODULES / ".bin" / "esbuild"
APP_SCRIPTS = ROOT / "fieldvisit" / "static" / "pwa"
GOVUK = NODE_MODULES / "govuk-frontend" / "dist" / "govuk"
MOJ = NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"
IDB = NODE_MODULES / "idb" / "build"
# The QR scanner for browsers without BarcodeDetector: ZXing in WebAssembly, loaded by the
# phone app only when needed (it is not part of the app shell).
BARCODE_DETECTOR = NODE_MODULES / "barcode-detector" / "dist" / "iife"
ZXING_READER = NODE_MODULES / "zxing-wasm" / "dist" / "reader"


def restyle_css(css: str, source: Path) -> str:
    """Return the stylesheet with system fonts and stylesheet-relative asset URLs."""
    if GOVUK_FONT_STACK not in css:
        sys.exit(f"build_assets: {source} no longer names {GOVUK_FONT_STACK!r}; update this script")
    css = FONT_FACE.sub("", css)
    css = css.replace(GOVUK_FONT_STACK, SYSTEM_FONT_STACK)
    css = css.replace("url(/assets/", "url(assets/")
    return SOURCE_MAP.sub("\n", css)


def copy_text(source: Path, target: Path, transform=None) -> None:
    """Copy one text file, without its source-map comment (the maps are not served)."""
    text = source.read_text(encoding="utf-8")
    text = transform(text, source) if transform else SOURCE_MAP.sub("\n", text)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


# Where the office pages and the phone app write or set classes. The office pages load the
# packages' scripts, which set classes at run time; the phone app loads none of them.
OFFICE_MARKUP = (
    ROOT / "templates",
    ROOT / "fieldvisit",
    GOVUK / "govuk-frontend.min.js",
    MOJ / "moj-frontend.min.js",
)
APP_MARKUP = (
    ROOT / "templates" / "visits" / "app.html",
    ROOT / "templates" / "visits" / "sw.js",
    ROOT / "fieldvisit" / "static" / "pwa",
)


def copy_stylesheet(source: Path, target: Path, markup: tuple[Path, ...] = OFFICE_MARKUP) -> None:
    """Copy a restyled stylesheet, purged of what the markup never uses, and its asset files."""
    copy_text(source, target, restyle_css)
    words, prefixes = used_names(markup, skip=[VENDOR])
    target.write_text(purge(target.read_text(encoding="utf-8"), words, prefixes), encoding="utf-8")
    for name in sorted(set(ASSET_URL.findall(target.read_text(encoding="utf-8")))):
        (target.parent / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source.parent / name, target.parent / name)


def copy_module(entry: Path, source_root: Path, target_root: Path) -> None:
    """Copy an ES module and, recursively, the relative modules it imports."""
    pending, seen = [entry], set()
    while pending:
        module = pending.pop().resolve()
        if module in seen:
            continue
        seen.add(module)
        copy_text(module, target_root / module.relative_to(source_root.resolve()))
        for name in RELATIVE_IMPORT.findall(module.read_text(encoding="utf-8")):
            pending.append(module.parent / name)


def minify_modules(folder: Path) -> None:
    """Minify every ES module in the folder in place, file by file (esbuild, no bundling: the
    modules keep importing one another by path, and the syntax is left as written)."""
    files = [str(path) for path in sorted(folder.rglob("*.js"))]
    subprocess.run(
        [str(ESBUILD), *files, "--minify", f"--outdir={folder}", f"--outbase={folder}"]
        + ["--allow-overwrite", "--log-level=warning"],
        check=True,
    )


def copy_app_scripts(out: Path) -> None:
    """The phone app's own scripts, minified: they are precached on every officer's phone.
    The source in fieldvisit/static/pwa/ is what people read, lint and change."""
    for source in sorted(APP_SCRIPTS.glob("*.js")):
        # From vendor/pwa/ the vendored idb is one folder up, not in a vendor/ of its own.
        copy_text(
            source, out / source.name, lambda text, _: text.replace("../vendor/idb/", "../idb/")
        )
    minify_modules(out)


def build(out: Path) -> None:
    """Write every vendored file under out."""
    govuk = out / "govuk-frontend"
    copy_stylesheet(GOVUK / "govuk-frontend.min.css", govuk / "govuk-frontend.min.css")
    # The phone app's own, smaller copy: its shell is precached on every officer's phone.
    copy_stylesheet(
        GOVUK / "govuk-frontend.min.css", govuk / "govuk-frontend.app.min.css", APP_MARKUP
    )
    copy_text(GOVUK / "govuk-frontend.min.js", govuk / "govuk-frontend.min.js")

    moj = out / "moj-frontend"
    copy_stylesheet(MOJ / "moj-frontend.min.css", moj / "moj-frontend.min.css")
    copy_text(MOJ / "moj-frontend.min.js", moj / "moj-frontend.min.js")

    copy_module(IDB / "index.js", IDB, out / "idb")
    minify_modules(out / "idb")
    copy_app_scripts(out / "pwa")

    scanner = out / "barcode-detector"
    copy_text(BARCODE_DETECTOR / "ponyfill.js", scanner / "ponyfill.js")
    shutil.copyfile(ZXING_READER / "zxing_reader.wasm", scanner / "zxing_reader.wasm")


def main() -> None:
    for package in (GOVUK, MOJ, IDB, BARCODE_DETECTOR, ZXING_READER, ESBUILD):
        if not package.exists():
            sys.exit(f"build_assets: {package} is missing; run `npm ci` first")
    VENDOR.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and swap it in, so a failed build leaves no half folder.
    staging = Path(tempfile.mkdtemp(prefix=".vendor-", dir=VENDOR.parent))
    staging.chmod(0o755)
    try:
        build(staging)
        shutil.rmtree(VENDOR, ignore_errors=True)
        staging.rename(VENDOR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = [p for p in VENDOR.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    where = VENDOR.relative_to(ROOT)
    print(f"build_assets: wrote {len(files)} files ({size // 1024} KiB) to {where}")


if __name__ == "__main__":
    main()
