"""Roadshows (路演展示): events and their items, presenter cards, attendance, the public QR intents
and the decks handed out. Import from the submodules."""
