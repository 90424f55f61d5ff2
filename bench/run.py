"""Side-by-side benchmark: dossier against named alternatives, in one run.

    python bench/run.py [--quick] [--count N] [--runs R] [--only TEXT] [--keep]

For every row the dossier command (A) and its reference (B) run alternately,
A B A B ..., R times each, and the table shows the medians and A/B. Running
both in the same loop matters more than the absolute numbers: on a shared
machine the disk and CPU drift by factors of several within minutes, and the
ratio of two interleaved series cancels most of that drift.

Stdout is Markdown (machine, versions, table, commands) to paste into a README;
progress and the stderr of failing commands go to stderr. Only the stdlib
(plus corpus.py next to this file) is used, and the executables are taken
from the same venv as this interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import corpus  # bench/corpus.py: sys.path[0] is bench/ when run as a script

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PYTHON = sys.executable
DOSSIER = str(BIN / "dossier")
SQLITE_UTILS = str(BIN / "sqlite-utils")

NOT_IMPLEMENTED = "n/a (not implemented)"
PACKAGES = (
    "dossier",
    "typer",
    "click",
    "rich",
    "pydantic",
    "pydantic-core",
    "tinydb",
    "orjson",
    "rapidfuzz",
    "jinja2",
    "anyascii",
    "filelock",
    "platformdirs",
    "sqlite-utils",
)
NL_PK = ("--nl", "--pk", "id")  # sqlite-utils: NDJSON input, id as primary key
SEARCH_QUERY = "Hosein Mohamadi"  # a spelling variant, not the stored name


class RowFailed(Exception):
    """A command of a row failed: the row shows `status`, the run goes on."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


@dataclass
class Cmd:
    argv: list[str]
    # Runs before each timed run, outside the timed region: rows that must start
    # from the same state (a fresh copy of the db, an empty folder) reset it here.
    prepare: Callable[[], None] | None = None
    ok_codes: frozenset[int] = frozenset({0})
    env: dict[str, str] = field(default_factory=dict)  # added to the environment of the run

    def text(self, workdir: Path) -> str:
        line = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        line = (line + " " if line else "") + shlex.join(self.argv)
        line = line.replace(PYTHON, "python").replace(str(BIN) + "/", "")
        return line.replace(str(workdir), "$W").replace(str(BENCH.parent) + "/", "")


@dataclass
class Row:
    label: str
    a: Cmd  # dossier
    b: Cmd | None  # the reference; None: A is held against an absolute limit (target, in ms)
    target: float | None  # a ratio (or, without b, milliseconds); None: informational, no verdict
    setup: Callable[[], None] | None = None  # once before the loop, untimed
    needs_db: bool = True  # needs the loaded dossier database
    measure: str = "time"  # or "rss": peak resident memory instead of wall time
    big: bool = False  # needs the 100,000-person database (not with --quick)


@dataclass
class Result:
    label: str
    target: float | None
    a: float | None = None
    b: float | None = None
    unit: str = "ms"
    status: str = ""
    samples: dict[str, list[float]] = field(default_factory=dict)
    absolute: bool = False  # target is a limit in ms for A alone

    @property
    def ratio(self) -> float | None:
        return self.a / self.b if self.a is not None and self.b else None


# --- running commands -------------------------------------------------------


def child_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "100"
    # A command that forgot --db must not touch the user's real database.
    env["DOSSIER_DB"] = str(workdir / "stray.json")
    return env


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def classify_failure(cmd: Cmd, code: int, stderr: bytes, workdir: Path) -> str:
    text = stderr.decode("utf-8", "replace")
    if code == 2 and "No such command" in text:
        return NOT_IMPLEMENTED
    log(f"  ! exit {code}: {cmd.text(workdir)}")
    for line in text.strip().splitlines()[-15:]:
        log(f"  ! {line}")
    return f"error (exit {code})"


