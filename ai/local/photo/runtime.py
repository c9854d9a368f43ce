"""Model files, integrity checks and lazily created ONNX Runtime sessions.

Every model file is listed in ``ai/local/models/manifest.json`` with its sha256. A file is hashed before its
session is created; a missing or altered file raises :class:`ModelIntegrityError` (never at import time).
Files marked ``"location": "package"`` ship inside a pinned runtime dependency (RapidOCR's PP-OCRv4 models)
and are resolved from that installed package.

Configuration (first match wins):
- model directory: ``reset_store(model_dir=...)``, Django ``settings.LOCAL_MODEL_DIR``, env ``LOCAL_MODEL_DIR``,
  else the committed ``ai/local/models``;
- intra-op threads: ``reset_store(threads=...)``, Django ``settings.LOCAL_MODEL_THREADS``,
  env ``LOCAL_MODEL_THREADS``, else 1.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import threading
from pathlib import Path
from typing import Any

import onnxruntime as ort

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models"
MANIFEST = "manifest.json"


class ModelIntegrityError(Exception):
    """A model file is missing, does not match its manifest checksum, or cannot be loaded."""


def _django_setting(name: str) -> Any:
    try:
        from django.conf import settings

        return getattr(settings, name, None) if settings.configured else None
    except ImportError:
        return None


def configured_model_dir() -> Path:
    value = _django_setting("LOCAL_MODEL_DIR") or os.environ.get("LOCAL_MODEL_DIR")
    return Path(value) if value else DEFAULT_MODEL_DIR


def configured_threads() -> int:
    value = _django_setting("LOCAL_MODEL_THREADS") or os.environ.get("LOCAL_MODEL_THREADS")
    return max(1, int(value)) if value else 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


_stat_hashes: dict[tuple[str, int, int], str] = {}


def sha256_unless_unchanged(path: Path) -> str:
    """The file's SHA-256, re-hashed only when its size or mtime changed: health checks run often."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _stat_hashes:
        _stat_hashes[key] = sha256_file(path)
    return _stat_hashes[key]


def _package_file(relpath: str) -> Path:
    package, _, rest = relpath.partition("/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelIntegrityError(f"package {package!r} holding {relpath} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / rest


class ModelStore:
    """Manifest-checked model files and one shared ONNX Runtime session per model (thread-safe)."""

    def __init__(self, model_dir: Path | None = None, threads: int | None = None) -> None:
        self.model_dir = Path(model_dir) if model_dir else configured_model_dir()
        self.threads = threads if threads else configured_threads()
        self._lock = threading.Lock()
        self._sessions: dict[str, ort.InferenceSession] = {}
        self._verified: dict[str, str] = {}
        self._errors: dict[str, str] = {}
        self._manifest: dict[str, dict] | None = None

    # -- manifest -------------------------------------------------------------------------------------------
    def manifest(self) -> dict[str, dict]:
        if self._manifest is None:
            path = self.model_dir / MANIFEST
            try:
                self._manifest = json.loads(path.read_text(encoding="utf-8"))["models"]
            except (OSError, ValueError, KeyError) as exc:
                raise ModelIntegrityError(f"cannot read model manifest {path}: {exc}") from exc
        return self._manifest

    def path(self, name: str) -> Path:
        entry = self.manifest().get(name)
        if entry is None:
            raise ModelIntegrityError(f"model {name!r} is not in the manifest")
        if entry.get("location") == "package":
            return _package_file(entry["path"])
        return self.model_dir / name

    def _verify(self, name: str) -> Path:
        """Hash the file once per store; raise ModelIntegrityError when it is missing or altered."""
        path = self.path(name)
        if self._verified.get(name) == str(path):
            return path
        expected = self.manifest()[name]["sha256"]
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise ModelIntegrityError(f"model file {path} is unreadable: {exc}") from exc
        if actual != expected:
            raise ModelIntegrityError(f"model file {path} sha256 {actual[:12]}… != manifest {expected[:12]}…")
        self._verified[name] = str(path)
        return path

    # -- loading --------------------------------------------------------------------------------------------
    def session(self, name: str) -> ort.InferenceSession:
        sess = self._sessions.get(name)
        if sess is not None:
            return sess
        with self._lock:
            sess = self._sessions.get(name)
            if sess is None:
                try:
                    path = self._verify(name)
                    opts = ort.SessionOptions()
                    opts.intra_op_num_threads = self.threads
                    opts.inter_op_num_threads = 1
                    opts.log_severity_level = 3
                    # OCR inputs vary in shape; without the arena, memory is returned after each run
                    # (peak RSS budget) at a cost below measurement noise for these small models.
                    opts.enable_cpu_mem_arena = False
                    sess = ort.InferenceSession(
                        str(path), sess_options=opts, providers=["CPUExecutionProvider"]
                    )
                except ModelIntegrityError as exc:
                    self._errors[name] = str(exc)
                    raise
                except Exception as exc:  # onnxruntime raises its own exception types for bad graphs
                    self._errors[name] = f"cannot load {name}: {exc}"
                    raise ModelIntegrityError(self._errors[name]) from exc
                self._errors.pop(name, None)
                self._sessions[name] = sess
        return sess

    def json_file(self, name: str) -> Any:
        with self._lock:
            path = self._verify(name)
        return json.loads(path.read_text(encoding="utf-8"))

    # -- health ---------------------------------------------------------------------------------------------
    def health(self) -> dict:
        models: dict[str, dict] = {}
        try:
            manifest = self.manifest()
        except ModelIntegrityError as exc:
            return {"ok": False, "error": str(exc), "models": {}}
        for name, entry in manifest.items():
            status: dict[str, Any] = {
                "loaded": name in self._sessions,
                "sha256": entry["sha256"],
                "error": None,
            }
            try:
                path = self.path(name)
                actual = sha256_unless_unchanged(path)
                if actual != entry["sha256"]:
                    status["error"] = f"sha256 mismatch for {path}"
            except (OSError, ModelIntegrityError) as exc:
                status["error"] = str(exc)
            if status["error"] is None and name in self._errors:
                status["error"] = self._errors[name]
            status["ok"] = status["error"] is None
            models[name] = status
        return {"ok": all(m["ok"] for m in models.values()), "models": models}


_store: ModelStore | None = None
_store_lock = threading.Lock()


def get_store() -> ModelStore:
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                _store = ModelStore()
    return _store


def reset_store(model_dir: Path | str | None = None, threads: int | None = None) -> ModelStore:
    """Drop loaded sessions and start over (new model dir or thread count); used by tests and benchmarks."""
    global _store
    with _store_lock:
        _store = ModelStore(Path(model_dir) if model_dir else None, threads)
    return _store
