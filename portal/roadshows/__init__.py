"""Roadshows (路演展示): who may do what (rules), planning and publishing (plans), the running
order and its pickers (items), attendance, reading them (listing), the presenter's cards, what came
of a roadshow (summary), the public QR intents and their follow-up (intents) and the decks handed
out (decks). Import from the submodules."""