def run_once(cmd: Cmd, env: dict[str, str], workdir: Path, timeout: float) -> float:
    """One timed run in seconds; raises RowFailed when the command fails."""
    if cmd.prepare is not None:
        cmd.prepare()
    # What earlier runs and the prepare wrote goes to the disk before the clock starts: the
    # command timed must not pay for writing back the harness's copies (an fsync of a file
    # copied a moment ago, as sqlite's commit does, would flush the whole copy).
    os.sync()
    try:
        start = time.perf_counter()
        proc = subprocess.run(
            cmd.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**env, **cmd.env},
            timeout=timeout,
        )
        elapsed = time.perf_counter() - start
    except FileNotFoundError:
        raise RowFailed(f"n/a ({Path(cmd.argv[0]).name} not installed)") from None
    except subprocess.TimeoutExpired:
        log(f"  ! timeout after {timeout:.0f} s: {cmd.text(workdir)}")
        raise RowFailed(f"error (timeout {timeout:.0f} s)") from None
    if proc.returncode not in cmd.ok_codes:
        raise RowFailed(classify_failure(cmd, proc.returncode, proc.stderr, workdir))
    return elapsed


def peak_rss_kib(cmd: Cmd, env: dict[str, str], workdir: Path, timeout: float) -> int:
    """Peak resident set of one run of cmd, in KiB (Linux ru_maxrss unit).

    os.wait4 returns the rusage of exactly that child, unlike the
    RUSAGE_CHILDREN maximum, which only grows, and needs no /usr/bin/time.
    Popen.wait/communicate would reap the child first, so: stderr goes to a
    temp file, a timer thread enforces the timeout, wait4 reaps."""
    if cmd.prepare is not None:
        cmd.prepare()
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd.argv, stdout=subprocess.DEVNULL, stderr=err, env={**env, **cmd.env})
        except FileNotFoundError:
            raise RowFailed(f"n/a ({Path(cmd.argv[0]).name} not installed)") from None
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if timed_out.is_set():
        log(f"  ! timeout after {timeout:.0f} s: {cmd.text(workdir)}")
        raise RowFailed(f"error (timeout {timeout:.0f} s)")
    if proc.returncode not in cmd.ok_codes:
        raise RowFailed(classify_failure(cmd, proc.returncode, stderr, workdir))
    rss = usage.ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # macOS reports bytes


# --- preparing state --------------------------------------------------------


def remove(path: Path) -> None:
    """Remove path and its sidecars (lock, journal, temp files: path.*)."""
    for p in [path, *path.parent.glob(path.name + ".*"), *path.parent.glob(path.name + "-*")]:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def fresh_copy(src: Path, dst: Path) -> Callable[[], None]:
    """A copy of a database with the files kept beside it for speed (``.names``,
    ``.facts``, ``.findings``), made valid for the copy as they are for a database used in
    place: a copy has a change time of its own, so dossier verifies the copy's sum once and
    saves them anew; an untimed search does that here for the name index (sqlite copies are
    plain copies)."""
    def prepare() -> None:
        remove(dst)
        shutil.copy2(src, dst)
        for side in src.parent.glob(src.name + ".*"):
            if side.suffix in (".names", ".facts", ".findings"):
                shutil.copy2(side, dst.with_name(dst.name + side.suffix))
        if dst.with_name(dst.name + ".names").exists():
            run_once(Cmd([DOSSIER, "--db", str(dst), "search", "x"]), child_env(dst.parent), dst.parent,
                     timeout=600)

    return prepare


def fresh_path(path: Path) -> Callable[[], None]:
    return lambda: remove(path)


# --- the rows ---------------------------------------------------------------


@dataclass(frozen=True)
class Paths:
    """The files every row shares, inside the workdir."""

    work: Path

    @property
    def corpus(self) -> Path:
        return self.work / "corpus.ndjson"

    @property
    def one(self) -> Path:  # one person, same columns as the table
        return self.work / "one.json"

    @property
    def db(self) -> Path:  # dossier database loaded with the corpus
        return self.work / "d.json"

    @property
    def sdb(self) -> Path:  # sqlite-utils database loaded with the corpus
        return self.work / "s.db"

    @property
    def big_corpus(self) -> Path:  # 100,000 persons
        return self.work / "big.ndjson"

    @property
    def big_db(self) -> Path:  # ... loaded: 100,000 persons and 100,000 history entries
        return self.work / "big.json"

    @property
    def big_sdb(self) -> Path:
        return self.work / "big.db"

    @property
    def secret(self) -> Path:  # the corpus, 5 % of persons with confidential content
        return self.work / "secret.ndjson"

    @property
    def enc_on(self) -> Path:  # ... loaded, encryption on
        return self.work / "on.json"

    @property
    def enc_off(self) -> Path:  # ... loaded, encryption off
        return self.work / "off.json"

    @property
    def identity(self) -> Path:
        return self.work / "identity.txt"


