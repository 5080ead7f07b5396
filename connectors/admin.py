"""The Django admin for every model. Saving runs Model.clean(), so Exchange's own error shows next to the field."""

from django.apps import apps
from django.contrib import admin

from . import models


class ServerInline(admin.TabularInline):
    model = models.Server
    extra = 0
    fields = ("name", "fqdn", "version", "roles", "ip_addresses", "mapi_encryption_required")
    show_change_link = True


class AcceptedDomainInline(admin.TabularInline):
    model = models.AcceptedDomain
    extra = 0


@admin.register(models.Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "owner", "baseline", "updated")
    list_select_related = ("owner", "baseline")
    search_fields = ("slug", "name", "description")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("baseline",)
    inlines = (ServerInline, AcceptedDomainInline)


class ReceiveConnectorInline(admin.TabularInline):
    model = models.ReceiveConnector
    extra = 0
    fields = ("name", "transport_role", "enabled", "bindings", "remote_ip_ranges")
    show_change_link = True


@admin.register(models.Server)
class ServerAdmin(admin.ModelAdmin):
    list_display = ("name", "lab", "fqdn", "version", "roles", "ip_addresses")
    list_filter = ("version",)
    list_select_related = ("lab",)
    search_fields = ("name", "fqdn", "lab__slug")
    inlines = (ReceiveConnectorInline,)


class AccessControlEntryInline(admin.TabularInline):
    model = models.AccessControlEntry
    extra = 0
    readonly_fields = ("origin",)


@admin.register(models.ReceiveConnector)
class ReceiveConnectorAdmin(admin.ModelAdmin):
    list_display = ("__str__", "lab", "usage", "transport_role", "enabled", "bindings", "permission_groups")
    list_filter = ("transport_role", "enabled", "usage")
    search_fields = ("name", "server__name", "server__lab__slug", "remote_ip_ranges")
    readonly_fields = ("permission_groups",)
    inlines = (AccessControlEntryInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("server__lab").prefetch_related("aces")

    @admin.display(description="Lab")
    def lab(self, connector):
        return connector.server.lab

    @admin.display(description="PermissionGroups")
    def permission_groups(self, connector):
        return connector.permission_groups


@admin.register(models.AccessControlEntry)
class AccessControlEntryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "connector", "deny", "origin")
    list_filter = ("deny", "inherited", "group")
    list_select_related = ("connector__server",)
    search_fields = ("principal", "right")


@admin.register(models.AcceptedDomain)
class AcceptedDomainAdmin(admin.ModelAdmin):
    list_display = ("name", "domain_name", "domain_type", "default", "lab")
    list_select_related = ("lab",)


@admin.register(models.Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "addresses", "lab")
    list_select_related = ("lab",)
    search_fields = ("name", "addresses")


@admin.register(models.Principal)
class PrincipalAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "member_of", "email", "lab")
    list_select_related = ("lab",)
    search_fields = ("name", "email")


# Models added later (training) get a plain admin unless their module registers a richer one.
for model in apps.get_app_config("connectors").get_models():
    if not admin.site.is_registered(model):
        admin.site.register(model)
