"""先用后转 Portal: domain rules and services. Nothing here imports Streamlit except portal.ui
and the router portal.app."""