def build_rows(w: Paths, seed: int = 1) -> list[Row]:
    work = w.work
    first = corpus.generate(1, seed)[0]["id"]  # the corpus's first person, whatever its size
    d = ["--db", str(w.db)]
    bare = [PYTHON, str(BENCH / "bare_typer.py")]
    list_ndjson = Cmd([DOSSIER, *d, "list", "--format", "ndjson"])
    sqlite_rows = Cmd([SQLITE_UTILS, "rows", str(w.sdb), "persons", "--nl"])
    import_empty = Cmd(
        [DOSSIER, "--db", str(work / "new.json"), "import", str(w.corpus)],
        prepare=fresh_path(work / "new.json"),
    )

    def add_into(db: Path, sdb: Path, tag: str) -> tuple[Cmd, Cmd]:
        copy, scopy = work / f"add-{tag}.json", work / f"add-{tag}.db"
        return (Cmd([DOSSIER, "--db", str(copy), "add", "Fictional Name", "--role-1988", "Prosecutor",
                     "--source-url", "https://example.org/x", "--source-title", "X"],
                    prepare=fresh_copy(db, copy)),
                Cmd([SQLITE_UTILS, "insert", str(scopy), "persons", str(w.one), "--pk", "id"],
                    prepare=fresh_copy(sdb, scopy)))

    def no_caches(out: Path) -> Callable[[], None]:
        def prepare() -> None:  # a build from scratch: no page cache beside the database either
            remove(out)
            remove(w.db.with_name(w.db.name + ".profiles-cache.json"))
        return prepare

    keep = work / "profiles-keep"
    rerun = Cmd([DOSSIER, *d, "profiles", str(keep)])

    def populate_keep() -> None:
        remove(keep)
        run_once(rerun, child_env(work), work, timeout=3600)  # the re-run row times a second run

    written = work / "written.json"
    edits = iter(range(1, 10**6))

    def write_then() -> None:  # the search after it is the first to see this state
        run_once(Cmd([DOSSIER, "--db", str(written), "edit", first, "--set",
                      f"tags+=bench-{next(edits)}"]), child_env(work), work, timeout=600)

    def no_findings(db: Path) -> Callable[[], None]:  # check from nothing: no memo, no facts
        def prepare() -> None:
            for suffix in (".findings", ".facts"):
                remove(db.with_name(db.name + suffix))
        return prepare

    checked = work / "checked.json"
    adds = iter(range(1, 10**6))

    def write_checked(*args: str) -> None:  # the check after it is the first to see this state
        run_once(Cmd([DOSSIER, "--db", str(checked), *args]), child_env(work), work, timeout=600)

    def edit_then() -> None:
        write_checked("edit", first, "--set", f"tags+=bench-{next(edits)}")

    def add_then() -> None:
        write_checked("add", f"Fictional Added {next(adds)}", "--role-1988", "Prosecutor",
                      "--source-url", "https://example.org/x", "--source-title", "X")

    def checked_setup() -> None:  # a check has gathered the facts the write then changes
        fresh_copy(w.db, checked)()
        no_findings(checked)()
        run_once(Cmd([DOSSIER, "--db", str(checked), "check"], ok_codes=frozenset({0, 4})),
                 child_env(work), work, timeout=600)

    check_ok = frozenset({0, 4})  # exit 4 (problems found) is a result, not a failure
    on, off = ["--db", str(w.enc_on)], ["--db", str(w.enc_off)]
    add_a, add_b = add_into(w.db, w.sdb, "10k")
    big_a, big_b = add_into(w.big_db, w.big_sdb, "100k")
    return [
        Row("cold start: `dossier --version` vs bare Typer app",
            Cmd([DOSSIER, "--version"]), Cmd([*bare, "--version"]), 1.15, needs_db=False),
        Row("`dossier --help` vs bare Typer app `--help`",
            Cmd([DOSSIER, "--help"]), Cmd([*bare, "--help"]), None, needs_db=False),
        Row("add one person (10,000) vs `sqlite-utils insert` one row", add_a, add_b, 2.0),
        Row("add one person (100,000) vs `sqlite-utils insert` one row (100,000)", big_a, big_b, 2.0,
            big=True),
        Row("import NDJSON into an empty db vs `sqlite-utils insert --nl`", import_empty,
            Cmd([SQLITE_UTILS, "insert", str(work / "new.db"), "persons", str(w.corpus), *NL_PK],
                prepare=fresh_path(work / "new.db")), 0.7, needs_db=False),
        Row("re-import the same file (all unchanged) vs first import",
            Cmd([DOSSIER, "--db", str(work / "re.json"), "import", str(w.corpus)],
                prepare=fresh_copy(w.db, work / "re.json")), import_empty, 1.0),
        Row("import peak RSS vs `sqlite-utils insert --nl` peak RSS (MB)",
            Cmd([DOSSIER, "--db", str(work / "rss.json"), "import", str(w.corpus)],
                prepare=fresh_path(work / "rss.json")),
            Cmd([SQLITE_UTILS, "insert", str(work / "rss.db"), "persons", str(w.corpus), *NL_PK],
                prepare=fresh_path(work / "rss.db")), None, needs_db=False, measure="rss"),
        Row("`export - --format ndjson` vs `sqlite-utils rows --nl`",
            Cmd([DOSSIER, *d, "export", "-", "--format", "ndjson"]), sqlite_rows, 0.6),
        Row("`list --format ndjson` vs `sqlite-utils rows --nl`", list_ndjson, sqlite_rows, 0.6),
        Row(f"`search {SEARCH_QUERY!r}` vs `list --format ndjson`",
            Cmd([DOSSIER, *d, "search", SEARCH_QUERY]), list_ndjson, 1.2),
        Row(f"first `search {SEARCH_QUERY!r}` after a write vs `list --format ndjson`",
            Cmd([DOSSIER, "--db", str(written), "search", SEARCH_QUERY], prepare=write_then),
            list_ndjson, 1.5, setup=fresh_copy(w.db, written)),
        Row("`check` after a write (`edit --set tags+=`) vs `list --format ndjson`",
            Cmd([DOSSIER, "--db", str(checked), "check"], ok_codes=check_ok, prepare=edit_then),
            list_ndjson, 1.5, setup=checked_setup),
        Row("`check` after an `add` (new names) vs `list --format ndjson`",
            Cmd([DOSSIER, "--db", str(checked), "check"], ok_codes=check_ok, prepare=add_then),
            list_ndjson, 1.5, setup=checked_setup),
        Row("`check` from nothing (no findings or facts kept) vs `list --format ndjson`",
            Cmd([DOSSIER, *d, "check"], ok_codes=check_ok, prepare=no_findings(w.db)), list_ndjson, 1.5),
        Row("`check` again, same state and day, vs `list --format ndjson`",
            Cmd([DOSSIER, *d, "check"], ok_codes=check_ok), list_ndjson, None),
        Row("`profiles` (fresh folder, no cache) vs plain f-string writer",
            Cmd([DOSSIER, *d, "profiles", str(work / "profiles-a")], prepare=no_caches(work / "profiles-a")),
            Cmd([PYTHON, str(BENCH / "profiles_floor.py"), str(w.corpus), str(work / "floor")],
                prepare=fresh_path(work / "floor")), 1.5),
        # The first run keeps the page cache: deleting it would make the re-run start from scratch too.
        Row("`profiles` re-run, nothing changed vs first run", rerun,
            Cmd([DOSSIER, *d, "profiles", str(work / "profiles-b")], prepare=fresh_path(work / "profiles-b")),
            0.5, setup=populate_keep),
        Row("`export --split` (fresh folder) vs a YAML file per person (PyYAML C dumper)",
            Cmd([DOSSIER, *d, "export", str(work / "split"), "--split"], prepare=fresh_path(work / "split")),
            Cmd([PYTHON, str(BENCH / "split_floor.py"), str(w.corpus), str(work / "split-floor")],
                prepare=fresh_path(work / "split-floor")), 2.0),
        Row("`log REF` of a database with 100,000 history entries (limit, ms)",
            Cmd([DOSSIER, "--db", str(w.big_db), "log", first]), None, 300, big=True),
        Row(f"completion of `dossier show {first[:3]}` (limit, ms)",
            Cmd([DOSSIER], env={"_DOSSIER_COMPLETE": "complete_bash", "COMP_CWORD": "2",
                                "COMP_WORDS": f"dossier show {first[:3]}", "DOSSIER_DB": str(w.db)}),
            None, 500),
        Row("`list --format ndjson`, encryption on vs off (5 % confidential)",
            Cmd([DOSSIER, *on, "list", "--format", "ndjson"]),
            Cmd([DOSSIER, *off, "list", "--format", "ndjson"]), 1.2),
        Row(f"`search {SEARCH_QUERY!r}`, encryption on vs off",
            Cmd([DOSSIER, *on, "search", SEARCH_QUERY]), Cmd([DOSSIER, *off, "search", SEARCH_QUERY]), 1.2),
        Row("`check` (no findings kept), encryption on vs off",
            Cmd([DOSSIER, *on, "check"], ok_codes=check_ok, prepare=no_findings(w.enc_on)),
            Cmd([DOSSIER, *off, "check"], ok_codes=check_ok, prepare=no_findings(w.enc_off)), 1.2),
    ]


