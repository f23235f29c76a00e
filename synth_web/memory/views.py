"""Memory pages: browse, search, add, edit in place and delete entries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from synth_web.htmx import is_fragment_request, render_page_or_fragment
from synth_web.inputs import page_number
from synth_web.memory import bp
from synth_web.memory.forms import MemoryForm, type_label
from synth_web.memory.services import (
    SORTS,
    MemoryPage,
    create_memory,
    delete_memory,
    get_memory_or_404,
    list_memories,
    update_memory,
)
from synth_web.models import CONTEXT_TYPES, Memory
from synth_web.security import is_safe_next


@bp.app_template_filter("type_label")
def type_label_filter(context_type: str) -> str:
    """Name a context type for people."""
    return type_label(context_type)


def edit_form(entry: Memory) -> MemoryForm:
    """Build the edit form of one entry, its element ids unique on the page."""
    return MemoryForm(
        obj=entry, current_type=entry.context_type, id_prefix=f"m{entry.id}-"
    )


def listing_for(args: Mapping[str, str]) -> MemoryPage:
    """List the person's entries as the page's URL arguments ask."""
    return list_memories(
        current_user.id,
        context_type=args.get("type") or None,
        q=args.get("q"),
        sort=args.get("sort", "relevance"),
        page=page_number(args.get("page")),
    )


def results_context(listing: MemoryPage) -> dict[str, Any]:
    """What memory/_results.html needs."""
    return {
        "listing": listing,
        "filters": listing.filters,
        "types": CONTEXT_TYPES,
        "sorts": SORTS,
    }


@bp.route("/memory")
def index() -> Response:
    """List the person's entries: filter by type, search, sort and page."""
    return render_page_or_fragment(
        "memory/index.html",
        "memory/_results.html",
        **results_context(listing_for(request.args)),
    )


@bp.route("/memory/new", methods=["GET", "POST"])
def new() -> Response | str:
    """Add an entry by hand."""
    form = MemoryForm()
    if form.validate_on_submit():
        create_memory(
            current_user.id,
            form.context_type.data,
            form.content.data,
            form.relevance_score.data,
            meta={"source": "manual"},
        )
        flash("Memory entry added.", "success")
        return redirect(url_for("memory.index", sort="created"), 303)
    return render_template("memory/new.html", form=form)


@bp.route("/memory/<int:memory_id>")
def show(memory_id: int) -> Response:
    """Show one entry (the fragment restores it after a cancelled edit)."""
    entry = get_memory_or_404(memory_id)
    return render_page_or_fragment(
        "memory/show.html", "memory/_entry.html", entry=entry
    )


@bp.route("/memory/<int:memory_id>/edit", methods=["GET", "POST"])
def edit(memory_id: int) -> Response:
    """Edit an entry: in place with htmx, on its own page without."""
    entry = get_memory_or_404(memory_id)
    form = edit_form(entry)
    if form.validate_on_submit():
        update_memory(
            entry,
            form.context_type.data,
            form.content.data,
            form.relevance_score.data,
        )
        if is_fragment_request():
            html = render_template(
                "memory/_entry.html", entry=entry, saved=True
            ) + render_template(
                "_partials/flash_oob.html", category="success", message="Saved."
            )
            return Response(html)
        flash("Memory entry saved.", "success")
        return redirect(url_for("memory.index"), 303)
    # Validation errors come back 200 with the messages beside the fields.
    return render_page_or_fragment(
        "memory/edit.html", "memory/_edit.html", entry=entry, form=form
    )


@bp.route("/memory/<int:memory_id>/delete", methods=["POST"])
def delete(memory_id: int) -> Response:
    """Delete an entry (the page asks for confirmation first)."""
    entry = get_memory_or_404(memory_id)
    delete_memory(entry)
    if is_fragment_request():
        flash_html = render_template(
            "_partials/flash_oob.html",
            category="success",
            message="Memory entry deleted.",
        )
        shown = urlsplit(request.headers.get("HX-Current-URL", ""))
        if shown.path != url_for("memory.index"):
            return Response(flash_html)
        # On the list, show it again as it now is: the count, and the entry
        # that moves up from the next page.
        args = dict(parse_qsl(shown.query))
        results = render_template(
            "memory/_results.html", **results_context(listing_for(args))
        )
        response = Response(results + flash_html)
        response.headers["HX-Retarget"] = "#memory-results"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    flash("Memory entry deleted.", "success")
    back = request.form.get("next")
    return redirect(back if is_safe_next(back) else url_for("memory.index"), 303)
