"""Bureau names that look like the ones on real reports, drawn deterministically.

Real submissions come from every tier: a city government, a county's department,
a township. The parser has to pull the bureau out of a title such as
``福州市晋安区教育局2021年政府信息公开工作年度报告``, so the corpus must exercise
long names, names ending in 人民政府/办公室/局/委员会, and names that contain digits'
neighbours (区, 县, 镇) right before the year. The place names are real; which
department sits in which county is random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# province -> city -> counties/districts (real names, a small sample of each)
PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "福建省": {
        "福州市": ("鼓楼区", "台江区", "仓山区", "晋安区", "马尾区", "长乐区", "闽侯县", "连江县", "罗源县", "闽清县", "永泰县", "福清市"),
        "厦门市": ("思明区", "湖里区", "集美区", "海沧区", "同安区", "翔安区"),
        "泉州市": ("鲤城区", "丰泽区", "洛江区", "晋江市", "石狮市", "南安市", "惠安县", "安溪县"),
        "平潭综合实验区": (),
    },
    "河南省": {
        "洛阳市": ("老城区", "西工区", "瀍河回族区", "涧西区", "洛龙区", "孟津区", "新安县", "栾川县", "嵩县", "汝阳县", "宜阳县", "洛宁县", "伊川县", "偃师区"),
        "郑州市": ("中原区", "二七区", "金水区", "惠济区", "管城回族区", "新郑市", "登封市", "中牟县"),
    },
    "广东省": {
        "广州市": ("越秀区", "海珠区", "荔湾区", "天河区", "白云区", "黄埔区", "番禺区", "花都区", "从化区", "增城区"),
        "佛山市": ("禅城区", "南海区", "顺德区", "三水区", "高明区"),
    },
    "浙江省": {
        "杭州市": ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "富阳区", "桐庐县", "淳安县", "建德市"),
        "宁波市": ("海曙区", "江北区", "北仑区", "镇海区", "鄞州区", "奉化区", "象山县", "宁海县", "余姚市", "慈溪市"),
    },
    "四川省": {
        "成都市": ("锦江区", "青羊区", "金牛区", "武侯区", "成华区", "龙泉驿区", "双流区", "郫都区", "大邑县", "蒲江县", "都江堰市"),
        "绵阳市": ("涪城区", "游仙区", "安州区", "三台县", "盐亭县", "梓潼县", "江油市"),
    },
    "湖北省": {
        "武汉市": ("江岸区", "江汉区", "硚口区", "汉阳区", "武昌区", "青山区", "洪山区", "东西湖区", "蔡甸区", "江夏区", "黄陂区", "新洲区"),
        "宜昌市": ("西陵区", "伍家岗区", "点军区", "夷陵区", "远安县", "兴山县", "秭归县", "宜都市", "当阳市", "枝江市"),
    },
    "山东省": {
        "济南市": ("历下区", "市中区", "槐荫区", "天桥区", "历城区", "长清区", "章丘区", "平阴县", "商河县"),
        "青岛市": ("市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区", "胶州市", "平度市", "莱西市"),
    },
    "甘肃省": {
        "兰州市": ("城关区", "七里河区", "西固区", "安宁区", "红古区", "永登县", "皋兰县", "榆中县"),
    },
}

# Departments of a city or county government (most common report publishers).
DEPARTMENTS: tuple[str, ...] = (
    "教育局", "公安局", "民政局", "司法局", "财政局", "人力资源和社会保障局", "自然资源局",
    "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局",
    "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局",
    "医疗保障局", "林业局", "城市管理局", "行政审批服务局", "退役军人事务局", "发展和改革委员会",
    "科学技术局", "工业和信息化局", "体育局", "信访局", "人民政府办公室",
)
TOWNS: tuple[str, ...] = (
    "城关镇", "上街镇", "南屿镇", "青口镇", "白沙镇", "东张镇", "新店镇", "宦溪镇", "南通镇",
    "城郊乡", "大湖乡", "红星街道", "东街街道", "鼓山镇", "马尾镇", "琅岐镇", "洋里乡", "关中镇",
)


@dataclass(frozen=True)
class Bureau:
    name: str
    region: str  # "省/市/县" path, for grouping synthetic reports like real ones
    tier: str  # city_gov, city_dept, county_gov, county_dept, township


def draw_bureau(rng: random.Random) -> Bureau:
    """A publisher, weighted towards county departments as in real batches."""
    province = rng.choice(sorted(PLACES))
    city = rng.choice(sorted(PLACES[province]))
    counties = PLACES[province][city]
    roll = rng.random()
    if not counties or roll < 0.08:
        return Bureau(f"{city}人民政府", f"{province}/{city}", "city_gov")
    if roll < 0.30:
        return Bureau(f"{city}{rng.choice(DEPARTMENTS)}", f"{province}/{city}", "city_dept")
    county = rng.choice(counties)
    region = f"{province}/{city}/{county}"
    if roll < 0.38:
        return Bureau(f"{county}人民政府", region, "county_gov")
    if roll < 0.85:
        # city prefix is printed on about half of county-level names (福州市晋安区教育局 vs 晋安区教育局)
        prefix = city if rng.random() < 0.5 else ""
        return Bureau(f"{prefix}{county}{rng.choice(DEPARTMENTS)}", region, "county_dept")
    town = rng.choice(TOWNS)
    return Bureau(f"{county}{town}人民政府", f"{region}/{town}", "township")