def measure_once(row: Row, cmd: Cmd, env: dict[str, str], work: Path, timeout: float) -> float:
    if row.measure == "rss":
        return peak_rss_kib(cmd, env, work, timeout) / 1024
    return run_once(cmd, env, work, timeout) * 1000


def measure_row(
    row: Row, runs: int, env: dict[str, str], work: Path, timeout: float, a_status: str = ""
) -> Result:
    """A B A B ... When A fails (not implemented yet, or its database could not
    be built: `a_status`), B is still measured, so the reference column is
    filled and shows what dossier will be compared against."""
    unit = "MB" if row.measure == "rss" else "ms"
    result = Result(row.label, row.target, unit=unit, samples={"a": [], "b": []}, absolute=row.b is None)
    try:
        if row.setup is not None and not a_status:
            row.setup()
    except RowFailed as failed:
        a_status = failed.status
    b_status = ""
    for i in range(runs):
        log(f"  run {i + 1}/{runs}")
        # A then B in the same iteration: both see the same machine state.
        if not a_status:
            try:
                result.samples["a"].append(measure_once(row, row.a, env, work, timeout))
            except RowFailed as failed:
                a_status = failed.status
        if row.b is None:
            continue
        if a_status and row.b.argv[0] == DOSSIER:
            break  # B is dossier too: with A failing its numbers mean little
        try:
            result.samples["b"].append(measure_once(row, row.b, env, work, timeout))
        except RowFailed as failed:
            b_status = failed.status
            break
    result.status = a_status or b_status
    if not a_status and not b_status:
        result.a = statistics.median(result.samples["a"])
    if not b_status and result.samples["b"]:
        result.b = statistics.median(result.samples["b"])
    return result


