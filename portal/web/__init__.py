"""The portal's HTTP side beside Streamlit: the public intent page (a plain ASGI app), compressed
static assets, the background warm-up, and the server entry that puts them together."""
