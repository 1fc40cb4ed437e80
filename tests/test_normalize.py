"""Normalization on real text: every case is taken from the dev corpus."""
from __future__ import annotations

import pytest

from pipeline.normalize import clean_chars, normalize, wrap_width

from .conftest import read_dev_text


def test_nfc_and_lookalike_eth():
    decomposed = "Nghi\u0323 quyê\u0301t sô\u0301 59-NQ/TW \u00d0a\u0309ng"
    assert clean_chars(decomposed) == "Nghị quyết số 59-NQ/TW Đảng"


def test_line_endings_and_spaces():
    assert normalize("Số:  105/NQ-CP\r\nHà Nội\r") == "Số: 105/NQ-CP\nHà Nội"


WRAPPED = """ỦY BAN NHÂN
DÂN
THÀNH PHỐ CẦN THƠ
--------

CỘNG HÒA XÃ
HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------

Số: 153/KH-UBND

Cần Thơ, ngày
17 tháng 11 năm 2025

KẾ HOẠCH

Thực hiện Quyết định số
7619/QĐ-BCA ngày 08 tháng 9 năm 2025 của Bộ Công an phê duyệt Chương trình mục
tiêu quốc gia phòng, chống ma túy đến năm 2030 (sau đây viết tắt là Chương
trình), Ủy ban nhân dân thành phố ban hành Kế hoạch triển khai thực hiện với
các nội dung như sau:

I. MỤC
ĐÍCH, YÊU CẦU

1. Mục
đích

a) Triển khai nghiêm túc, chất
lượng và hiệu quả Nghị quyết số 163/2024/QH15 ngày 27 tháng 11 năm 2025 phê duyệt
chủ trương đầu tư Chương trình mục tiêu quốc gia phòng, chống ma túy đến năm
2030; Nghị quyết số 50/NQ-CP ngày 13 tháng 3 năm 2025 của Chính phủ ban hành Kế
hoạch triển khai thực hiện Nghị quyết 163/2024/QH15.
"""


def test_hard_wrapped_website_text_is_rejoined():
    text = normalize(WRAPPED)
    lines = text.split("\n")
    assert "Cần Thơ, ngày 17 tháng 11 năm 2025" in lines
    assert "I. MỤC ĐÍCH, YÊU CẦU" in lines
    assert "1. Mục đích" in lines
    assert any(line.startswith("Thực hiện Quyết định số 7619/QĐ-BCA ngày 08") and line.endswith("như sau:") for line in lines)
    assert any(line.startswith("a) Triển khai nghiêm túc, chất lượng") and line.endswith("163/2024/QH15.") for line in lines)
    assert "KẾ HOẠCH" in lines


def test_bare_marker_joins_its_item():  # d01_ct_09_ubnd.txt: "1.\nCác cơ quan …"
    text = normalize(read_dev_text("d01_ct_09_ubnd.txt"))
    assert "\n1. Các cơ quan quản lý nhà nước, tổ chức, cá nhân liên quan có trách nhiệm" in text
    assert "\n8. Giám đốc Sở, Thủ trưởng cơ quan, ban, ngành\n" in text
    assert "\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nTrần Chí Hùng" in text


def test_website_chrome_is_cut():  # d09: banner, metadata panel and summary before the header
    text = normalize(read_dev_text("d09_cd_226_ttg.txt"))
    assert text.startswith("THỦ TƯỚNG CHÍNH PHỦ\n")
    assert "THƯ VIỆN PHÁP LUẬT" not in text
    assert "Loại văn bản:" not in text
    assert "\na) Rà soát các mặt hàng dự trữ quốc gia bảo đảm chủng loại" in text


def test_website_tail_is_cut():  # seed_000: "Nguồn tra cứu: vanban.phaplyvn.com"
    text = normalize(read_dev_text("seed_000_ct_cantho_2025.txt"))
    assert text.endswith("CHỦ TỊCH\nTrần Việt Trường")


def test_markdown_bold_removed_separators_kept():  # seed_002 signature: "**T/M BAN THƯỜNG VỤ"
    text = normalize(read_dev_text("seed_002_ctr_cantho_kl42.txt"))
    assert "**" not in text
    assert "T/M BAN THƯỜNG VỤ\nPHÓ BÍ THƯ" in text
    assert normalize("CHÍNH PHỦ\n_________\nSố: 1") == "CHÍNH PHỦ\n_________\nSố: 1"


def test_gazette_running_header_and_stamp_removed():
    raw = ("Điều 1. Nghị định này ban hành Biểu thuế xuất khẩu ưu đãi, Biểu thuế nhập khẩu ưu \n"
           "Người ký: Cổng Thông tin điện tử Chính phủ\nEmail: thongtinchinhphu@chinhphu.vn\n"
           "Cơ quan: Văn phòng Chính phủ\nThời gian ký: 13.03.2023 09:29:10 +07:00\n\n \n \n"
           "CÔNG BÁO/Số 503 + 504/Ngày 20-02-2023 \n3 \n \nCộng hòa xã hội chủ nghĩa Việt Nam\n")
    text = normalize(raw, hard_wrapped=False)
    assert "CÔNG BÁO" not in text and "Thời gian ký" not in text and "\n3\n" not in text
    assert text.startswith("Điều 1.") and text.endswith("Cộng hòa xã hội chủ nghĩa Việt Nam")


def test_field_style_lines_are_not_stamps():
    text = "Cơ quan chủ trì: Sở Y tế\nCơ quan phối hợp: Sở Tài chính"
    assert normalize(text, hard_wrapped=False) == text


@pytest.mark.parametrize("name", ["seed_000_ct_cantho_2025.txt", "seed_002_ctr_cantho_kl42.txt"])
def test_paragraph_per_line_text_is_not_unwrapped(name):
    lines = [x.strip() for x in read_dev_text(name).split("\n") if x.strip()]
    assert wrap_width(lines) is None
