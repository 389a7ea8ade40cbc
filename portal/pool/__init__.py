"""The result pool (成果池) and 安心屋: disclosure, approval, public notice, browsing, the
three-year rule and the Excel round trip. Each module holds one part; pages import from them."""
