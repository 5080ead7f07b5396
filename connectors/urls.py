from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from . import connector_views, console_views, history_views, import_views, smtp_views, traffic_views, views


class TabConverter:
    """The connector page's tabs; anything else after a connector name is part of the name."""

    regex = "|".join(key for key, _label in connector_views.TABS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TabConverter, "tab")

app_name = "connectors"

# Connector names may contain "/" (the engine allows it), so the name is a path; the routes that extend it come first.
_connector = "labs/<slug:slug>/servers/<str:server>/connectors/<path:name>/"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="connectors:lab-list"), name="home"),
    path("labs/", views.lab_list, name="lab-list"),
    path("labs/new/", views.lab_create, name="lab-create"),
    path("labs/upload/", views.lab_upload, name="lab-upload"),
    path("labs/import/", import_views.lab_import, name="lab-import"),
    path("labs/import/<int:pk>/status/", import_views.lab_import_status, name="lab-import-status"),
    path("labs/import/Collect-Exchsim.ps1", import_views.collector_script, name="lab-import-collector"),
    path("labs/<slug:slug>/", views.lab_detail, name="lab-detail"),
    path("labs/<slug:slug>/check/", views.lab_check, name="lab-check"),
    path("labs/<slug:slug>/copy/", views.lab_copy, name="lab-copy"),
    path("labs/<slug:slug>/rename/", views.lab_rename, name="lab-rename"),
    path("labs/<slug:slug>/delete/", views.lab_delete, name="lab-delete"),
    path("labs/<slug:slug>/download/", views.lab_download, name="lab-download"),
    path("labs/<slug:slug>/simulate/", views.simulator, name="simulator"),
    path("labs/<slug:slug>/relay-map/", views.relay_map, name="relay-map"),
    path("labs/<slug:slug>/plan/", views.plan, name="plan"),
    path("labs/<slug:slug>/plan/<str:kind>.ps1", views.plan_download, name="plan-download"),
    path("labs/<slug:slug>/console/", console_views.console, name="console"),
    path("labs/<slug:slug>/console/files/", console_views.console_upload, name="console-upload"),
    path("labs/<slug:slug>/console/files/<str:name>", console_views.console_file, name="console-file"),
    path(
        "labs/<slug:slug>/console/files/<str:name>/remove",
        console_views.console_file_remove,
        name="console-file-remove",
    ),
    path("labs/<slug:slug>/history/", history_views.lab_history, name="lab-history"),
    path("labs/<slug:slug>/history/<int:number>/undo/", history_views.history_undo, name="history-undo"),
    path("labs/<slug:slug>/history/<int:number>/restore/", history_views.history_restore, name="history-restore"),
    path("labs/<slug:slug>/received-mail/", smtp_views.received_mail, name="received-mail"),
    path("labs/<slug:slug>/traffic/", traffic_views.traffic_page, name="traffic"),
    path("labs/<slug:slug>/traffic/upload/", traffic_views.traffic_upload, name="traffic-upload"),
    path("labs/<slug:slug>/traffic/<int:pk>/status/", traffic_views.traffic_status, name="traffic-status"),
    path(
        "labs/<slug:slug>/traffic/replays/<int:pk>/status/",
        traffic_views.traffic_replay_status,
        name="traffic-replay-status",
    ),
    path("labs/<slug:slug>/new-connector/", views.connector_create, name="connector-create"),
    path(_connector + "edit/general/", connector_views.connector_general, name="connector-general"),
    path(_connector + "edit/network/", connector_views.connector_network, name="connector-network"),
    path(_connector + "edit/auth/", connector_views.connector_auth, name="connector-auth"),
    path(_connector + "edit/settings/", connector_views.connector_settings, name="connector-settings"),
    path(_connector + "edit/groups/", connector_views.connector_groups, name="connector-groups"),
    path(_connector + "edit/permissions/", connector_views.connector_permissions, name="connector-permissions"),
    path(_connector + "edit/remove/", connector_views.connector_remove, name="connector-remove"),
    path(_connector + "<tab:tab>/", connector_views.connector_detail, name="connector-tab"),
    path(_connector, connector_views.connector_detail, name="connector-detail"),
    path("", include("connectors.training_urls")),  # training and audit pages (H7)
    path("", include("connectors.account_urls")),  # sign-in, password, the trainer's people page
]
