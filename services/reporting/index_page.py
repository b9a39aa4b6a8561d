"""``GET /``: the page an officer opens first, listing what their token lets them open.

With a valid token: who they are (user, roles in Vietnamese, system), then for each area of the
token (and, under a province or district, each of its communes) the links their rights allow:
``read:indicators`` the report page (today, and by commune above a commune), the dashboard, the
year's workbook and CSV and the reports published for the area; ``read:child`` a commune's list of
children missing the package (CSV); ``write:programme`` a commune's programme form for this
half-year. Nothing of an area outside the token is listed. No token, or a bad one: a 401 page in
Vietnamese and English saying how to get a token and how to send it. Pure but for the published
reports (``publishing.listed_for``: one query, only those the token covers), so the page is
built from the identity and the date.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.reporting.report_page import LEVELS, STYLE, templates, vn_date
from shared.kit.identity import Identity
from shared.kit.url_args import page_url
from shared.rules import access
from shared.rules.admin_units import CURRENT, CURRENT_MAP_FROM, LEGACY, AdminUnits

ROLES = {"commune_officer": "Cán bộ cấp xã / commune officer",
         "district_officer": "Cán bộ cấp huyện / district officer",
         "province_officer": "Cán bộ cấp tỉnh / province officer",
         "health_worker": "Nhân viên y tế / health worker", "teacher": "Giáo viên / teacher",
         "civil_registrar": "Công chức hộ tịch / civil registrar",
         "protection_officer": "Cán bộ bảo vệ trẻ em / protection officer",
         "auditor": "Kiểm tra viên / auditor", "operator": "Vận hành / operator",
         "service": "Dịch vụ / service"}
COMMUNES_LIMIT = 1000  # communes listed under one area at most (a province has a few hundred)
STYLE_EXTRA = ("ul.links{padding-left:1.2em}ul.links li{margin:.2em 0}"
               ".commune{border-top:1px solid #ccc;padding:.3em 0}.commune a{margin-right:.8em}")


@dataclass(frozen=True)
class Link:
    vi: str
    en: str
    href: str


def area_links(code: str, level: str, on: date, rights: frozenset[str]) -> list[Link]:
    """What the rights allow for one area, as of ``on`` (the day the links ask for)."""
    found: list[Link] = []
    if "read:indicators" in rights:
        report = {"area": code, "as_of": on.isoformat(), "format": "html"}
        found.append(Link("Báo cáo chỉ số", "indicator report", page_url("/indicators", **report)))
        if level != "commune":
            found.append(Link("Báo cáo theo xã, phường", "report by commune",
                              page_url("/indicators", **report, by="commune")))
        day = on.isoformat()  # a legacy area's links must ask for a day of its map
        found += [Link("Bảng điều khiển", "dashboard", page_url("/dashboard", area=code, as_of=day)),
                  Link(f"Sổ tính Excel {on.year}", f"workbook {on.year}",
                       page_url(f"/reports/{code}/{on.year}.xlsx", as_of=day)),
                  Link(f"Tệp CSV {on.year}", f"CSV {on.year}",
                       page_url(f"/reports/{code}/{on.year}.csv", as_of=day))]
    if level == "commune" and "read:child" in rights:
        found.append(Link("Trẻ chưa đủ gói dịch vụ (CSV)", "children missing the package (CSV)",
                          page_url("/package/missing", commune=code, as_of=on.isoformat())))
    if level == "commune" and "write:programme" in rights:
        half = f"{on.year}-H{1 if on.month <= 6 else 2}"
        found.append(Link(f"Nhập số liệu chương trình {half}", f"programme figures {half}",
                          page_url("/programme/form", commune=code, period=half)))
    return found


def published_links(reports: Iterable[dict]) -> list[Link]:
    return [Link(f"Báo cáo đã công bố {vn_date(r['period']['start'])} – {vn_date(r['period']['end'])}, "
                 f"phiên bản {r['version']}", f"published report, version {r['version']}",
                 page_url(f"/reports/published/{r['report_id']}", format="html")) for r in reports]


def _placed(code: str, today: date, units: AdminUnits) -> tuple[str, str, date] | None:
    """(level, map, the day its links ask for): today on today's map, the legacy map's last day for
    a code only that map knows (a district); None for a code neither knows."""
    level = units.area_level(code, units.map_on(today))
    if level:
        return level, units.map_on(today), today
    level = units.area_level(code, LEGACY)
    return (level, LEGACY, CURRENT_MAP_FROM - timedelta(days=1)) if level else None


def areas(who: Identity, today: date, units: AdminUnits,
          published: Callable[[list[str]], dict[str, list[dict]]]) -> list[dict[str, Any]]:
    """Each area of the token with its links, and the communes under it with theirs."""
    rights, found = access.rights_of(who.roles), []
    for code in who.areas:
        placed = _placed(code, today, units)
        if placed is None:
            continue
        level, map_version, on = placed
        under = units.communes_in(code, map_version)[:COMMUNES_LIMIT] if level != "commune" else []
        shown = published([code, *(c.code for c in under)]) if "read:indicators" in rights else {}
        found.append({"code": code, "name": units.area_name(code, map_version) or code,
                      "level": LEVELS[level], "as_of": vn_date(on.isoformat()),
                      "legacy": map_version != CURRENT,
                      "links": area_links(code, level, on, rights) + published_links(shown.get(code, [])),
                      "communes": [{"code": c.code, "name": c.name,
                                    "links": area_links(c.code, "commune", on, rights)
                                    + published_links(shown.get(c.code, []))} for c in under]})
    return found


def render_index(who: Identity, today: date, units: AdminUnits,
                 published: Callable[[list[str]], dict[str, list[dict]]]) -> str:
    listed = areas(who, today, units, published)
    return templates().get_template("index.html").render(
        title="Trẻ em 0-8 tuổi / every child 0-8", style=STYLE + STYLE_EXTRA, who=who,
        roles=[ROLES.get(role, role) for role in who.roles], areas=listed, today=vn_date(today.isoformat()),
        reads="read:indicators" in access.rights_of(who.roles))


def render_sign_in(reason: str) -> str:
    """The 401 page: how to get a token and how to send it, in Vietnamese and English."""
    return templates().get_template("sign_in.html").render(title="Cần đăng nhập / sign-in needed",
                                                           style=STYLE, reason=reason)
