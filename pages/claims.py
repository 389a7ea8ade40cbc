"""Fee claims: the list (scoped), a claim's detail and workflow, and new claims for agencies."""

import streamlit as st

from db.models.enums import ClaimKind, ClaimStatus
from portal.claims import listing
from portal.core.workflow import may
from portal.ui import actor, label, links, refusals, show_flash, t
from portal.ui.claims import claims_table, detail, new_claim
from portal.ui.downloads import downloads
from portal.ui.paging import asked, pager

me = actor()
st.title(t("nav.claims"))
show_flash()

with refusals():
    tabs = [t("claims.tab_list")]
    if may(me, "create", "fee_claim"):
        tabs.append(t("claims.tab_new"))
    panes = st.tabs(tabs)
    with panes[0]:
        a, b = st.columns(2)
        statuses = ["", listing.WAITING, *ClaimStatus]
        status = a.selectbox(t("field.claim_status"), statuses,  # a home figure's link: 待处理
                             **links.filter_from_link("claims_status", "status", statuses),
                             format_func=lambda s: (t("claims.waiting_any") if s == listing.WAITING
                                                    else label("claim_status", s)) if s else t("claims.all"))
        kind = b.selectbox(t("field.claim_kind"), ["", *ClaimKind], key="claims_kind",
                           format_func=lambda k: label("claim_kind", k) if k else t("claims.all"))
        page = listing.list_claims(actor=me, status=status, kind=kind, page=asked("claims_page"))
        rows = page.rows
        if rows:
            table = claims_table(rows)
            picked = table.show(on_select="rerun", selection_mode="single-row", key="claims_table")
            pager(page, "claims_page")
            downloads(table, "claims", "claims")
            chosen = picked.selection.rows if picked and picked.selection else []
            options = list(range(len(rows)))
            index = st.selectbox(t("claims.open"), options, index=chosen[0] if chosen else 0,
                                 format_func=lambda i: f"{rows[i].reference} · {label('claim_kind', rows[i].kind)} · "
                                                       f"{rows[i].contract_number or rows[i].programme or ''} · "
                                                       f"{label('claim_status', rows[i].status)}",
                                 key="claims_open")
            st.divider()
            detail(me, listing.get_claim(actor=me, claim_id=rows[index].id))
        else:
            st.info(t("claims.none"))
    if len(panes) > 1:
        with panes[1]:
            new_claim(me)
