"""Text inputs: encodings (UTF-8/16, Windows-1258, TCVN3, VNI) and refused files."""
from __future__ import annotations

import os

import pytest

from pipeline.ingest import IngestError, read
from pipeline.ingest.text import decode, from_tcvn3, from_vni, repair_legacy, restore_upper, to_tcvn3, to_vni
from pipeline.normalize import normalize

from .ingest_fixtures import ROUND_TRIP_DOCS, dev_text, encode, normalized, similarity

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "cp1258", "tcvn3", "vni"]


@pytest.mark.parametrize("name", ROUND_TRIP_DOCS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_encoded_text_gives_back_the_plain_text(tmp_path, name, encoding):
    src = dev_text(name)
    path = tmp_path / f"{name}.txt"
    path.write_bytes(encode(src, encoding))
    raw = read(str(path))
    assert similarity(normalize(src), normalized(raw)) >= 0.97
    expected = {"tcvn3": "tcvn3", "vni": "vni", "cp1258": "cp1258"}.get(encoding)
    if expected:
        assert raw.encoding == expected


@pytest.mark.parametrize("legacy, unicode", [
    # d01_ct_09_ubnd.txt, typed in .VnTime / .VnTimeH
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
    ("ñy ban nh©n d©n thµnh phè CÇn Th¬", "ủy ban nhân dân thành phố Cần Thơ"),  # no code for a capital Ủ
])
def test_tcvn3_letters(legacy, unicode):
    assert from_tcvn3(legacy) == unicode


@pytest.mark.parametrize("legacy, unicode", [
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("ÑOÄC LAÄP - TÖÏ DO - HAÏNH PHUÙC", "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"),
    ("UÛy ban nhaân daân thaønh phoá Caàn Thô", "Ủy ban nhân dân thành phố Cần Thơ"),
])
def test_vni_letters(legacy, unicode):
    assert from_vni(legacy) == unicode


def test_legacy_encoders_are_inverse_of_decoders():
    line = "Ủy ban nhân dân thành phố Cần Thơ giao Sở Tài chính chủ trì, phối hợp"
    assert from_vni(to_vni(line).decode("cp1252")) == line
    assert from_tcvn3(to_tcvn3(line).decode("cp1252")).lower() == line.lower()


def test_upper_case_restored_only_inside_upper_case_words():
    assert restore_upper("CộNG HòA\nHồ Chí Minh") == "CỘNG HÒA\nHồ Chí Minh"


@pytest.mark.parametrize("text", [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025;",
    "Müller, Genève, São Paulo: naïve café crème brûlée déjà vu",   # Latin-1 letters, not Vietnamese
])
def test_unicode_text_is_not_taken_for_legacy(text):
    assert repair_legacy(text) == (text, None)


def test_legacy_font_text_inside_utf8_is_converted():
    # a .VnTime text saved as UTF-8 by a converter that did not know the font
    src = dev_text("d01_ct_09_ubnd")
    data = to_tcvn3(src).decode("cp1252").encode("utf-8")
    dec = decode(data)
    assert dec.encoding == "utf-8+tcvn3"
    assert similarity(normalize(src), normalize(dec.text)) >= 0.97


def test_a_few_invalid_utf8_bytes_are_replaced_with_a_warning(tmp_path):
    src = dev_text("d11_cd_234_ttg").encode("utf-8")
    path = tmp_path / "broken.txt"
    path.write_bytes(src[:2000] + b"\xff\xfe" + src[2000:])
    raw = read(str(path))
    assert raw.encoding == "utf-8"
    assert "\ufffd" in raw.text
    assert raw.warnings and raw.warnings[0].stage == "decode"


@pytest.mark.parametrize("content, stage, error_type", [
    (b"", "read", "empty"),
    (os.urandom(1) * 0 + bytes(range(256)) * 200, "decode", "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 500, "decode", "binary"),
])
def test_refused_text_files(tmp_path, content, stage, error_type):
    path = tmp_path / "input.txt"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert (err.value.stage, err.value.error_type) == (stage, error_type)
    assert str(path) in str(err.value)


def test_a_20_mb_single_line_is_refused(tmp_path):
    path = tmp_path / "dump.txt"
    path.write_bytes(b"Ngh\xe1\xbb\x8b quy\xe1\xba\xbft " * (20 * 1024 * 1024 // 12))
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert err.value.error_type == "line_too_long"


def test_symlink_loop_and_vanished_file(tmp_path):
    loop = tmp_path / "loop.txt"
    os.symlink(loop, loop)
    with pytest.raises(IngestError) as err:
        read(str(loop))
    assert err.value.error_type == "symlink_loop"
    with pytest.raises(IngestError) as err:
        read(str(tmp_path / "gone.txt"))
    assert err.value.error_type == "not_found"


def test_unsupported_extension(tmp_path):
    path = tmp_path / "table.xlsx.bak"
    path.write_bytes(b"some bytes")
    with pytest.raises(IngestError) as err:
        read(str(path))
    assert (err.value.stage, err.value.error_type) == ("read", "unsupported")


def test_pdf_named_txt_is_read_as_pdf(tmp_path, dev_dir):
    path = tmp_path / "really_a_pdf.txt"
    path.write_bytes((dev_dir / "p04_nq_113_cp.pdf").read_bytes())
    raw = read(str(path))
    assert raw.source_format == "pdf" and raw.pages == 2
