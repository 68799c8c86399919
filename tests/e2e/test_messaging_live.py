"""Messaging live, against the local cloud `make dev` runs: real WebSocket clients on the local
WebSocket API, messages posted by REST and by WebSocket, pushes through @connections, the
missed-message email on the virtual clock."""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.e2e.checkout_support import make_category, make_listing
from tests.fixtures.users import TestUser, create_user
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud

T = 15


def _user(cloud: LocalCloud, name: str, *, seller: bool = False) -> TestUser:
    user = create_user(cloud, groups=("buyer", "seller") if seller else ("buyer",), name=name, profile=True)
    named = requests.patch(f"{cloud.api_url}/me", json={"name": name}, headers=user.headers, timeout=T)
    assert named.status_code == 200, named.text
    return user


def _api(cloud: LocalCloud, method: str, path: str, user: TestUser, body: Any = None) -> requests.Response:
    return requests.request(method, f"{cloud.api_url}{path}", json=body, headers=user.headers, timeout=T)


def _socket(cloud: LocalCloud, token: str) -> ClientConnection:
    assert cloud.websocket_url is not None
    return connect(f"{cloud.websocket_url}?token={token}", open_timeout=T)


def _frame(socket: ClientConnection, type_: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next frame of that type (other frames on the way are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no {type_} frame within {timeout}s")
        frame = json.loads(socket.recv(timeout=left))
        if frame.get("type") == type_:
            return dict(frame)


def _quiet(socket: ClientConnection, seconds: float = 0.3) -> list[dict[str, Any]]:
    """What arrives within ``seconds`` (nothing, usually)."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            got.append(json.loads(socket.recv(timeout=left)))
        except TimeoutError:
            break
    return got


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    """The launch fee schedule: a listing is accepted only in a currency the schedule settles."""
    seed_launch_schedule(pg_conn)


@pytest.fixture
def parties(cloud: LocalCloud, admin: TestUser) -> tuple[TestUser, TestUser, dict[str, Any]]:
    buyer = _user(cloud, "Ada Lovelace")
    seller = _user(cloud, "Grace Hopper", seller=True)
    listing = make_listing(cloud, seller, make_category(cloud, admin), title="Brompton folding bike")
    return buyer, seller, listing


def test_given_a_seller_on_two_sockets_then_a_question_and_its_reply_arrive_live(cloud, parties) -> None:
    buyer, seller, listing = parties
    with (
        _socket(cloud, seller.id_token) as phone,
        _socket(cloud, seller.id_token) as laptop,
        _socket(cloud, buyer.id_token) as buyer_socket,
    ):
        # Given a buyer who asks about the listing by REST
        asked = _api(
            cloud, "POST", "/conversations", buyer, {"listing_id": listing["id"], "body": "Still for sale?"}
        )
        assert asked.status_code == 201, asked.text
        conversation_id = asked.json()["conversation_id"]
        # Then both of the seller's sockets receive it (and the buyer's own socket, another device)
        assert _frame(buyer_socket, "message.created")["message"]["body"] == "Still for sale?"
        for socket in (phone, laptop):
            frame = _frame(socket, "message.created")
            assert frame["conversation_id"] == conversation_id
            assert (
                frame["message"]["body"] == "Still for sale?"
                and frame["message"]["sender_id"] == buyer.user_id
            )
        # When the seller replies over the WebSocket from the phone
        phone.send(
            json.dumps(
                {
                    "action": "sendMessage",
                    "conversation_id": conversation_id,
                    "body": "Yes!",
                    "client_id": "r-1",
                }
            )
        )
        ack = _frame(phone, "ack")
        assert ack["action"] == "sendMessage" and ack["message"]["body"] == "Yes!"
        # Then the buyer receives it live, and so does the seller's other device, not the phone
        reply = _frame(buyer_socket, "message.created")
        assert reply["message"]["body"] == "Yes!" and reply["message"]["sender_id"] == seller.user_id
        assert _frame(laptop, "message.created")["message"]["message_id"] == ack["message"]["message_id"]
        assert [f for f in _quiet(phone) if f.get("type") == "message.created"] == []
        # a frame sent again with the same client_id posts once
        phone.send(
            json.dumps(
                {
                    "action": "sendMessage",
                    "conversation_id": conversation_id,
                    "body": "Yes!",
                    "client_id": "r-1",
                }
            )
        )
        assert _frame(phone, "ack")["message"]["message_id"] == ack["message"]["message_id"]
        page = _api(cloud, "GET", f"/conversations/{conversation_id}/messages", buyer).json()["items"]
        assert [m["body"] for m in page] == ["Yes!", "Still for sale?"]

        # a read marker and typing reach the other party live
        buyer_socket.send(
            json.dumps(
                {
                    "action": "markRead",
                    "conversation_id": conversation_id,
                    "up_to": ack["message"]["message_id"],
                }
            )
        )
        read = _frame(phone, "message.read")
        assert read == {
            "type": "message.read",
            "conversation_id": conversation_id,
            "reader_id": buyer.user_id,
            "up_to": ack["message"]["message_id"],
        }
        assert _frame(buyer_socket, "ack")["read"]["unread_count"] == 0
        laptop.send(json.dumps({"action": "typing", "conversation_id": conversation_id}))
        assert _frame(buyer_socket, "typing") == {
            "type": "typing",
            "conversation_id": conversation_id,
            "user_id": seller.user_id,
        }


def test_given_bad_frames_or_a_strangers_conversation_then_the_socket_is_told_why(cloud, parties) -> None:
    buyer, _, listing = parties
    conversation_id = _api(
        cloud, "POST", "/conversations", buyer, {"listing_id": listing["id"], "body": "hi"}
    ).json()["conversation_id"]
    stranger = _user(cloud, "Eve Stranger")
    with _socket(cloud, stranger.id_token) as socket:
        socket.send(
            json.dumps({"action": "sendMessage", "conversation_id": conversation_id, "body": "let me in"})
        )
        assert _frame(socket, "error")["error"]["code"] == "CONVERSATION_NOT_FOUND"
        socket.send("not json")
        assert _frame(socket, "error")["error"]["code"] == "INVALID_FRAME"
        socket.send(json.dumps({"action": "dance"}))
        assert _frame(socket, "error")["error"]["code"] == "INVALID_FRAME"
        socket.send(json.dumps({"action": "sendMessage", "conversation_id": conversation_id, "body": "   "}))
        assert _frame(socket, "error")["error"]["code"] == "INVALID_FRAME"
    assert len(_api(cloud, "GET", f"/conversations/{conversation_id}/messages", buyer).json()["items"]) == 1


def test_given_no_token_a_forged_one_or_an_expired_one_then_no_socket_opens(cloud) -> None:
    user = _user(cloud, "Mallory Example")
    assert cloud.websocket_url is not None
    with pytest.raises(InvalidStatus) as missing:
        connect(cloud.websocket_url, open_timeout=T)
    assert missing.value.response.status_code == 401
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = jwt.get_unverified_header(user.id_token)
    forged = jwt.encode(claims, key, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(InvalidStatus) as bad:
        _socket(cloud, forged)
    assert bad.value.response.status_code == 401
    old = user.token
    cloud.clock_control.advance(int(claims["exp"] - cloud.clock.now()) + 1)
    with pytest.raises(InvalidStatus) as expired:
        _socket(cloud, old)
    assert expired.value.response.status_code == 401
    with _socket(cloud, user.id_token) as fresh:  # a renewed token opens one
        assert fresh.protocol.state.name == "OPEN"


def test_given_a_stale_connection_then_the_push_that_finds_it_gone_removes_it(cloud, parties) -> None:
    buyer, seller, listing = parties
    aws, provisioned = cloud.started()
    table = provisioned.names[("table", "connections")]
    dynamo = aws.client("dynamodb")
    stale = f"stale{uuid.uuid4().hex[:10]}"
    now = int(cloud.clock.now())
    # a connection whose $disconnect never came (best-effort on AWS): recorded, but no socket
    dynamo.put_item(
        TableName=table,
        Item={
            "connection_id": {"S": stale},
            "user_id": {"S": seller.user_id},
            "connected_at": {"N": str(now)},
            "expires_at": {"N": str(now + 7200)},
        },
    )
    with _socket(cloud, seller.id_token) as live:
        asked = _api(cloud, "POST", "/conversations", buyer, {"listing_id": listing["id"], "body": "Hello?"})
        assert asked.status_code == 201
        assert _frame(live, "message.created")["message"]["body"] == "Hello?"  # the open one got it
    assert "Item" not in dynamo.get_item(TableName=table, Key={"connection_id": {"S": stale}})
    assert ("gone", stale) in cloud.websockets["live"].log

    # and a socket that closed is forgotten ($disconnect runs after the close, as on AWS: wait for it)
    def sellers_connections() -> set[str]:
        return {
            i["connection_id"]["S"]
            for i in dynamo.scan(TableName=table)["Items"]
            if i["user_id"]["S"] == seller.user_id
        }

    cloud.wait_until(lambda: sellers_connections() == set(), what="the closed socket's $disconnect")


def _emails_about(cloud: LocalCloud, user: TestUser, sender_name: str) -> list[Any]:
    return [m for m in cloud.outbox.list(to=user.email, channel="email") if sender_name in (m.subject or "")]


def test_given_an_offline_recipient_then_one_email_after_the_quiet_period_not_before(cloud, parties) -> None:
    buyer, seller, listing = parties
    first_line = "Would you take 300 for it?"
    asked = _api(
        cloud,
        "POST",
        "/conversations",
        buyer,
        {"listing_id": listing["id"], "body": f"{first_line}\nCash on pickup."},
    )
    conversation_id = asked.json()["conversation_id"]
    _api(cloud, "POST", f"/conversations/{conversation_id}/messages", buyer, {"body": "Or 320?"})
    cloud.clock_control.advance(60)
    assert _emails_about(cloud, seller, "Ada L.") == []  # not before the quiet period ends
    cloud.clock_control.advance(900)
    cloud.wait_until(lambda: bool(_emails_about(cloud, seller, "Ada L.")), what="the missed-message email")
    (email,) = _emails_about(cloud, seller, "Ada L.")
    assert "Brompton folding bike" in email.subject
    assert first_line in email.body and "2 unread" in email.body
    assert buyer.email not in email.body and buyer.email not in (email.html or "")
    # once per quiet period: nothing more for the same messages
    cloud.clock_control.advance(900)
    cloud.settle()
    assert len(_emails_about(cloud, seller, "Ada L.")) == 1


def test_given_the_recipient_reads_in_time_then_no_email(cloud, parties) -> None:
    buyer, seller, listing = parties
    asked = _api(
        cloud, "POST", "/conversations", buyer, {"listing_id": listing["id"], "body": "Does it fold small?"}
    )
    conversation_id = asked.json()["conversation_id"]
    message_id = asked.json()["message"]["message_id"]
    read = _api(cloud, "POST", f"/conversations/{conversation_id}/read", seller, {"up_to": message_id})
    assert read.status_code == 200 and read.json()["unread_count"] == 0
    cloud.clock_control.advance(1000)
    cloud.settle()
    assert _emails_about(cloud, seller, "Ada L.") == []


def test_given_an_online_recipient_then_no_email(cloud, parties) -> None:
    buyer, seller, listing = parties
    with _socket(cloud, seller.id_token) as socket:
        _api(cloud, "POST", "/conversations", buyer, {"listing_id": listing["id"], "body": "Any scratches?"})
        _frame(socket, "message.created")
    cloud.clock_control.advance(1000)
    cloud.settle()
    assert _emails_about(cloud, seller, "Ada L.") == []


def test_given_an_idle_socket_then_it_closes_after_ten_minutes_and_is_forgotten(cloud, parties) -> None:
    buyer, seller, listing = parties
    aws, provisioned = cloud.started()
    table = provisioned.names[("table", "connections")]
    with _socket(cloud, seller.id_token) as idle:
        cloud.clock_control.advance(601)  # API Gateway closes a connection idle for 10 minutes
        asked = _api(cloud, "POST", "/conversations", buyer, {"listing_id": listing["id"], "body": "Awake?"})
        assert asked.status_code == 201
        with pytest.raises(ConnectionClosed):
            idle.recv(timeout=5)
        assert idle.close_code == 1001
    dynamo = aws.client("dynamodb")
    cloud.wait_until(  # $disconnect runs after the close
        lambda: all(i["user_id"]["S"] != seller.user_id for i in dynamo.scan(TableName=table)["Items"]),
        what="the closed socket's $disconnect",
    )
