"""The base of every request model: what a caller sends, parsed before any work is done.

Request models live in their capability's ``commands.py`` (``workflows/<capability>/commands.py``):
the use cases take them as their input, so they belong to the workflow layer, and the API's
handlers (``lambdas/api``) only name them. Each derives from :class:`Command`: a field the model
does not declare is a 400, never silently dropped (nothing can slip a ``roles`` into a profile),
and a parsed command cannot change on its way through the service. A capability tightens it
where its inputs need it (the accounts' are strict: no coercion; the catalog's strip whitespace).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Command(BaseModel):
    """Base of every model the API parses from a request body."""

    model_config = ConfigDict(extra="forbid", frozen=True)
