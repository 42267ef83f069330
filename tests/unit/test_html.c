/* Unit tests for lib/html/html.c: text, attribute and URL escaping, the safe-URL check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "html/html.h"

/* What one writer makes of s, as a string owned by b. */
static const char *run(struct buf *b, void (*fn)(struct buf *, const char *), const char *s)
{
	buf_reset(b);
	fn(b, s);
	return buf_cstr(b);
}

static void test_text(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(run(&b, html_txt, "plain"), "plain");
	assert_string_equal(run(&b, html_txt, "<script>alert(1)</script>"),
	                    "&lt;script&gt;alert(1)&lt;/script&gt;");
	assert_string_equal(run(&b, html_txt, "a & b \"c\" 'd'"),
	                    "a &amp; b &quot;c&quot; &#39;d&#39;");
	assert_string_equal(run(&b, html_txt, "&amp;"), "&amp;amp;");
	assert_string_equal(run(&b, html_txt,
	                        "Gr\xC3\xBC\xC3\x9F"
	                        "e \xE2\x98\x83"),
	                    "Gr\xC3\xBC\xC3\x9F"
	                    "e \xE2\x98\x83");
	assert_string_equal(run(&b, html_txt, "tab\tnl\ncr\r"), "tab\tnl\ncr\r");
	/* Control characters HTML does not allow become U+FFFD. */
	assert_string_equal(run(&b, html_txt, "a\x01z\x7f"), "a\xEF\xBF\xBDz\xEF\xBF\xBD");
	assert_string_equal(run(&b, html_txt, NULL), "");
	buf_release(&b);
}

/* What the escaping rule says a byte becomes: NULL when it stays as it is. */
static const char *expected_escape(int c)
{
	static const struct {
		int c;
		const char *rep;
	} entities[] = {
	    {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};

	for (size_t i = 0; i < sizeof(entities) / sizeof(entities[0]); i++)
		if (entities[i].c == c)
			return entities[i].rep;
	/* Control characters HTML does not allow become U+FFFD. */
	if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
		return "\xEF\xBF\xBD";
	return NULL;
}

/* Every byte on its own and between others: the escaper's table against the rule it stands for. */
static void test_every_byte(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	for (int c = 1; c < 256; c++) {
		char in[4] = {'a', (char)c, 'z', '\0'}, want[16];
		const char *rep = expected_escape(c);

		if (rep)
			snprintf(want, sizeof(want), "a%sz", rep);
		else
			snprintf(want, sizeof(want), "a%cz", c);
		assert_string_equal(run(&b, html_txt, in), want);
		assert_string_equal(run(&b, html_txt, in + 1), want + 1);
	}
	buf_release(&b);
}

static void test_attr(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(run(&b, html_attr, "\" onmouseover=\"x"), "&quot; onmouseover=&quot;x");
	assert_string_equal(run(&b, html_attr, "' autofocus '"), "&#39; autofocus &#39;");
	assert_string_equal(run(&b, html_attr, "a>b<c"), "a&gt;b&lt;c");
	buf_release(&b);
}

static void test_url_arg(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(run(&b, html_url_arg, "AZaz09-._~"), "AZaz09-._~");
	assert_string_equal(run(&b, html_url_arg, "a b&c=d/e?f#g"), "a%20b%26c%3Dd%2Fe%3Ff%23g");
	assert_string_equal(run(&b, html_url_arg, "\"><script>"), "%22%3E%3Cscript%3E");
	assert_string_equal(run(&b, html_url_arg, "\xC3\xA9"), "%C3%A9");
	assert_string_equal(run(&b, html_url_arg, "+%"), "%2B%25");
	buf_release(&b);
}

static void test_url_safe(void **state)
{
	(void)state;
	assert_true(html_url_safe("/admin/transactions?page=2"));
	assert_true(html_url_safe("?page=2"));
	assert_true(html_url_safe("#top"));
	assert_true(html_url_safe("https://example.com/x"));
	assert_true(html_url_safe("HTTP://example.com/"));
	assert_true(html_url_safe("mailto:a@example.com"));
	assert_false(html_url_safe("javascript:alert(1)"));
	assert_false(html_url_safe("JavaScript:alert(1)"));
	assert_false(html_url_safe("data:text/html,<b>"));
	assert_false(html_url_safe("vbscript:x"));
	assert_false(html_url_safe("//evil.example/"));
	assert_false(html_url_safe("/\\evil.example/"));
	/* Browsers drop tabs and newlines, which would turn these into the cases above. */
	assert_false(html_url_safe("/\t/evil.example/"));
	assert_false(html_url_safe("java\nscript:alert(1)"));
	assert_false(html_url_safe(" /x"));
	assert_false(html_url_safe("relative/path"));
	assert_false(html_url_safe(""));
	assert_false(html_url_safe(NULL));
}

static void test_url(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_string_equal(run(&b, html_url, "/admin/stocks?warehouse_id=1&bin_id=2"),
	                    "/admin/stocks?warehouse_id=1&amp;bin_id=2");
	assert_string_equal(run(&b, html_url, "javascript:alert(1)"), "#");
	assert_string_equal(run(&b, html_url, "/x\"><script>"), "/x&quot;&gt;&lt;script&gt;");
	buf_release(&b);
}

static void test_raw_and_formatted(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	html_raw(&b, "<p>", 3);
	html_txtf(&b, "%d < %s", 3, "<b>");
	html_raw(&b, "</p>", 4);
	assert_string_equal(buf_cstr(&b), "<p>3 &lt; &lt;b&gt;</p>");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_text),
	    cmocka_unit_test(test_every_byte),
	    cmocka_unit_test(test_attr),
	    cmocka_unit_test(test_url_arg),
	    cmocka_unit_test(test_url_safe),
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_raw_and_formatted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
