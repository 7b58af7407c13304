"""``/$batch``: JSON batching; each item is answered by the router on the caller's behalf."""

from __future__ import annotations

from simulator.graph.batch import HONOUR_SNAKE_DEPENDS_ON, parse_batch, run_batch
from simulator.graph.router import Context, GraphRouter
from simulator.wire.message import GraphResponse


def register(router: GraphRouter, *, honour_snake_depends_on: bool = HONOUR_SNAKE_DEPENDS_ON) -> None:
    """Add ``POST /$batch``; ``honour_snake_depends_on`` sequences on msgraph-core's ``depends_on`` too."""

    def post_batch(ctx: Context) -> GraphResponse:
        items = parse_batch(ctx.json_body(), honour_snake_depends_on=honour_snake_depends_on)
        return GraphResponse(200, {"responses": run_batch(router, ctx, items)})

    # unlocked and without permissions of its own: every item goes back through router.handle,
    # which takes the store lock, checks the item's permissions and throttles it
    router.add("POST", "/$batch", post_batch, (), locked=False)
