"""Vietnamese names for synthetic children: family, middle and given names, Kinh and the main ethnic
minorities of the northern uplands (Thái, Mông, Dao, Hà Nhì...), roughly as common as they are; the
carer (the mother, mostly) and the village (thôn, bản or tổ dân phố) a birth record may name.
"""

import random

KINH_FAMILIES = {"Nguyễn": 38, "Trần": 11, "Lê": 9, "Phạm": 7, "Hoàng": 5, "Vũ": 4, "Đặng": 2, "Bùi": 2,
                 "Đỗ": 2, "Hồ": 1, "Ngô": 1, "Dương": 1}
MINORITY_FAMILIES = {
    "Thái": ["Lò", "Lường", "Tòng", "Quàng", "Cầm", "Điêu", "Vì", "Hoàng"],
    "Mông": ["Giàng", "Sùng", "Vàng", "Thào", "Lý", "Hầu", "Lầu", "Mùa", "Hạng"],
    "Dao": ["Tẩn", "Chảo", "Phàn", "Lý", "Đặng", "Triệu"],
    "Hà Nhì": ["Lò", "Ly", "Chu", "Phu", "Pờ"],
}
OTHER_FAMILIES = ["Lò", "Lý", "Vàng", "Hoàng", "Lù", "Pờ"]
MIDDLE = {("Kinh", "male"): ["Văn", "Đức", "Minh", "Quang", "Hữu", "Gia"],
          ("Kinh", "female"): ["Thị", "Ngọc", "Thu", "Thanh", "Khánh", "Bảo"],
          ("Mông", "male"): ["A", "Văn", "Seo"], ("Mông", "female"): ["Thị", "Mí"],
          (None, "male"): ["Văn"], (None, "female"): ["Thị"]}
GIVEN = {"male": ["An", "Bảo", "Minh", "Khang", "Nam", "Phúc", "Huy", "Đức", "Tuấn", "Long", "Quân", "Hải",
                  "Sơn", "Dũng", "Tú", "Páo", "Sính", "Chứ", "Lả", "Pao", "Thắng", "Hùng"],
         "female": ["Anh", "Linh", "Mai", "Lan", "Hương", "Ngọc", "Vy", "Trang", "Thảo", "Nhi", "Hà", "Dung",
                    "Mỷ", "Sua", "Pàng", "Xuân", "Hoa", "Chi"]}


def full_name(rng: random.Random, ethnicity: str, sex: str) -> str:
    """A name as the birth certificate writes it: family, middle, given."""
    if ethnicity == "Kinh":
        family = rng.choices(list(KINH_FAMILIES), weights=list(KINH_FAMILIES.values()))[0]
    else:
        family = rng.choice(MINORITY_FAMILIES.get(ethnicity, OTHER_FAMILIES))
    middle = MIDDLE.get((ethnicity, sex)) or MIDDLE[(None, sex)]
    return f"{family} {rng.choice(middle)} {rng.choice(GIVEN[sex])}"


HAMLETS = ["Na Pheo", "Hua Bum", "Pa Tần", "Nậm Cung", "Phiêng Kham", "Huổi Luông", "Tả Phìn", "Sì Choang",
           "Nà Luông", "Cò Lá", "Mường Mô", "Pa Vây Sử"]


def carer_name(rng: random.Random, ethnicity: str) -> str:
    """The child's carer as the birth record names them: most often the mother, a woman's name."""
    return full_name(rng, ethnicity, "female")


def village(rng: random.Random, ethnicity: str, town: bool) -> str:
    """A village as people write it: a tổ dân phố in a town, a thôn for Kinh, a bản in the uplands."""
    if town:
        return f"Tổ dân phố {rng.randint(1, 12)}"
    return f"Thôn {rng.randint(1, 15)}" if ethnicity == "Kinh" else f"Bản {rng.choice(HAMLETS)}"
