"""The notifications on the settings page (what waits and why, who gets what, robots, test
buttons) and on the account page (own e-mail switch, language, calendar address, last messages);
the .ics buttons on the bookings and roadshows pages."""

from __future__ import annotations

from portal.core.settings import get_settings
from tests.pages.conftest import signed_in, texts


def _open(username: str, page: str, *, errors: bool = False, **kw):  # noqa: ANN003, ANN202
    at = signed_in(username, **kw)
    at.switch_page(f"../pages/{page}").run()
    assert not at.exception and (errors or not at.error), [e.value for e in at.error]
    return at


def test_the_settings_page_says_messages_wait_without_channels_and_saves_the_policy(own_demo, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("PORTAL_SMTP_HOST", "")
    get_settings.cache_clear()
    at = _open("hz_operator", "settings.py")
    assert "提醒与通知" in {h.value for h in at.subheader}
    warnings = " ".join(w.value for w in at.warning)
    assert "尚未配置邮件服务器" in warnings and "尚未填写工作群机器人网址" in warnings
    assert {b.label for b in at.button} >= {"测试邮件（发给我）", "测试企业微信群", "测试钉钉群"}
    next(i for i in at.text_input if i.label == "免打扰开始").input("22:00")
    next(b for b in at.button if b.label == "保存通知设置").click().run()
    assert "免打扰时段需同时填写开始和结束时间" in texts(at)  # refused, naming the field
    next(i for i in at.text_input if i.label == "免打扰结束").input("07:00")
    next(i for i in at.text_input if i.label == "企业微信群机器人网址").input("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
    next(b for b in at.button if b.label == "保存通知设置").click().run()
    assert not at.exception and "通知设置已保存，立即生效。" in texts(at)
    assert "尚未填写工作群机器人网址" not in " ".join(w.value for w in at.warning)


def test_a_plain_user_has_no_notification_settings_but_their_own_preferences(own_demo) -> None:  # noqa: ANN001
    at = _open("ent_demo", "account.py", lang="en")
    assert "Reminders and notifications" in {h.value for h in at.subheader}
    assert "No messages to you yet." in texts(at)
    next(b for b in at.button if b.label == "Create my subscription address").click().run()
    assert any("/calendar/" in c.value and c.value.endswith(".ics") for c in at.code)


def test_bookings_and_roadshows_offer_a_calendar_file(app) -> None:  # noqa: ANN001
    bookings = _open("hz_operator", "pilot_bookings.py")
    assert any(d.label == "加入日历（.ics）" for d in bookings.get("download_button"))
    shows = _open("hz_operator", "roadshows.py", errors=True)  # the QR pages' localhost warning
    assert any(d.label == "加入日历（.ics）" for d in shows.get("download_button"))
