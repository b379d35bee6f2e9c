"""The spec cache: a run loads its format's validated spec from a pickle instead of the YAML,
but only while every file it was built from is unchanged, and only from a private folder;
the cache can make a run faster, never different."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from juesuan.spec import cache, load_spec_file, spec_dir

FILES = ("spec-2020.yaml", "rules-2020.yaml", "narrative-2020.yaml", "evaluation-2019.yaml", "codes-2020.yaml")


@pytest.fixture
def own_spec(tmp_path, monkeypatch) -> Path:
    """A copy of the 2020 format in its own folder, and an empty cache folder of this test."""
    folder = tmp_path / "formats"
    folder.mkdir()
    for name in FILES:
        shutil.copy(spec_dir() / name, folder / name)
    monkeypatch.setenv("JUESUAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_memory", {})
    monkeypatch.setattr(cache, "_stamp", None)  # the code as it is now on disk, as a new process sees it
    return folder / "spec-2020.yaml"


def _entries(spec_file: Path) -> list[Path]:
    return sorted((Path(os.environ["JUESUAN_CACHE_DIR"])).glob("spec-*.pickle"))


def test_a_second_process_loads_the_same_spec_from_the_cache(own_spec):
    first = load_spec_file(own_spec)
    [entry] = _entries(own_spec)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.parent.stat().st_mode & 0o777 == 0o700
    code = ("import pickle, sys, juesuan.spec.loader as l\n"
            "l._load_uncached = None  # a miss would fail: the spec must come from the cache\n"
            "from juesuan.spec import load_spec_file\n"
            "sys.stdout.buffer.write(pickle.dumps(load_spec_file(sys.argv[1])))\n")
    out = subprocess.run([sys.executable, "-c", code, str(own_spec)], capture_output=True, env=os.environ, check=True)
    assert pickle.loads(out.stdout) == first


def test_an_edited_include_is_seen_at_once(own_spec):
    before = load_spec_file(own_spec)
    rules = own_spec.with_name("rules-2020.yaml")
    text = rules.read_text(encoding="utf-8")
    first_title = next(r.title for r in before.rules if getattr(r, "title", ""))
    rules.write_text(text.replace(first_title, "改过的标题", 1), encoding="utf-8")
    after = load_spec_file(own_spec)
    assert "改过的标题" in [getattr(r, "title", "") for r in after.rules]
    assert after != before


def test_every_caller_gets_its_own_copy(own_spec):
    one = load_spec_file(own_spec)
    one.vocabularies["fund"] = ("changed",)
    assert load_spec_file(own_spec).vocabularies["fund"] != ("changed",)


def _poison(entry: Path) -> None:
    """Keep the entry's header (files and digests: still fresh) and replace the spec."""
    with open(entry, "rb") as fh:
        fmt, deps = pickle.load(fh), pickle.load(fh)
    with open(entry, "wb") as fh:
        pickle.dump(fmt, fh)
        pickle.dump(deps, fh)
        fh.write(pickle.dumps("poisoned"))


def test_an_entry_in_a_folder_others_can_write_is_not_trusted(own_spec, monkeypatch):
    load_spec_file(own_spec)
    [entry] = _entries(own_spec)
    _poison(entry)
    monkeypatch.setattr(cache, "_memory", {})
    assert load_spec_file(own_spec) == "poisoned"  # the test's own premise: a private entry is used
    _poison(entry)
    entry.parent.chmod(0o777)
    monkeypatch.setattr(cache, "_memory", {})
    assert load_spec_file(own_spec) != "poisoned"


def test_a_damaged_entry_is_a_miss(own_spec, monkeypatch):
    good = load_spec_file(own_spec)
    [entry] = _entries(own_spec)
    entry.write_bytes(entry.read_bytes()[:200])
    monkeypatch.setattr(cache, "_memory", {})
    assert load_spec_file(own_spec) == good


def test_no_cache_writes_nothing(own_spec, monkeypatch):
    monkeypatch.setenv("JUESUAN_NO_CACHE", "1")
    load_spec_file(own_spec)
    assert not Path(os.environ["JUESUAN_CACHE_DIR"]).exists()


def test_a_base_format_shadowed_on_the_search_path_is_seen(tmp_path, monkeypatch):
    """A variant names its base by format (``extends: "2020"``): a bureau folder that later
    gains its own spec-2020.yaml changes what the variant means, and the cache follows."""
    monkeypatch.setenv("JUESUAN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_memory", {})
    bureau = tmp_path / "bureau"
    bureau.mkdir()
    monkeypatch.setenv("JUESUAN_SPEC_PATH", str(bureau))
    variant = bureau / "spec-2020-x.yaml"
    variant.write_text('extends: "2020"\nformat: "2020-x"\nname: 变体\n', encoding="utf-8")
    before = load_spec_file(variant)
    for name in FILES:
        shutil.copy(spec_dir() / name, bureau / name)
    base = bureau / "spec-2020.yaml"
    base.write_text(base.read_text(encoding="utf-8").replace('version: "2020.1"', 'version: "2020.9"'), encoding="utf-8")
    after = load_spec_file(variant)
    assert (before.version, after.version) == ("2020.1", "2020.9")
    assert before.format == after.format == "2020-x"
