from django.db import migrations

# The six dimensions of the seed; staff edit weights, add or deactivate dimensions in the admin afterwards.
SEED = [
    (
        "color_matching",
        "颜色搭配",
        "成品颜色与设计是否一致：色相、明度、饱和度准确，配色和谐，渐变过渡自然，不脏色、不偏色。",
    ),
    (
        "pattern_precision",
        "图案精度",
        "图案的形状、位置、比例和线条是否按设计准确还原，各指之间是否对称统一。",
    ),
    (
        "detail_work",
        "细节处理",
        "甲缘与边缘是否干净整齐，线条粗细均匀，饰品端正牢固，封层平滑、无气泡、无溢胶。",
    ),
    (
        "composition",
        "整体构图",
        "图案在甲面上的布局、留白与重心是否得当，各指之间节奏协调，整体观感统一。",
    ),
    (
        "technique",
        "技法运用",
        "晕染、拉线、法式、渐变、贴饰等技法是否熟练到位，是否达到设计要求的复杂度。",
    ),
    (
        "creativity",
        "创意表达",
        "在还原设计的基础上是否有恰当的个人表达与创新，而不是照搬灵感图。",
    ),
]


def seed(apps, schema_editor):
    AbilityDimension = apps.get_model("abilities", "AbilityDimension")
    for order, (code, name, description) in enumerate(SEED, start=1):
        AbilityDimension.objects.update_or_create(
            code=code,
            defaults={"name": name, "description": description, "weight": 1.0, "active": True, "sort_order": order},
        )


def unseed(apps, schema_editor):
    apps.get_model("abilities", "AbilityDimension").objects.filter(code__in=[s[0] for s in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("abilities", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
