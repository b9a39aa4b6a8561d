"""The dashboard's charts: matplotlib's SVG, inline, named for screen readers, scaling to the page."""

import re
from pathlib import Path

import yaml

from services.reporting.charts import Bar, bars, percent_text

ROWS = [Bar("Tiêm chủng đầy đủ", 62.5, 90.0, "62,5 % (5/8)"),
        Bar("Cân đo <5", None, None, "ẩn / hidden (x/8)"), Bar("Lớp 1 đúng tuổi", 100.0)]


def texts(svg: str) -> list[str]:
    return [re.sub(r"\s+", " ", text).strip() for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def test_percentages_on_charts_are_written_the_vietnamese_way():
    assert (percent_text(75.0), percent_text(62.5), percent_text(25, 0), percent_text(None)) == (
        "75,0 %", "62,5 %", "25 %", "—")


def test_a_chart_is_an_inline_svg_titled_for_screen_readers_that_scales_to_the_page():
    svg = bars("Y tế / Health", ROWS)
    head = svg[:svg.index(">")]
    assert svg.startswith("<svg ") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert ' role="img" aria-label="Y tế / Health"' in head
    assert "viewBox=" in head and " width=" not in head and " height=" not in head
    assert "<title>Y tế / Health</title>" in svg


def test_a_chart_writes_each_figure_its_value_and_the_axis_in_vietnamese():
    found = texts(bars("Y tế / Health", ROWS))
    assert found[:5] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert ["Tiêm chủng đầy đủ", "Cân đo &lt;5", "Lớp 1 đúng tuổi"] == [t for t in found if t in (
        "Tiêm chủng đầy đủ", "Cân đo &lt;5", "Lớp 1 đúng tuổi")]
    assert {"62,5 % (5/8)", "ẩn / hidden (x/8)", "100,0 %", "Mục tiêu"} <= set(found)


def test_a_ranked_chart_draws_its_target_line_with_its_value():
    found = texts(bars("Xã, phường", [Bar("Phường Quyết Tiến", 50.0), Bar("Xã San Thàng", 62.5)], line=90.0))
    assert "Mục tiêu 90,0 %" in found
    assert found.index("Phường Quyết Tiến") < found.index("Xã San Thàng")  # the first row on top


def test_a_name_from_data_cannot_inject_markup_into_the_svg():
    svg = bars("<b>x</b>", [Bar("<script>x</script>", 10.0)])
    assert "<script>" not in svg and "<b>" not in svg
    assert "&lt;script&gt;x&lt;/script&gt;" in svg


def test_a_long_label_is_wrapped_on_two_lines_then_cut():
    found = texts(bars("Bảo vệ", [Bar("Trẻ có hoàn cảnh đặc biệt hoặc có hồ sơ bảo vệ được hỗ trợ", 10.0)]))
    assert found[5:7] == ["Trẻ có hoàn cảnh đặc", "biệt hoặc có hồ sơ bảo…"]  # 24 characters a line


def test_the_reporting_pod_gives_matplotlib_a_writable_folder_on_its_read_only_file_system():
    """matplotlib refuses to import without a writable cache folder: the service would not start."""
    path = Path(__file__).resolve().parents[2] / "deploy" / "k8s" / "base" / "reporting.yaml"
    deployment = next(d for d in yaml.safe_load_all(path.read_text()) if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]
    container = pod["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert env["MPLCONFIGDIR"] == "/tmp/matplotlib" and "emptyDir" in volumes[mounts["/tmp"]]