def per_input_size(rss: Result, size: int) -> Result:
    """The memory target: dossier's import peak RSS over the input file size."""
    label = "import peak RSS / input file size (reference column: input size)"
    per = Result(label, 5.0, b=size / 2**20, unit="MB", status=rss.status)
    per.a = rss.a
    return per


# --- preparation ------------------------------------------------------------


def prepare_work(w: Paths, count: int, seed: int, env: dict[str, str], timeout: float, *,
                 big: int = 0, encrypted: bool = False) -> str:
    """Corpus, one-row JSON and the loaded databases (``big``: also those of that many
    persons; ``encrypted``: the 5 % confidential pair). Returns "" when the dossier
    databases are ready, else the status for the rows that need them."""
    # The package's bytecode is written once here: an environment that forbids writing
    # it (PYTHONDONTWRITEBYTECODE) would otherwise compile every module on every run.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(Path(corpus.__file__).parent.parent / "dossier")],
                   check=False, env={k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"})
    # The corpora are made by a child process: a child's peak memory (ru_maxrss) starts at
    # its parent's, so this process must stay small for the memory rows to mean anything.
    log(f"generating {count} persons (seed {seed}) ...")
    make = [PYTHON, str(BENCH / "corpus.py"), "--seed", str(seed)]
    subprocess.run([*make, "--count", str(count), "-o", str(w.corpus)], check=True, env=env)
    # One more person with the same columns as the table, for the one-row insert.
    one = dict(corpus.generate(1, seed)[0], id="fictional-name", name="Fictional Name")
    w.one.write_text(corpus.dumps(one), encoding="utf-8")
    loads = [(w.corpus, w.sdb, w.db)]
    if big:
        log(f"generating {big} persons ...")
        subprocess.run([*make, "--count", str(big), "-o", str(w.big_corpus)], check=True, env=env)
        loads.append((w.big_corpus, w.big_sdb, w.big_db))
    try:
        for source, sdb, db in loads:
            log(f"loading {sdb.name} and {db.name} ...")
            subprocess.run([SQLITE_UTILS, "insert", str(sdb), "persons", str(source), *NL_PK],
                           check=True, stdout=subprocess.DEVNULL, env=env)
            run_once(Cmd([DOSSIER, "--db", str(db), "import", str(source)]), env, w.work, timeout)
            # A database in use has its name index: the first search after the import builds it.
            run_once(Cmd([DOSSIER, "--db", str(db), "search", SEARCH_QUERY]), env, w.work, timeout)
        if encrypted:
            log("loading the encrypted and the plain database (5 % confidential) ...")
            with w.corpus.open(encoding="utf-8") as lines, w.secret.open("w", encoding="utf-8") as out:
                for i, line in enumerate(lines):
                    out.write(corpus.dumps(_confidential(json.loads(line), i)) + "\n")
            keyed = {**env, "DOSSIER_IDENTITY": str(w.identity)}
            for db in (w.enc_off, w.enc_on):
                run_once(Cmd([DOSSIER, "--db", str(db), "import", str(w.secret)]), env, w.work, timeout)
            run_once(Cmd([DOSSIER, "--db", str(w.enc_on), "keys", "init"]), keyed, w.work, timeout)
            for db in (w.enc_off, w.enc_on):
                run_once(Cmd([DOSSIER, "--db", str(db), "search", SEARCH_QUERY]), env, w.work, timeout)
    except RowFailed as failed:
        return failed.status
    return ""


def _confidential(person: dict[str, object], i: int) -> dict[str, object]:
    """Every 20th person restricted, with a narrative and a confidential testimony."""
    if i % 20:
        return person
    sources = [*person.get("sources", []), {  # type: ignore[misc]
        "key": f"witness-{i}", "title": f"Testimony {i}", "kind": "testimony", "confidential": True,
        "note": "A fictional witness statement. " * 4}]
    return {**person, "restricted": True, "narrative": "A fictional restricted narrative. " * 6,
            "sources": sources}


# --- report -----------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def filesystem_of(path: Path) -> str:
    """The mount holding path: creating 10k files costs very different on tmpfs."""
    best = ("", "?")
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, mount, fstype, *_ = line.split()
            if str(path).startswith(mount) and len(mount) >= len(best[0]):
                best = (mount, fstype)
    except OSError:
        return "?"
    return f"{best[1]} ({best[0]})"


def version_of(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def header(count: int, size: int, seed: int, runs: int, work: Path) -> list[str]:
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    versions = ", ".join(f"{p} {version_of(p)}" for p in PACKAGES)
    return [
        "## Benchmark",
        "",
        f"- machine: {cpu_model()}, nproc {affinity or os.cpu_count()}",
        f"- python: {platform.python_implementation()} {platform.python_version()}"
        f", sqlite {sqlite3.sqlite_version}",
        f"- os: {platform.platform()}",
        f"- workdir filesystem: {filesystem_of(work)}",
        f"- packages: {versions}",
        f"- corpus: {count} persons, {size:,} bytes NDJSON (seed {seed})",
        f"- medians of {runs} alternating runs (A B A B ...); ratio = dossier / reference",
        "",
    ]


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if unit == "ms" else f"{value:.1f} MB"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| row | dossier median (ms) | reference median (ms) | ratio | target | ok? |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = f"≤ {r.target:g}" if r.target is not None else "—"
        if r.absolute and not r.status:
            verdict = "yes" if r.a is not None and r.target is not None and r.a <= r.target else "NO"
            lines.append(f"| {r.label} | {fmt_value(r.a, r.unit)} | — | — | ≤ {r.target:g} ms | {verdict} |")
            continue
        if r.status:
            lines.append(f"| {r.label} | {r.status} | {fmt_value(r.b, r.unit)} | — | {target} | — |")
            continue
        ratio = r.ratio
        verdict = "yes" if ratio is not None and ratio <= (r.target or 0) else "NO"
        if r.target is None:
            verdict = "info"
        lines.append(
            f"| {r.label} | {fmt_value(r.a, r.unit)} | {fmt_value(r.b, r.unit)} "
            f"| {'—' if ratio is None else f'{ratio:.2f}'} | {target} | {verdict} |"
        )
    return lines


def commands_section(rows: list[Row], work: Path) -> list[str]:
    lines = ["", "Commands (`$W` is the temporary workdir; A is dossier, B the reference):", ""]
    for row in rows:
        b = f" · B `{row.b.text(work)}`" if row.b is not None else ""
        lines.append(f"- {row.label}: A `{row.a.text(work)}`{b}")
    return lines


# --- main -------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 persons, 3 runs, no 100,000 rows")
    parser.add_argument("--big", type=int, help="persons of the large-database rows (default 100,000)")
    parser.add_argument("--count", type=int, help="persons in the corpus (default 10,000)")
    parser.add_argument("--runs", type=int, help="timed runs per command (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", action="append", default=[], help="rows whose label has TEXT")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per command")
    parser.add_argument("--tmp", type=Path, help="parent of the workdir (default: system temp)")
    parser.add_argument("--keep", action="store_true", help="keep the workdir")
    args = parser.parse_args(argv)
    args.count = args.count or (2_000 if args.quick else 10_000)
    args.runs = args.runs or (3 if args.quick else 5)
    args.big = 0 if args.quick else (args.big or 100_000)
    return args


def wanted(label: str, only: list[str]) -> bool:
    return not only or any(o.lower() in label.lower() for o in only)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dossier-bench-", dir=args.tmp)).resolve()
    w = Paths(work)
    env = child_env(work)
    try:
        rows = [r for r in build_rows(w, args.seed) if wanted(r.label, args.only) and (args.big or not r.big)]
        try:
            db_status = prepare_work(w, args.count, args.seed, env, args.timeout,
                                     big=args.big if any(r.big for r in rows) else 0,
                                     encrypted=any("encryption" in r.label for r in rows))
        except (OSError, subprocess.CalledProcessError) as exc:
            # Without the sqlite-utils reference there is nothing to compare against.
            log(f"cannot prepare the workdir: {exc}")
            return 1
        size = w.corpus.stat().st_size
        print("\n".join(header(args.count, size, args.seed, args.runs, work)), flush=True)
        results = []
        for row in rows:
            log(f"- {row.label}")
            # Memory is steady from run to run: three samples are enough.
            runs = min(args.runs, 3) if row.measure == "rss" else args.runs
            a_status = db_status if row.needs_db else ""
            result = measure_row(row, runs, env, work, args.timeout, a_status)
            if row.measure == "rss":
                results.append(per_input_size(result, size))
            results.append(result)
        print("\n".join(table(results) + commands_section(rows, work)))
    finally:
        if args.keep:
            log(f"workdir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
