"""The bolt listeners: ``/interview``, buttons, the answer and question modals, message events
and pack files shared with the bot, each acknowledged at once and then handed to the core.

Every listener acks first (Slack wants an answer within 3 s) and does the slow work after,
at most ``WORK_AT_ONCE`` at a time (thread replies: ``MESSAGES_AT_ONCE``); the work runs as a task the adapter can wait for
(``drain``) before shutting down.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.blocks import (
    ANSWER_BLOCK,
    PRACTICE_ANSWER_CALLBACK,
    PRIVATE_ANSWER_CALLBACK,
    action_name,
    answer_modal,
    modal_answer,
    modal_metadata,
    render,
)
from bot.adapters.slack.events import (
    BotIdentity,
    Payload,
    SeenEvents,
    channel_ref,
    command_text,
    reply_change,
    team_of,
)
from bot.adapters.slack.packs import (
    QUESTION_CALLBACK,
    DownloadError,
    PackShare,
    SharedFile,
    TooBig,
    download,
    pack_share,
    question_modal,
    submitted_form,
    trusted_file_url,
)
from bot.adapters.slack.platform import CHANNEL_GONE, SlackPlatform
from bot.adapters.slack.users import UserDirectory
from bot.core.i18n import t
from bot.core.messages import (
    ACTION_ANSWER_PRIVATELY,
    ACTION_PRACTICE_ANSWER,
    Message,
    Response,
    private_reply,
)
from bot.core.models import Actor, ChannelRef, UserRef
from bot.core.packs import MAX_UPLOAD_BYTES, too_big, upload_problem
from bot.core.ports import (
    ButtonPressed,
    ChannelUnavailable,
    CommandInvoked,
    PackUploaded,
    PracticeAnswerSubmitted,
    PrivateAnswerSubmitted,
)
from bot.core.service import Core

log = logging.getLogger(__name__)

COMMAND = "/interview"

# Requests whose work (users.info, the core, the answer) runs at once; the rest have been
# acknowledged and wait. Few, so that a burst of commands is acknowledged first.
WORK_AT_ONCE = 10
# Thread replies apart, and more of them: a reply mostly waits (a person's first
# users.info, the group commit its row shares with the replies stored alongside it). The
# database pool is smaller; a reply waiting for a connection waits without blocking.
MESSAGES_AT_ONCE = 50


class Listeners:
    """Slack requests in, core events out, the core's answers back to the person."""

    def __init__(
        self,
        core: Core,
        platform: SlackPlatform,
        users: UserDirectory,
        me: BotIdentity,
        *,
        bot_name: str,
        webhook_retry_handlers: list[AsyncRetryHandler],
    ) -> None:
        self.core = core
        self.platform = platform
        self.users = users
        self.me = me
        self.bot_name = bot_name
        self.seen = SeenEvents()
        self._webhook_retry_handlers = webhook_retry_handlers
        self._tasks: set[asyncio.Task[Any]] = set()
        # The work after an ack waits its turn, so that a burst of requests is acknowledged
        # first instead of every acknowledgement queueing behind the work of the others.
        self._work = asyncio.Semaphore(WORK_AT_ONCE)
        self._message_work = asyncio.Semaphore(MESSAGES_AT_ONCE)

    def register(self, app: AsyncApp) -> None:
        app.command(COMMAND)(self.on_command)
        app.action(ACTION_ANSWER_PRIVATELY)(self.on_answer_button)
        app.action(ACTION_PRACTICE_ANSWER)(self.on_answer_button)
        # Every other button (reveal now, ratings, whatever the core offers next) is the core's.
        app.action(re.compile(r".+"))(self.on_button)
        app.view(PRIVATE_ANSWER_CALLBACK)(self.on_answer_submitted)
        app.view(PRACTICE_ANSWER_CALLBACK)(self.on_answer_submitted)
        app.view(QUESTION_CALLBACK)(self.on_question_submitted)
        app.event("message")(self.on_message)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until the work of every request received so far is done."""
        await asyncio.sleep(0)
        current = asyncio.current_task()
        while pending := {t for t in self._tasks if t is not current and not t.done()}:
            done, _ = await asyncio.wait(pending, timeout=timeout)
            if not done:
                raise TimeoutError(f"{len(pending)} Slack request(s) still being handled")

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

    # --- listeners (bolt injects arguments by name) ------------------------------------------

    async def on_command(self, ack: AsyncAck, body: Payload) -> None:
        self._track()
        await ack()
        words = command_text(body).lower().split()
        if words[:2] == ["packs", "add"]:
            # Not behind the queue: the trigger_id expires 3 s after the command.
            await self._open_question_form(body)
            return
        async with self._work:
            if words[:2] == ["packs", "upload"]:
                await self._upload_help(body)
            else:
                await self._command(body)

    async def _command(self, body: Payload) -> None:
        team = team_of(body)
        channel = channel_ref(team, str(body.get("channel_id") or ""))
        actor = await self.users.actor(team, str(body.get("user_id") or ""), body.get("user_name"))
        try:
            responses = await self.core.handle(CommandInvoked(channel, actor, command_text(body)))
        except Exception as exc:  # noqa: BLE001 - the person must hear back either way
            responses = [self._failure(exc)]
        await self._deliver(responses, channel, actor.user, response_url=body.get("response_url"))

    async def on_answer_button(self, ack: AsyncAck, body: Payload, action: Payload) -> None:
        """The "Answer privately" button (value: round id) and a practice question's answer
        button (value: question id) open a modal; its submission is the answer."""
        self._track()
        await ack()
        value, channel_id = str(action.get("value") or ""), _channel_id(body)
        trigger_id = body.get("trigger_id")
        metadata: dict[str, str | int] = {"channel": channel_id}
        if action.get("action_id") == ACTION_ANSWER_PRIVATELY:
            callback, valid = PRIVATE_ANSWER_CALLBACK, value.isdigit()
            metadata["round"] = int(value) if valid else value
        else:
            callback, valid = PRACTICE_ANSWER_CALLBACK, bool(value)
            metadata["question"] = value
        if not valid or not channel_id or not trigger_id:
            log.warning("ignoring an answer click without its target, channel or trigger")
            return
        language = await self._language(channel_ref(team_of(body), channel_id))
        # trigger_id expires 3 s after the click: open the modal before anything else.
        await self.platform.client.views_open(trigger_id=trigger_id, view=answer_modal(callback, metadata, language))

    async def on_button(self, ack: AsyncAck, body: Payload, action: Payload) -> None:
        self._track()
        await ack()
        async with self._work:
            await self._button(body, action)

    async def _button(self, body: Payload, action: Payload) -> None:
        team = team_of(body)
        channel = channel_ref(team, _channel_id(body))
        actor = await self.users.actor(team, _user_id(body), _user_name(body))
        # Admin checks ("Reveal now") are the core's, on an actor whose is_admin came from
        # users.info on our side, never from anything in the payload.
        name = action_name(str(action.get("action_id") or ""))
        try:
            responses = await self.core.handle(ButtonPressed(channel, actor, name, str(action.get("value") or "")))
        except Exception as exc:  # noqa: BLE001
            responses = [self._failure(exc)]
        await self._deliver(responses, channel, actor.user)

    async def on_answer_submitted(self, ack: AsyncAck, body: Payload, view: Payload) -> None:
        self._track()
        text = modal_answer(view).strip()
        if not text:
            await ack(response_action="errors", errors={ANSWER_BLOCK: t("slack.empty_answer", self.core.settings.language)})
            return
        await ack()
        async with self._work:
            await self._answer_submitted(body, view, text)

    async def _answer_submitted(self, body: Payload, view: Payload, text: str) -> None:
        metadata = modal_metadata(view)
        channel_id, round_id = str(metadata.get("channel") or ""), str(metadata.get("round") or "")
        if not channel_id or (view.get("callback_id") == PRIVATE_ANSWER_CALLBACK and not round_id.isdigit()):
            log.warning("ignoring an answer modal without its round or channel")
            return
        team = team_of(body)
        channel = channel_ref(team, channel_id)
        actor = await self.users.actor(team, _user_id(body), _user_name(body))
        event: PrivateAnswerSubmitted | PracticeAnswerSubmitted
        if view.get("callback_id") == PRIVATE_ANSWER_CALLBACK:
            event = PrivateAnswerSubmitted(channel, actor, text, round_id=int(round_id))
        else:
            event = PracticeAnswerSubmitted(channel, actor, text)
        try:
            responses = await self.core.handle(event)
        except Exception as exc:  # noqa: BLE001
            responses = [self._failure(exc)]
        await self._deliver(responses, channel, actor.user)

    async def on_message(self, body: Payload, request: Any) -> None:
        # bolt acknowledged this event before calling us.
        self._track()
        retry = (request.headers.get("x-slack-retry-num") or [None])[0]
        if not self.seen.first_time(body.get("event_id")):
            log.debug("event %s delivered again (retry %s); already handled", body.get("event_id"), retry)
            return
        async with self._message_work:
            await self._message(body)

    async def _message(self, body: Payload) -> None:
        share = pack_share(body, self.me)
        if share is not None:
            await self._pack_shared(team_of(body), share)
            return
        change = reply_change(body, self.me)
        if change is None:
            return
        # Only replies in a round's thread matter; others cost no users.info call.
        if await self.core.round_in_thread(change.thread) is None:
            return
        actor = None
        if change.change != "deleted" and change.user_id:
            actor = await self.users.actor(change.thread.channel.workspace, change.user_id)
        await self.core.handle(change.to_event(actor))

    # --- packs from chat ------------------------------------------------------------------------

    async def _open_question_form(self, body: Payload) -> None:
        """``/interview packs add``: an admin gets the question modal, anyone else a refusal."""
        team = team_of(body)
        channel = channel_ref(team, str(body.get("channel_id") or ""))
        actor = await self.users.actor(team, str(body.get("user_id") or ""), body.get("user_name"))
        language = await self._person_language(actor, channel)
        trigger_id = body.get("trigger_id")
        if not self.core.is_admin(actor):
            responses = [private_reply(t("admin.only", language, command="packs add"))]
        elif not trigger_id or not channel.channel:
            log.warning("ignoring /interview packs add without a trigger or channel")
            return
        else:
            try:
                await self.platform.client.views_open(trigger_id=trigger_id,
                                                      view=question_modal(channel.channel, language))
                return
            except SlackApiError as exc:
                responses = [self._failure(exc)]
        await self._deliver(responses, channel, actor.user, response_url=body.get("response_url"))

    async def _upload_help(self, body: Payload) -> None:
        """``/interview packs upload`` typed: Slack commands take no files, so say how to share one."""
        team = team_of(body)
        channel = channel_ref(team, str(body.get("channel_id") or ""))
        actor = await self.users.actor(team, str(body.get("user_id") or ""), body.get("user_name"))
        language = await self._person_language(actor, channel)
        text = t("slack.upload_help", language, bot=self.bot_name, limit=MAX_UPLOAD_BYTES // 1024)
        await self._deliver([private_reply(text)], channel, actor.user, response_url=body.get("response_url"))

    async def on_question_submitted(self, ack: AsyncAck, body: Payload, view: Payload) -> None:
        self._track()
        await ack()
        async with self._work:
            await self._question_submitted(body, view)

    async def _question_submitted(self, body: Payload, view: Payload) -> None:
        channel_id = str(modal_metadata(view).get("channel") or "")
        if not channel_id:
            log.warning("ignoring a question modal without its channel")
            return
        team = team_of(body)
        channel = channel_ref(team, channel_id)
        actor = await self.users.actor(team, _user_id(body), _user_name(body))
        language = await self._person_language(actor, channel)
        # Checked again: a submission can be made without the modal having been opened.
        if not self.core.is_admin(actor):
            responses = [private_reply(t("admin.only", language, command="packs add"))]
        else:
            try:
                responses = [private_reply(await self.core.packs.add_question(
                    channel, actor, submitted_form(view), language))]
            except Exception as exc:  # noqa: BLE001
                responses = [self._failure(exc)]
        await self._deliver(responses, channel, actor.user)

    async def _pack_shared(self, team: str, share: PackShare) -> None:
        """Files shared with the bot: an admin's YAML files go to the core one by one; anyone
        else hears that only admins may, and nothing is downloaded."""
        channel = channel_ref(team, share.channel_id)
        actor = await self.users.actor(team, share.user_id)
        language = await self._person_language(actor, channel)
        responses: list[Response] = []
        if not self.core.is_admin(actor):
            responses.append(private_reply(t("admin.only", language, command="packs upload")))
        else:
            for file in share.files:
                try:
                    responses.extend(await self._pack_file(channel, actor, file, language))
                except Exception as exc:  # noqa: BLE001
                    responses.append(self._failure(exc))
        if share.direct:  # the direct message is private already: answer there as usual
            responses = [Response(r.message, private=False) for r in responses]
        await self._deliver(responses, channel, actor.user)

    async def _pack_file(self, channel: ChannelRef, actor: Actor, file: SharedFile,
                         language: str) -> list[Response]:
        problem = upload_problem(file.name, file.size, language)
        if problem is not None:
            return [private_reply(problem)]
        client = self.platform.client
        if not file.url or not trusted_file_url(file.url, client.base_url):
            log.warning("not downloading %s: no Slack file URL", file.name)
            return [private_reply(t("slack.upload_failed", language, filename=file.name))]
        try:
            data = await download(file.url, client.token or "")
        except TooBig:  # the declared size was wrong
            return [private_reply(too_big(file.name, language))]
        except DownloadError as exc:
            log.warning("could not download pack %s: %s", file.name, exc)
            return [private_reply(t("slack.upload_failed", language, filename=file.name))]
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [private_reply(t("slack.upload_not_text", language, filename=file.name))]
        return await self.core.handle(PackUploaded(channel, actor, file.name, text))

    async def _person_language(self, actor: Actor, channel: ChannelRef) -> str:
        """What only this person sees: their own language, else the channel's (as the core)."""
        prefs = await self.core.repo.get_prefs(actor.user)
        return (prefs.language if prefs else None) or await self._language(channel)

    # --- answering the person ----------------------------------------------------------------

    async def _deliver(self, responses: list[Response], channel: ChannelRef, user: UserRef,
                       response_url: str | None = None) -> None:
        for response in responses:
            try:
                if not response.private:
                    await self.platform.post_message(channel, response.message)
                elif response_url and not response.message.attachments:
                    await self._respond(response_url, response.message)
                else:
                    await self.platform.send_private(channel, user, response.message)
            except (SlackApiError, ChannelUnavailable) as exc:
                reason = exc.reason if isinstance(exc, ChannelUnavailable) else exc.response.get("error")
                log.warning("could not answer %s in %s: %s", user.user, channel.key, reason)
                if not response.private and response_url:
                    await self._respond(response_url, Message(text=self._failure(exc).message.text))

    async def _respond(self, response_url: str, message: Message) -> None:
        rendered = render(message)
        webhook = AsyncWebhookClient(response_url, retry_handlers=self._webhook_retry_handlers)
        answer = await webhook.send(text=rendered.text, blocks=rendered.blocks, response_type="ephemeral",
                                    replace_original=False)
        if answer.status_code != 200:
            log.warning("response_url answered %s", answer.status_code)

    def _failure(self, exc: Exception) -> Response:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else None
        if isinstance(exc, ChannelUnavailable):
            error = exc.reason
        if error in CHANNEL_GONE:
            return Response(Message(text=t("slack.not_in_channel", self.core.settings.language, bot=self.bot_name)))
        log.error("handling a Slack request failed", exc_info=exc)
        return Response(Message(text=t("slack.failed", self.core.settings.language)))

    async def _language(self, channel: ChannelRef) -> str:
        subscription = await self.core.repo.get_subscription(channel)
        return self.core.language_of(subscription)

    def _track(self) -> None:
        task = asyncio.current_task()
        if task is not None and task not in self._tasks:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


def _channel_id(body: Payload) -> str:
    channel = body.get("channel")
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container")
    return str(container.get("channel_id") or "") if isinstance(container, dict) else ""


def _user_id(body: Payload) -> str:
    user = body.get("user")
    return str(user.get("id") or "") if isinstance(user, dict) else ""


def _user_name(body: Payload) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        name = user.get("name") or user.get("username")
        return str(name) if name else None
    return None
