"""Nail studio business logic; views and tasks call only these functions."""

from .customers import (
    add_profile_photo,
    create_customer,
    delete_customer,
    delete_profile_photo,
    profile_of,
    update_customer,
    update_profile,
)
from .designs import aestimate, delete_design, generate, refine_design, request_design
from .inspirations import create_inspiration, delete_inspiration, set_tags
from .records import compare, complete_service, create_service, delete_service, update_service

__all__ = [
    "add_profile_photo",
    "aestimate",
    "compare",
    "complete_service",
    "create_customer",
    "create_inspiration",
    "create_service",
    "delete_customer",
    "delete_design",
    "delete_inspiration",
    "delete_profile_photo",
    "delete_service",
    "generate",
    "profile_of",
    "refine_design",
    "request_design",
    "set_tags",
    "update_customer",
    "update_profile",
    "update_service",
]
