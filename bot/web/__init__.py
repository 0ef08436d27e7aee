"""The commune's web console: police and admins work tips, lists and reports in a browser.

Mounted under /console/ on the bot's own aiohttp server (bot.runtime.app); see docs/CONSOLE.md.
"""
