"""Hostile inputs made at test time (no binaries in the repository) and a measured runner.

`make_hostile_inputs(folder)` writes one file of each kind a batch from the wild meets and
returns {file name: error types that are a correct diagnosis}; each must become exactly one
errors.parquet row. `run_measured(cmd)` runs a command and samples the RSS summed over its
process tree. `python -m tests.hostile --vanish PATH -- run ARGS...` is `vanban run ARGS...`
with PATH deleted right after the run has hashed it (a file that disappears during the run).
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

from pipeline.bench import PeakTreeRSS, snapshot_env  # noqa: F401  (snapshot_env: used by other tests)

ROOT = Path(__file__).resolve().parent.parent
DEV = Path(os.environ.get("VANBAN_SHARED", ROOT.parent / "shared")) / "corpus" / "dev"

# Three good documents (real texts of the dev corpus) that must come through every hostile run.
GOOD = ("seed_000_ct_cantho_2025.txt", "d09_cd_226_ttg.txt", "d11_cd_234_ttg.txt")


def copy_good(folder: Path, names=GOOD) -> list[Path]:
    out = []
    for name in names:
        dst = folder / name
        dst.write_bytes((DEV / name).read_bytes())
        out.append(dst)
    return out


def pdf_with_pages(path: Path, n: int, text: str = "Trang {i}: Điều {i}. Giao Sở Y tế chủ trì thực hiện.") -> None:
    import pymupdf

    doc = pymupdf.open()
    for i in range(n):
        doc.new_page().insert_text((72, 72), text.format(i=i + 1))
    doc.save(str(path))


def zip_bomb(path: Path, mb: int = 50) -> None:
    """A .docx-shaped zip whose document.xml unpacks to `mb` MB (about 1000:1)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w") as fh:
            chunk = b"<w:t>" + b"\0" * (1024 * 1024 - 5)
            for _ in range(mb):
                fh.write(chunk)


def big_text(mb: float) -> str:
    """A long, well-formed and varied document (a pathological size): the body paragraphs of
    real dev texts, each numbered so that no line repeats (normalize drops repeated furniture)."""
    lines = [line for n in ("seed_000_ct_cantho_2025.txt", "seed_002_ctr_cantho_kl42.txt")
             for line in (DEV / n).read_text(encoding="utf-8").split("\n") if len(line) > 80]
    out, size, i = [], 0, 0
    limit = int(mb * 1024 * 1024)
    while size < limit:
        line = f"{lines[i % len(lines)]} (mục {i})"
        out.append(line)
        size += len(line.encode("utf-8")) + 1
        i += 1
    return "\n".join(out) + "\n"


def make_hostile_inputs(folder: Path) -> dict[str, set[str]]:
    """Write the hostile files into `folder`; returns name -> acceptable error types."""
    import pymupdf

    rng = random.Random(20251122)
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, set[str]] = {}

    def put(name: str, data: bytes, types: set[str]) -> None:
        (folder / name).write_bytes(data)
        expected[name] = types

    put("empty.txt", b"", {"empty"})
    put("random_binary.txt", rng.randbytes(256 * 1024), {"binary"})
    good = (DEV / "d13_tb_627_vpcp.txt").read_bytes()
    put("invalid_utf8.txt", good[:3000] + b"\xff\xfe\xc3\x28\xa0" + good[3000:], {"decode_note"})
    whole = (DEV / "p02_qd_798_ttg.pdf").read_bytes()
    put("truncated.pdf", whole[: len(whole) // 2], {"truncated", "corrupt_pdf"})
    doc = pymupdf.open(str(DEV / "p04_nq_113_cp.pdf"))
    doc.save(str(folder / "encrypted.pdf"), encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret",
             owner_pw="owner")
    expected["encrypted.pdf"] = {"encrypted"}
    put("no_pages.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n", {"no_pages"})
    pdf_with_pages(folder / "thousand_pages.pdf", 1000)
    expected["thousand_pages.pdf"] = {"too_many_pages"}
    put("long_line.txt", ("Nghị quyết số 01 " * (20 * 1024 * 1024 // 20)).encode("utf-8"), {"line_too_long"})
    zip_bomb(folder / "bomb.docx")
    expected["bomb.docx"] = {"zip_bomb"}
    put("deep.html", b"<html><body>" + b"<div><span>" * 300_000 + b"</span></div>" * 300_000 + b"</body></html>",
        {"no_text", "empty", "too_deep"})
    put("table.xyz", b"STT;Noi dung\n1;Giao So Y te\n", {"unsupported"})
    os.mkfifo(folder / "unreadable_fifo.txt")
    expected["unreadable_fifo.txt"] = {"not_a_file"}
    if os.geteuid() != 0:  # root reads anything: the fifo stands in for an unreadable file there
        put("unreadable.txt", b"Chi thi so 1", {"permission"})
        os.chmod(folder / "unreadable.txt", 0)
    os.symlink("loop.txt", folder / "loop.txt")
    expected["loop.txt"] = {"broken_link", "symlink_loop"}
    put("vanishing.txt", good, {"not_found"})
    return expected


def run_measured(cmd: list[str], timeout: float = 600, **kw) -> tuple[subprocess.CompletedProcess, int]:
    """Run `cmd`; (completed process, peak RSS in bytes summed over its process tree)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    try:
        with PeakTreeRSS(proc.pid, interval=0.02) as memory:
            out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), memory.peak


def main(argv: list[str]) -> None:
    """`--vanish PATH -- ARGS`: the vanban command line, deleting PATH once it has been hashed."""
    vanish = None
    if argv[:1] == ["--vanish"]:
        vanish, argv = os.path.abspath(argv[1]), argv[2:]
    if argv[:1] == ["--"]:
        argv = argv[1:]
    from pipeline import cli
    from pipeline import run as run_mod

    if vanish:
        real = run_mod.sha256_file

        def hash_then_vanish(path: str) -> str:
            sha = real(path)
            if os.path.abspath(path) == vanish:
                os.unlink(path)
            return sha

        run_mod.sha256_file = hash_then_vanish
    cli.main(argv, prog_name="vanban")


if __name__ == "__main__":
    main(sys.argv[1:])
