"""What the roadshow card's new parts cost: the card's HTML with its word breaks (jieba), the
preview document, and a rerun of the disclosure page with the live preview (AppTest, the page's
own cost; the browser's iframe is not in it).

    PYTHONPATH=$PWD python bench/cards_bench.py [--runs 30]

Prints medians in milliseconds. Uses a throwaway demo database in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from a checkout


def _median_ms(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    folder = Path(tempfile.mkdtemp(prefix="cards-bench-"))
    url = f"sqlite:///{folder / 'portal.db'}"
    os.environ.update(PORTAL_DATABASE_URL=url, PORTAL_LOGIN_SLEEP_TIME="0", PORTAL_DATA_DIR=str(folder))

    from streamlit.testing.v1 import AppTest

    import db.models  # noqa: F401
    from bench.common import demo_database
    from portal.roadshows.cards import preview_card
    from portal.search.text import words
    from portal.ui.roadshows import card_html, preview_document

    demo_database(url)
    card = preview_card(title="一种基于深度学习的纺织品表面瑕疵在线视觉检测系统及其在印染车间的应用", field="ai", trl=6,
                        institution="浙江大学", summary="装在织机上的摄像头，边织边找布面毛病",
                        advantages="检出率98%\n每台织机加装成本不到两千元\n已在企业现场试用", trial_months=12,
                        max_licensees=3, roadshow_title="杭州“先用后转”人工智能专场路演")
    words("预热")  # the tokenizer's dictionary loads once per process
    print(f"card_html (jieba word breaks): {_median_ms(lambda: card_html(card, None), runs):.2f} ms")
    print(f"preview_document:              {_median_ms(lambda: preview_document(card), runs):.2f} ms")

    app = str(Path(__file__).resolve().parents[1] / "portal" / "app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = at.session_state["name"] = "zju_officer"
    at.run()
    at.switch_page("../pages/my_results.py")
    at.run()
    assert not at.exception, at.exception
    print(f"disclosure page rerun with the preview: {_median_ms(at.run, runs):.1f} ms")


if __name__ == "__main__":
    main()
