"""Task tables saved one cell per paragraph (legal-documents website) become field-style rows."""
from __future__ import annotations

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
