"""The Django admin is for staff only, and nobody sees its own sign-in form: anonymous visitors sign in on exchsim's
page and come back; a signed-in trainee who isn't staff gets exchsim's 403 page instead of the admin's "sign in with a
staff account"."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


class StaffOnlyAdminSite(admin.AdminSite):
    def _refuse_non_staff(self, request):
        if request.user.is_authenticated and not self.has_permission(request):
            raise PermissionDenied("The admin is for staff only.")

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def staff_only(request, *args, **kwargs):
            self._refuse_non_staff(request)
            return inner(request, *args, **kwargs)

        return staff_only

    def login(self, request, extra_context=None):
        self._refuse_non_staff(request)
        if request.user.is_authenticated:
            return super().login(request, extra_context)  # sends staff on to where they were going
        return redirect_to_login(request.GET.get("next") or request.path)
