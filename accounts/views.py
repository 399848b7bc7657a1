from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import ApiTokenForm
from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke, api_tokens_of


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: a new one is shown in this response only, never again."""
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        row, new_token = api_token_create(user=request.user, name=form.cleaned_data["name"])
        form = ApiTokenForm()
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(request.user), "new_token": new_token},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_pk: int) -> HttpResponse:
    try:
        row = api_token_revoke(user=request.user, token_id=token_pk)
    except ApiToken.DoesNotExist:
        raise Http404("No such token") from None
    messages.success(request, f"The token “{row.name}” was revoked; it no longer works.")
    return redirect("api_tokens")
