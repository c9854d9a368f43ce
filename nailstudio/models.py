"""Nail studio records: customers and their profiles, inspirations, design plans (with versions), services.

Images are private: fields named ``image``/``actual_image`` hold ``core.private_media`` storage names, never URLs.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def validate_hex_colours(value) -> None:
    if not isinstance(value, list) or not all(isinstance(c, str) and HEX_COLOUR.match(c) for c in value):
        raise ValidationError("颜色必须是 #RRGGBB 列表 (colours must be a list of #RRGGBB)")


def validate_word_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise ValidationError("必须是非空字符串列表 (must be a list of non-empty strings)")


class NailShape(models.TextChoices):
    ALMOND = "almond", "杏仁形"
    SQUARE = "square", "方形"
    OVAL = "oval", "椭圆形"
    ROUND = "round", "圆形"
    SQUOVAL = "squoval", "方圆形"
    COFFIN = "coffin", "芭蕾形"
    STILETTO = "stiletto", "尖形"


class NailSize(models.TextChoices):
    SMALL = "small", "小"
    MEDIUM = "medium", "中"
    LARGE = "large", "大"


class Customer(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nail_customers"
    )
    name = models.CharField("姓名", max_length=64)
    phone = models.CharField("电话", max_length=32, blank=True)
    notes = models.TextField("备注", max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "顾客"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "name"]), models.Index(fields=["owner", "phone"])]

    def __str__(self) -> str:
        return self.name


class CustomerProfile(models.Model):
    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, related_name="profile")
    nail_shape = models.CharField("甲形", max_length=16, choices=NailShape.choices, default=NailShape.ALMOND)
    nail_size = models.CharField("甲床大小", max_length=8, choices=NailSize.choices, default=NailSize.MEDIUM)
    nail_condition = models.CharField("指甲状况", max_length=200, blank=True)
    color_preferences = models.JSONField(
        "喜欢的颜色", default=list, blank=True, validators=[validate_hex_colours]
    )
    style_preferences = models.JSONField(
        "喜欢的风格", default=list, blank=True, validators=[validate_word_list]
    )
    prohibitions = models.JSONField("禁忌", default=list, blank=True, validators=[validate_word_list])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "顾客档案"

    def __str__(self) -> str:
        return f"{self.customer} 档案"


class CustomerPhoto(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="photos")
    image = models.CharField("图片", max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "档案照片"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer} 照片 #{self.pk}"


class InspirationImage(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nail_inspirations"
    )
    image = models.CharField("图片", max_length=200)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "灵感图"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"灵感图 #{self.pk}"

    @property
    def tag_names(self) -> list[str]:
        return sorted(tag.name for tag in self.tags.all())


class InspirationTag(models.Model):
    inspiration = models.ForeignKey(InspirationImage, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField("标签", max_length=32)

    class Meta:
        verbose_name = verbose_name_plural = "灵感标签"
        constraints = [models.UniqueConstraint(fields=["inspiration", "name"], name="nail_tag_unique")]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name


class DesignPlan(models.Model):
    class Target(models.TextChoices):
        SINGLE = "single", "单甲"
        FIVE = "5nails", "五指"
        TEN = "10nails", "十指"

    class Complexity(models.TextChoices):
        LOW = "low", "简单"
        MEDIUM = "medium", "中等"
        HIGH = "high", "复杂"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        GENERATING = "generating", "生成中"
        READY = "ready", "已完成"
        FAILED = "failed", "失败"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nail_designs")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="designs")
    inspiration_images = models.ManyToManyField(InspirationImage, blank=True, related_name="designs")
    ai_prompt = models.TextField("生成提示词", blank=True)
    custom_prompt = models.TextField("自定义要求", max_length=1000, blank=True)
    design_target = models.CharField("设计对象", max_length=8, choices=Target.choices, default=Target.FIVE)
    image = models.CharField("设计图", max_length=200, blank=True)
    design_description = models.TextField("说明", blank=True)
    # Versions: every refinement of a design shares its lineage; parent_design is the version it was refined from.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    parent_design = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="refinements",
        verbose_name="上一版本",
    )
    refinement_prompt = models.TextField("修改要求", max_length=500, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    estimated_duration_min = models.PositiveIntegerField("预计最短分钟", null=True, blank=True)
    estimated_duration_max = models.PositiveIntegerField("预计最长分钟", null=True, blank=True)
    material_list = models.JSONField("材料", default=list, blank=True)
    complexity = models.CharField("复杂度", max_length=8, choices=Complexity.choices, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField("错误", max_length=255, blank=True)
    provider = models.CharField("生成方", max_length=32, blank=True)
    cost = models.DecimalField("成本 (CNY)", max_digits=10, decimal_places=4, default=0)
    credits_charged = models.PositiveIntegerField("扣除积分", default=0)
    # The design result cache (services/design_cache.py): what determined the image, hashed; a copy is from_cache.
    cache_key = models.CharField("缓存键", max_length=64, blank=True)
    from_cache = models.BooleanField("来自缓存", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    generated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "设计方案"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="nail_design_version_unique"),
            models.CheckConstraint(
                condition=Q(estimated_duration_min__isnull=True)
                | Q(estimated_duration_max__gte=models.F("estimated_duration_min")),
                name="nail_design_minutes_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["owner", "customer"]),
            models.Index(fields=["owner", "cache_key"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer} 设计 v{self.version}"


class DesignDay(models.Model):
    """Per-day design totals (Asia/Shanghai) for the staff stats, written as requests and generations happen."""

    date = models.DateField("日期", unique=True)
    requests = models.PositiveIntegerField("请求", default=0)
    cache_hits = models.PositiveIntegerField("缓存命中", default=0)
    generated = models.PositiveIntegerField("生成", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    cost = models.DecimalField("成本（元）", max_digits=14, decimal_places=6, default=0)
    credits = models.PositiveIntegerField("积分", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "设计日统计"
        ordering = ["-date"]

    def __str__(self) -> str:
        return self.date.isoformat()


class ServiceRecord(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待完成"
        COMPLETED = "completed", "已完成"

    class ComparisonStatus(models.TextChoices):
        NONE = "", "无"
        PENDING = "pending", "对比中"
        READY = "ready", "已对比"
        FAILED = "failed", "对比失败"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nail_services"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="services")
    design_plan = models.ForeignKey(
        DesignPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="services"
    )
    service_date = models.DateField("服务日期")
    service_duration = models.PositiveIntegerField("用时（分钟）", null=True, blank=True)
    actual_image = models.CharField("成品照片", max_length=200, blank=True)
    notes = models.TextField("备注", max_length=2000, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    comparison_status = models.CharField(
        "对比状态", max_length=16, choices=ComparisonStatus.choices, default="", blank=True
    )
    comparison_error = models.CharField("对比错误", max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "服务记录"
        ordering = ["-service_date", "-id"]
        indexes = [models.Index(fields=["owner", "service_date"]), models.Index(fields=["owner", "customer"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.service_date}"


class ComparisonResult(models.Model):
    ASPECTS = ("color", "pattern", "detail", "composition")

    service = models.OneToOneField(ServiceRecord, on_delete=models.CASCADE, related_name="comparison")
    similarity_score = models.PositiveSmallIntegerField("相似度")
    differences = models.JSONField("差异", default=dict)
    suggestions = models.JSONField("建议", default=list)
    # Per ability dimension (abilities app): {code: {"score": 0–100, "evidence": "<why>"}}.
    dimension_scores = models.JSONField("分项得分", default=dict)
    provider = models.CharField("分析方", max_length=32, blank=True)
    analyzed_at = models.DateTimeField("分析时间")

    class Meta:
        verbose_name = verbose_name_plural = "效果对比"
        constraints = [
            models.CheckConstraint(
                condition=Q(similarity_score__gte=0) & Q(similarity_score__lte=100),
                name="nail_similarity_0_100",
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.similarity_score}"
