"""Task tables saved one cell per paragraph (legal-documents website), or flattened into one line
per cell fragment (gazette PDFs converted to text), become field-style rows."""
from __future__ import annotations

import pytest

from pipeline import cell_tables
from pipeline.cell_tables import rebuild
from pipeline.normalize import normalize

from .conftest import BULK

# t_ec00bd6f58be7864.txt (Quyết định 2597/QĐ-TTg), its appendix as the website saved it
WEBSITE_TABLE = """STT

Tên nhiệm vụ/dự
án

Cơ quan chủ trì

Cơ quan phối hợp

Kết quả dự kiến

Thời gian triển
khai

I

CƠ CHẾ, CHÍNH SÁCH

1

Rà soát toàn diện các luật, nghị định, thông tư
có liên quan đến đầu tư xây dựng, quản lý, khai thác kết cấu hạ tầng để cập
nhật, bổ sung nội dung về chuyển đổi số

Bộ Xây dựng

Các bộ, ngành liên
quan

Các Văn bản quy phạm
pháp luật được sửa đổi, bổ sung

2026

2

Đề xuất sửa đổi hoặc ban hành mới các quy định về
giá trị pháp lý của dữ liệu điện tử

Bộ Xây dựng

Các bộ, ngành liên
quan

Các Văn bản quy phạm pháp luật được ban hành mới hoặc sửa đổi, bổ sung

2026 - 2027
"""


def test_website_table_rows_become_field_rows():
    text = normalize(WEBSITE_TABLE, hard_wrapped=True)
    assert "I. CƠ CHẾ, CHÍNH SÁCH" in text
    assert ("1. Rà soát toàn diện các luật, nghị định, thông tư có liên quan đến đầu tư xây dựng, quản lý, khai thác "
            "kết cấu hạ tầng để cập nhật, bổ sung nội dung về chuyển đổi số\nCơ quan chủ trì: Bộ Xây dựng\n"
            "Cơ quan phối hợp: Các bộ, ngành liên quan\n"
            "Kết quả dự kiến: Các Văn bản quy phạm pháp luật được sửa đổi, bổ sung\nThời gian triển khai: 2026") in text
    assert "2. Đề xuất sửa đổi" in text and text.endswith("Thời gian triển khai: 2026 - 2027")


def test_tables_without_a_lead_column_stay_as_they_are():
    lines = ["STT", "", "Tiêu chí thi đua", "", "Điểm chuẩn", "", "1", "", "Tỷ lệ người hưởng trợ cấp", "", "20"]
    assert rebuild(lines) == lines


def test_bare_numbers_in_cells_do_not_start_rows():
    lines = ["TT", "", "Nhiệm vụ", "", "Cơ quan chủ trì", "", "Thời gian", "", "1", "", "Tổ chức 20 lớp tập huấn",
             "", "Sở Y tế", "", "2026", "", "2", "", "Kiểm tra", "", "Sở Tài chính", "", "2027"]
    out = [x for x in rebuild(lines) if x]
    assert out == ["1. Tổ chức 20 lớp tập huấn", "Cơ quan chủ trì: Sở Y tế", "Thời gian: 2026",
                   "2. Kiểm tra", "Cơ quan chủ trì: Sở Tài chính", "Thời gian: 2027"]


def test_real_plan_appendix_gives_assignments_with_deadlines():
    from pipeline.components import run_components
    from pipeline.document import Doc
    from pipeline.ingest import read

    raw = read(str(BULK / "t_f004d93b21e7fc5f.txt"))
    doc = run_components(Doc(text=normalize(raw.text, raw.hard_wrapped)))
    rows = [a for a in doc.spans["assignments"] if a.section.startswith("PL.")]
    assert len(rows) >= 20
    first = rows[0]
    assert [m.canonical for m in first.lead] == ["Sở Tư pháp"]
    assert first.deadline is not None and first.deadline.date.isoformat() == "2030-12-31"


# --- tables flattened into cell fragments (gazette PDFs converted to text by other tools) -------
# The fragments are real lines of ../shared/corpus/bulk/c_nghi-quyet-so-100-nq-cp-469357.txt and
# c_nghi-quyet-so-116-nq-cp-469463.txt (one line per wrapped piece of a cell, no blank lines).

FRAGMENT_HEADER = ["TT", "Tên nhiệm vụ", "Cơ quan", "chủ trì", "Cơ", "quan", "phối hợp",
                   "Kết quả/Đánh giá", "Thời", "hạn", "hoàn thành"]
NARROW_ROW = ["1.", "Tổ chức tuyên truyền, phổ biến, quán triệt thường",
              "xuyên, sâu rộng về nội dung Chỉ thị số 49-CT/TW",
              "địa phương và cấp cơ sở.", "Bộ Ngoại", "giao", "Các", "Bộ,", "ngành,", "địa",
              "phương, Ủy", "ban Công tác", "về", "các", "tổ", "chức", "PCPNN,", "VTV, VOV,", "TTXVN",
              "Hội nghị, tập huấn,", "báo cáo. Bảo đảm", "100% cán bộ, đảng", "viên được quán", "triệt.",
              "Thực", "hiện", "thường", "xuyên, lồng", "ghép"]
WIDE_ROWS = ["1", "Rà soát xây dựng, điều chỉnh các", "quy hoạch ngành, quy hoạch có tính",
             "chất chuyên ngành.", "Các bộ, UBND", "các tỉnh,", "thành phố", "Các bộ,", "cơ quan,",
             "địa phương", "Năm", "2026 - 2027",
             "2", "Điều chỉnh các quy trình vận hành", "liên hồ, đơn hồ chứa thuỷ điện.",
             "Bộ NN&MT, Bộ Công", "Thương, các địa phương", "Các bộ, cơ quan", "Năm 2026",
             "3", "Xây dựng và diễn tập các kịch bản phòng ngừa, ứng phó, khắc phục hậu quả thiên tai",
             "Các bộ, cơ quan, địa phương", "Hằng năm"]


