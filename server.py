"""Entry point: `python server.py` serves the embedded default (SQLite under ./data) with
uvicorn; `app` is also exposed for any ASGI server (`uvicorn server:app`)."""

from __future__ import annotations

import argparse

from portal.app import create_app
from portal.settings import ConfigError, Settings


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="Run the Warga portal")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    try:
        settings = Settings.from_env()
    except ConfigError as error:
        raise SystemExit(f"warga: {error}") from None
    print(f"Warga: http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, workers=1,
                proxy_headers=True, lifespan="on", log_level="info")


if __name__ == "__main__":
    main()
else:
    app = create_app(Settings.from_env())
