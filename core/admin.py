from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services write: staff may look (and delete where ``allow_delete``), never add or edit."""

    allow_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.allow_delete and super().has_delete_permission(request, obj)
