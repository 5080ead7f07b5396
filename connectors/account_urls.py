"""URLs of sign-in, sign-out, password change and the people page (connectors/account_views.py), in the connectors
namespace."""

from django.urls import path

from . import account_views as views

urlpatterns = [
    path("signin/", views.SignInView.as_view(), name="sign-in"),
    path("signout/", views.SignOutView.as_view(), name="sign-out"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("training/people/", views.people, name="training-people"),
    path("training/people/<int:pk>/reset/", views.person_reset, name="training-people-reset"),
]
