from vulndesk.core.markup import render_markdown


def test_markdown_renders_and_drops_active_content() -> None:
    html = render_markdown(
        "**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> [ok](https://example.test/)'
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "<img" not in html  # raw HTML is shown as text, never parsed
    assert "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert 'href="https://example.test/"' in html
    assert "nofollow" in html
