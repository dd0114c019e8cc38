"""Open data: streamed CSV/JSON exports, the read-only JSON API under /api/v1 and its OpenAPI
document. Manifest: `routes` (portal.opendata.routes)."""
