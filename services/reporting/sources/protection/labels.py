"""Vietnamese and English labels of the protection indicators on the report page (the groups' names
come from ``data/protection_rules.yaml``)."""

from shared.rules import protection

LABELS = {
    "special_circumstances_0_8": ("Trẻ 0-8 tuổi có hoàn cảnh đặc biệt",
                                  "Children 0-8 in special circumstances"),
    "special_circumstances_supported": (
        "Trẻ có hoàn cảnh đặc biệt được hỗ trợ (trợ cấp, chăm sóc thay thế, dịch vụ)",
        "Children in special circumstances receiving support"),
    "allowance_coverage": ("Trẻ thuộc diện hưởng trợ cấp xã hội được chi trả (NĐ 20/2021)",
                           "Eligible children paid a monthly social allowance (Decree 20/2021)"),
    "protection_cases_opened": ("Vụ việc bảo vệ trẻ em mở trong kỳ", "Protection cases opened in the period"),
    "protection_cases_closed": ("Vụ việc đóng trong kỳ", "Protection cases closed in the period"),
}


def protection_label(key: str) -> tuple[str, str]:
    if key in LABELS:
        return LABELS[key]
    for code, text in protection.rules()["special_circumstances"].items():
        if key == f"special_circumstances_{code}_0_8":
            vi, _, en = text.partition(" / ")
            return f"Nhóm {code}: {vi} (0-8 tuổi)", f"Group {code}: {en}, 0-8 years"
    if key.startswith("protection_plan_within_"):
        days = key.removeprefix("protection_plan_within_").removesuffix("d")
        return (f"Vụ việc có kế hoạch hỗ trợ trong {days} ngày",
                f"Cases with a support plan within {days} days")
    return key.replace("_", " "), "protection: counts of 1-4 are shown as <5"