def rebuilt(lines):
    return [x for x in cell_tables.rebuild_fragments(lines) if x]


SECOND_ROW = ["2.", "Đẩy mạnh chuyển đổi số.", "Bộ Ngoại", "giao", "Các", "Bộ,", "ngành", "Chương trình",
              "Thực", "hiện"]


def test_fragment_header_and_a_narrow_column_row():
    out = rebuilt(FRAGMENT_HEADER + NARROW_ROW + SECOND_ROW)
    assert out[0].startswith("1. Tổ chức tuyên truyền") and out[0].endswith("cấp cơ sở.")
    assert out[1:5] == [
        "Cơ quan chủ trì: Bộ Ngoại giao",
        "Cơ quan phối hợp: Các Bộ, ngành, địa phương, Ủy ban Công tác về các tổ chức PCPNN, VTV, VOV, TTXVN",
        "Kết quả/Đánh giá: Hội nghị, tập huấn, báo cáo. Bảo đảm 100% cán bộ, đảng viên được quán triệt.",
        "Thời hạn hoàn thành: Thực hiện thường xuyên, lồng ghép",
    ]
    assert out[5:7] == ["2. Đẩy mạnh chuyển đổi số.", "Cơ quan chủ trì: Bộ Ngoại giao"]


def test_wrapped_names_years_and_merged_cells():
    out = rebuilt(FRAGMENT_HEADER[:1] + ["Nội dung, nhiệm vụ", "Cơ quan chủ", "trì thực hiện", "Cơ quan",
                                         "phối hợp", "Thời gian"] + WIDE_ROWS)
    assert out == [
        "1. Rà soát xây dựng, điều chỉnh các quy hoạch ngành, quy hoạch có tính chất chuyên ngành.",
        "Cơ quan chủ trì thực hiện: Các bộ, UBND các tỉnh, thành phố",
        "Cơ quan phối hợp: Các bộ, cơ quan, địa phương",
        "Thời gian: Năm 2026 - 2027",
        "2. Điều chỉnh các quy trình vận hành liên hồ, đơn hồ chứa thuỷ điện.",
        "Cơ quan chủ trì thực hiện: Bộ NN&MT, Bộ Công Thương, các địa phương",
        "Cơ quan phối hợp: Các bộ, cơ quan",
        "Thời gian: Năm 2026",
        # a merged co-operation cell: the time goes under the time column
        "3. Xây dựng và diễn tập các kịch bản phòng ngừa, ứng phó, khắc phục hậu quả thiên tai",
        "Cơ quan chủ trì thực hiện: Các bộ, cơ quan, địa phương",
        "Thời gian: Hằng năm",
    ]


def test_header_repeated_on_the_next_page_continues_the_row():
    header = ["TT", "Nội dung, nhiệm vụ", "Cơ quan chủ", "trì thực hiện", "Cơ quan", "phối hợp", "Thời gian"]
    lines = header + ["1", "Hoàn thiện các quy định về xử lý, giải quyết trong tình huống khẩn",
                      "Bộ NN&MT", "Bộ Tư pháp,"] + header + ["cấp.", "các bộ, cơ quan", "Năm 2026",
                                                             "2", "Rà soát, sắp xếp tổ chức bộ máy.", "Bộ Nội vụ",
                                                             "Các bộ", "Năm 2027"]
    out = rebuilt(lines)
    assert out[:4] == [
        "1. Hoàn thiện các quy định về xử lý, giải quyết trong tình huống khẩn cấp.",
        "Cơ quan chủ trì thực hiện: Bộ NN&MT",
        "Cơ quan phối hợp: Bộ Tư pháp, các bộ, cơ quan",
        "Thời gian: Năm 2026",
    ]
    assert out[4] == "2. Rà soát, sắp xếp tổ chức bộ máy." and len(out) == 8


@pytest.mark.parametrize("lines", [
    # cells set apart by blank lines: the paragraph form, left to `rebuild`
    ["STT", "", "Tên thủ tục", "hành chính", "", "Cơ quan thực hiện", "", "1", "", "Thủ tục thẩm định", "", "Bộ Nội vụ"],
    # a header that is not wrapped: the paragraph form too
    ["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời gian", "1", "Rà soát", "Sở Tư pháp", "2026"],
    # no column names who carries the task out
    ["TT", "Tên dự án", "Địa", "điểm", "Tổng vốn", "1", "Đường tỉnh 291", "Bắc Ninh", "120"],
])
def test_other_tables_stay_as_they_are(lines):
    assert cell_tables.rebuild_fragments(lines) == lines


def test_the_table_ends_at_the_signature_and_at_a_new_part():
    rows = FRAGMENT_HEADER + NARROW_ROW + SECOND_ROW
    for tail in (["TM. CHÍNH PHỦ", "THỦ TƯỚNG"], ["PHẦN II", "NỘI DUNG CỤ THỂ"]):
        out = cell_tables.rebuild_fragments(rows + tail)
        assert out[-2:] == tail


def test_normalize_rebuilds_the_fragment_table_of_a_gazette_text():
    from pipeline.ingest import read

    raw = read(str(BULK / "c_nghi-quyet-so-100-nq-cp-469357.txt"))
    text = normalize(raw.text, raw.hard_wrapped)
    assert "Cơ quan chủ trì: Bộ Ngoại giao\nCơ quan phối hợp: Các Bộ, ngành, địa phương" in text
