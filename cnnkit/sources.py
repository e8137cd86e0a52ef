"""Where a data set comes from: the one rule that EMNIST (:mod:`cnnkit.data`) and SMILEsmileD
(:mod:`cnnkit.smiles`) share.

First match wins:

1. a local file: the data folder's copy (``settings().data_dir``, ``CNNKIT_DATA_DIR`` overrides),
   then any other candidate (a cache), each if :meth:`DataSource.check` finds it usable;
2. ``download``: the data set's URL saved at the data folder's path (the first candidate), unless
   ``settings().offline``, a file is already there (never overwritten implicitly) or a download of
   it failed earlier in this process; a failed download logs one warning and falls through;
3. ``synthetic``: the embedded default, announced by one line on stdout each time it is used.

``settings().data_source == "synthetic"`` (``CNNKIT_DATA_SOURCE=synthetic``) forces 3.

Real data sets hold a slice out for the autograder (:func:`held_out_split`): the public loaders
never return it.
"""

from __future__ import annotations

import functools
import logging
import os
import urllib.request
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from cnnkit.config import settings

log = logging.getLogger(__name__)

#: Seconds without data before a download gives up.
DOWNLOAD_TIMEOUT_S = 60
#: Download targets whose automatic download failed in this process (not retried implicitly).
_FAILED_DOWNLOADS: set[Path] = set()


@dataclass(frozen=True)
class Resolution:
    """Which source serves a data set now.

    Attributes:
        source: a candidate's name (e.g. ``"data_dir"``), ``"download"`` or ``"synthetic"``.
        path: the file used (or to download to); ``None`` for ``"synthetic"``.
        notes: why each source passed over was not used, for the announcement.
    """

    source: str
    path: Path | None
    notes: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        """``"synthetic"`` or ``"real"`` (a download counts as real)."""
        return "synthetic" if self.source == "synthetic" else "real"


class DataSource(ABC):
    """One downloadable data set with an embedded default (see the module docstring)."""

    #: How messages name the data set, e.g. ``"SMILEsmileD"``.
    title: str

    @abstractmethod
    def candidates(self) -> list[tuple[str, Path]]:
        """Local files to try, in order, as ``(source name, path)``; the first is the download target."""

    @abstractmethod
    def check(self, path: Path) -> str:
        """``"ok"`` if ``path`` is usable, else why not (one short phrase)."""

    @abstractmethod
    def url(self) -> str:
        """Where the data set is downloaded from (named in messages)."""

    @abstractmethod
    def fetch(self) -> Path:
        """Download the data set to the first candidate's path.

        Raises:
            RuntimeError: offline or the download failed; the message says what to do instead.
        """

    def resolve(self) -> Resolution:
        """The source that serves the data set now, without downloading anything."""
        if settings().data_source == "synthetic":
            return Resolution("synthetic", None)
        notes: list[str] = []
        seen: set[Path] = set()
        for source, path in self.candidates():
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            status = self.check(path)
            if status == "ok":
                return Resolution(source, path, tuple(notes))
            notes.append(f"{path} ({status})")
        target = self.candidates()[0][1]
        if settings().offline:
            notes.append("download skipped (offline)")
        elif target.exists():
            notes.append(f"download skipped ({target} exists)")
        elif target in _FAILED_DOWNLOADS:
            notes.append(f"download failed earlier in this session ({self.url()})")
        else:
            return Resolution("download", target, tuple(notes))
        return Resolution("synthetic", None, tuple(notes))

    def obtain(self) -> Resolution:
        """Like :meth:`resolve`, but a due download is made now; a failed or unusable one falls
        through to ``"synthetic"`` (with a warning, and never retried in this process)."""
        found = self.resolve()
        if found.source != "download":
            return found
        assert found.path is not None
        try:
            self.fetch()
        except RuntimeError as exc:
            log.warning("cnnkit: %s", exc)
            _FAILED_DOWNLOADS.add(found.path)
            return Resolution("synthetic", None, (*found.notes, f"download failed ({self.url()})"))
        status = self.check(found.path)
        if status != "ok":
            return Resolution("synthetic", None, (*found.notes, f"downloaded {found.path}: {status}"))
        return found

    def announce_synthetic(self, found: Resolution, using: str, hint: str) -> None:
        """Print the one line that says the embedded default is used, and why.

        Args:
            found: the resolution that ended in ``"synthetic"``.
            using: what is used instead, e.g. ``"the embedded synthetic faces (3000 drawn faces)"``.
            hint: how to get the real data (one sentence).
        """
        why = (f"{self.title} not found (looked in {'; '.join(found.notes)})" if found.notes
               else "data source set to 'synthetic' (CNNKIT_DATA_SOURCE / DATA_SOURCE)")
        print(f"cnnkit: {why}; using {using}. {hint}", flush=True)


def download_verified(url: str, dest: Path, *, desc: str, verify: Callable[[Path], None]) -> None:
    """Fetch ``url`` (http(s) or file://) to ``dest``, never leaving a half-written or unverified file.

    The bytes go to ``<dest>.partial`` with a progress bar; ``verify(partial)`` must return without
    raising before the file is renamed to ``dest``. On any failure the partial file is removed and
    ``dest`` (if it existed) is left as it was.

    Args:
        url: where to fetch from.
        dest: the final path; its folder is created.
        desc: the progress bar's label.
        verify: raises (e.g. ValueError, with the reason) unless the downloaded file is usable.
    """
    from tqdm.auto import tqdm

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as resp, open(partial, "wb") as out:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=desc) as bar:
                while chunk := resp.read(1 << 20):
                    out.write(chunk)
                    bar.update(len(chunk))
        verify(partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)


@functools.lru_cache(maxsize=16)
def held_out_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(n)`` into the public items and the slice held out for the autograder.

    The held-out slice is the first ``round(fraction * n)`` entries of
    ``np.random.default_rng(seed).permutation(n)``.

    Returns:
        ``(public, held_out)``: sorted, read-only int64 index arrays that partition ``range(n)``.
    """
    perm = np.random.default_rng(seed).permutation(n)
    k = int(round(fraction * n))
    held_out, public = np.sort(perm[:k]), np.sort(perm[k:])
    held_out.setflags(write=False)
    public.setflags(write=False)
    return public, held_out


def clear_cache() -> None:
    """Forget the held-out splits and the failed downloads of this process."""
    held_out_split.cache_clear()
    _FAILED_DOWNLOADS.clear()
