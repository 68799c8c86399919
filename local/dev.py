"""``make dev``: the whole backend on this machine, until Ctrl-C."""

from __future__ import annotations

import signal
import socket
import sys
import threading
import time
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from local.catalog_seed import seed_catalog
from local.demo import onboard_demo_seller
from local.runtime import LocalCloud, LocalCloudConfig
from local.seed import DEMO_PASSWORD, DEMO_USERS, seed

if TYPE_CHECKING:
    from types import FrameType


class DevSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    api_port: int = Field(default=8000, validation_alias="RESALE_API_PORT")
    time_factor: float = Field(default=1.0, gt=0, validation_alias="RESALE_TIME_FACTOR")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def main() -> int:
    settings = DevSettings()
    port = settings.api_port if _port_free(settings.api_port) else 0
    started = time.perf_counter()
    print("Starting the Resale local cloud ...", flush=True)
    cloud = LocalCloud(LocalCloudConfig(clock="scaled", time_factor=settings.time_factor, api_port=port))
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with cloud:
        seeded = f"{seed(cloud, sellers_onboard=True)}; {seed_catalog(cloud)}"
        seller = next(user for user in DEMO_USERS if "seller" in user.groups)
        try:
            seeded += f"; {onboard_demo_seller(cloud, seller.email, DEMO_PASSWORD)}"
        except Exception as exc:  # noqa: BLE001 - the cloud stays usable; say what is missing
            aws, provisioned = cloud.started()
            aws.client("cognito-idp").admin_add_user_to_group(
                UserPoolId=provisioned.user_pool_id, Username=seller.email, GroupName="seller"
            )
            seeded += f"; the demo seller could not onboard, so has no connected account ({exc})"
        assert cloud.scheduler is not None
        cloud.scheduler.fire("platform-canary")  # a first execution to look at in the console
        elapsed = time.perf_counter() - started
        info = cloud.describe()
        lines = [
            "",
            f"Resale is up in {elapsed:.1f} s (time runs at x{settings.time_factor:g}, "
            "and jumps ahead when you advance the clock).",
            "",
            f"  API          {cloud.api_url}            (try {cloud.api_url}/health)",
            f"  Console      {cloud.console_url}",
            f"  Outbox       {cloud.api_url}/_local/outbox",
            f"  Config       {cloud.api_url}/_local/config",
            f"  WebSocket    {cloud.websocket_url}?token=<id token>   (live messages, read markers, typing)",
            f"  Clock        {cloud.api_url}/_local/clock   (move it: curl -s -X POST "
            f"{cloud.api_url}/_local/clock/advance -d '{{\"seconds\": 604800}}'; or in the console)",
            f"  AWS (moto)   {info['aws']['endpoint_url']}",
            f"  Stripe       {info['stripe']['api_base']}   keys {info['stripe']['secret_key']} / "
            f"{info['stripe']['publishable_key']}",
            "",
            f"  Demo users (password {DEMO_PASSWORD}):",
            *[f"    {user.email:<28} {', '.join(user.groups)}" for user in DEMO_USERS],
            f"  An id token for one: curl -s -X POST {cloud.api_url}/_local/token "
            f'-d \'{{"email": "{DEMO_USERS[0].email}", "password": "{DEMO_PASSWORD}"}}\'',
            "",
            f"  Seeded: {seeded}",
            "",
            "Press Ctrl-C to stop.",
        ]
        print("\n".join(lines), flush=True)
        stop.wait()
        print("\nStopping ...", flush=True)
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
