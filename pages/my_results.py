"""成果披露: enter and edit results, submit them for approval, withdraw them, attach files.

What the selected result offers (edit, submit, withdraw, upload) is what the table allows the
user now (`allowed_actions`)."""

import pandas as pd
import streamlit as st

from db.models.enums import ResultStatus
from portal.core.clock import fmt
from portal.core.settings import get_settings
from portal.core.workflow import allowed_actions
from portal.pool.approval import advance_notices_if_due, submit_result, withdraw_result
from portal.pool.disclosure import (
    add_attachment,
    get_result,
    list_my_results,
    result_form_values,
    save_result,
)
from portal.ui import actor, confirm, done, label, links, refusals, show_flash, t, tables, tmd
from portal.ui.forms import form_key, instance, succeeded
from portal.ui.paging import asked, pager
from portal.ui.pool import render_detail, result_form

me = actor()
st.title(t("nav.my_results"))
st.caption(t("pool.mine.intro"))
show_flash()
advance_notices_if_due()

chosen = None
with refusals():
    c1, c2 = st.columns([1, 2])
    statuses = ["", *ResultStatus]
    status = c1.selectbox(t("pool.mine.filter_status"), statuses,  # a home figure's link: 已上架
                          **links.filter_from_link("mine_status", "status", statuses),
                          format_func=lambda s: label("result_status", s) if s else t("pool.any"))
    text = c2.text_input(t("pool.mine.search"), key="mine_q")
    page = list_my_results(actor=me, status=status, text=text, page=asked("mine_page"))
    st.caption(t("pool.found", total=page.total))
    ids = [r.id for r in page.rows]
    tables.pick("mine_table", ids)  # the chosen result stays chosen when a write reorders the list
    event = st.dataframe(pd.DataFrame([{
        t("pool.col.number"): r.number, t("pool.col.title"): r.title, t("pool.col.owner"): r.owner,
        t("pool.col.field"): label("field", r.field), t("pool.col.status"): label("result_status", r.status),
        t("pool.col.updated"): fmt(r.updated_at)} for r in page.rows]), hide_index=True, width="stretch",
        on_select="rerun", selection_mode="single-row", key="mine_table")
    pager(page, "mine_page")
    chosen = tables.chosen(event, ids, "mine_table")


def _new_form() -> None:
    data = result_form(me, None, key=instance("new_result"))  # empty again once a result is saved
    if data is not None:
        with refusals():
            saved = save_result(actor=me, data=data, idempotency_key=form_key("new_result"))
            succeeded("new_result")
            done(tmd("pool.mine.saved", title=saved.title))


if chosen is None:
    st.caption(t("pool.select_hint"))
    st.subheader(t("pool.mine.new"))
    _new_form()
else:
    with st.expander(t("pool.mine.new")):
        _new_form()
    st.subheader(t("pool.mine.edit"))
    with refusals():
        result = get_result(actor=me, result_id=chosen)
        steps = allowed_actions(me, result)
        if "edit" in steps:
            owner = next((r.owner for r in page.rows if r.id == chosen), "")  # the card preview names it
            data = result_form(me, result_form_values(result) | {"result_owner_name": owner}, key=f"edit_{chosen}")
            if data is not None:
                with refusals():
                    saved = save_result(actor=me, data=data, result_id=chosen)
                    done(tmd("pool.mine.updated", title=saved.title))
        else:
            st.caption(t("pool.mine.not_editable"))
        if "submit" in steps and st.button(t("pool.mine.submit"), type="primary", key="mine_submit"):
            with refusals():
                submit_result(actor=me, result_id=chosen)
                done(t("pool.mine.submitted"))
        if "withdraw" in steps:
            with st.form("withdraw"):
                reason = st.text_input(t("field.pool_reason"))
                if st.form_submit_button(t("pool.mine.withdraw")):
                    confirm.ask(f"withdraw_{chosen}", reason=reason)
            confirm.dialog(f"withdraw_{chosen}", title=t("confirm.withdraw_title"),
                           says=tmd("confirm.withdraw_says", title=result.title,
                                    reason=confirm.asked(f"withdraw_{chosen}").get("reason", "")),
                           action=lambda v: withdraw_result(actor=me, result_id=chosen, reason=v["reason"]),
                           then=t("pool.mine.withdrawn"))
        if "attach" in steps:
            name = f"upload_{chosen}"
            upload = st.file_uploader(t("pool.upload", mb=get_settings().max_attachment_mb),
                                      key=instance(name))  # empty again once the file is kept
            if upload is not None and st.button(t("pool.upload_button"), key="mine_upload"):
                with refusals():
                    row = add_attachment(actor=me, result_id=chosen, filename=upload.name, data=upload.getvalue(),
                                         content_type=upload.type, idempotency_key=form_key(name))
                    succeeded(name)
                    done(tmd("pool.uploaded", name=row.filename))
        st.divider()
        render_detail(me, chosen)
