"""The yardstick of the inbound benchmark: a minimal python-telegram-bot bot, no database.

PTB's defaults throughout (the Updater's polling, sequential update processing, PTB's own HTTP
client): it answers every text with a two-button menu, which is what Bình Yên answers a new
user's "menu" with. It runs in a process of its own, against the same fake Bot API and the same
load as Bình Yên (benchmarks/peer.py), so the two figures compare.

Run as `python -m benchmarks.bare_ptb URL TOKEN`; it prints {"ready": true} once it polls, and
{"peak_rss_mb": ..., "cpu_seconds": ...} when its stdin closes, then stops.
"""

from __future__ import annotations

import asyncio
import resource
import sys

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.peer import read_line, say

MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Báo tin", callback_data="tip")],
        [InlineKeyboardButton("Trợ giúp", callback_data="help")],
    ]
)


async def menu(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("Bạn muốn làm gì?", reply_markup=MENU)  # type: ignore[union-attr]


async def serve(url: str, token: str) -> None:
    application = ApplicationBuilder().token(token).base_url(f"{url}/bot").build()
    application.add_handler(MessageHandler(filters.TEXT, menu))
    async with application:
        await application.updater.start_polling()  # type: ignore[union-attr]
        await application.start()
        say({"ready": True})
        await read_line()  # until the benchmark is done with us
        await application.updater.stop()  # type: ignore[union-attr]
        await application.stop()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    say({"peak_rss_mb": usage.ru_maxrss / 1024, "cpu_seconds": usage.ru_utime + usage.ru_stime})


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
