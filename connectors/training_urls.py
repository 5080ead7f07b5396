"""URLs of the training and audit pages (connectors/training_views.py), included into the connectors namespace."""

from django.urls import path

from . import training_views as views

urlpatterns = [
    path("training/", views.training_home, name="training-home"),
    path("training/sessions/new/", views.session_create, name="training-session-create"),
    path("training/sessions/<int:pk>/", views.session_detail, name="training-session"),
    path("training/sessions/<int:pk>/board/", views.session_board, name="training-board"),
    path("training/sessions/<int:pk>/reveal/", views.session_reveal, name="training-reveal"),
    path("training/sessions/<int:pk>/join/", views.session_join, name="training-join"),
    path("training/scenarios/<slug:name>/start/", views.scenario_start, name="training-scenario-start"),
    path("labs/<slug:slug>/scenario/", views.lab_scenario, name="lab-scenario"),
    path("labs/<slug:slug>/findings/", views.lab_findings, name="lab-findings"),
]
