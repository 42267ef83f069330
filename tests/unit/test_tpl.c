/* Unit tests for lib/html/tpl.c: views' values, sections, partials, escaping by HTML context,
 * parse errors, loading. Contexts are written as JSON text and turned into views (view_json_of). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "base/arena.h"
#include "base/buf.h"
#include "html/tpl.h"
#include "html/view.h"
#include "html/view_json.h"

static char out[8192];
static char err[512];

/*
 * Parses src as template "t" (and partials "p" = psrc when given) and renders
 * it with ctx (NULL: no context).
 */
static const char *render_view(const char *src, const char *psrc, const struct view *ctx)
{
	struct tpl_set *set = tpl_set_new();
	struct buf b;

	err[0] = '\0';
	if (tpl_set_add(set, "t", src, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (psrc)
		assert_int_equal(tpl_set_add(set, "p", psrc, err, sizeof(err)), 0);
	assert_int_equal(tpl_set_link(set, err, sizeof(err)), 0);
	buf_init(&b);
	assert_int_equal(tpl_render(set, "t", ctx, &b), 0);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	tpl_set_free(set);
	return out;
}

/* The same with the view of the JSON text ctx_json (NULL: no context). */
static const char *render_with(const char *src, const char *psrc, const char *ctx_json)
{
	struct arena *a = arena_new(1024);
	struct json_object *j = ctx_json ? json_tokener_parse(ctx_json) : NULL;

	if (ctx_json && !j)
		fail_msg("bad JSON in the test: %s", ctx_json);
	render_view(src, psrc, j ? view_json_of(a, j) : NULL);
	json_object_put(j);
	arena_free(a);
	return out;
}

static const char *render(const char *src, const char *ctx_json)
{
	return render_with(src, NULL, ctx_json);
}

/* The parse error of src ("" when it parses). */
static const char *parse_error(const char *src)
{
	struct tpl_set *set = tpl_set_new();

	err[0] = '\0';
	tpl_set_add(set, "t", src, err, sizeof(err));
	tpl_set_free(set);
	return err;
}

static void test_values(void **state)
{
	(void)state;
	assert_string_equal(render("Hi {{name}}!", "{\"name\": \"Ann\"}"), "Hi Ann!");
	assert_string_equal(render("{{ name }}", "{\"name\": \"Ann\"}"), "Ann");
	assert_string_equal(render("{{n}} {{f}} {{b}}", "{\"n\": 42, \"f\": 1.5, \"b\": true}"),
	                    "42 1.5 true");
	assert_string_equal(
	    render("[{{missing}}][{{nul}}][{{obj}}]", "{\"nul\": null, \"obj\": {}}"), "[][][]");
	assert_string_equal(render("{{a.b.c}}", "{\"a\": {\"b\": {\"c\": \"deep\"}}}"), "deep");
	assert_string_equal(render("no context {{x}}", NULL), "no context ");
	assert_string_equal(render("{{! a comment }}text", "{}"), "text");
}

static void test_text_is_escaped(void **state)
{
	(void)state;
	assert_string_equal(render("<p>{{v}}</p>", "{\"v\": \"<script>alert(1)</script>\"}"),
	                    "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
	assert_string_equal(render("<p>{{v}}</p>", "{\"v\": \"a & 'b' \\\"c\\\"\"}"),
	                    "<p>a &amp; &#39;b&#39; &quot;c&quot;</p>");
}

static void test_attribute_contexts(void **state)
{
	const char *ctx = "{\"v\": \"\\\" onclick=\\\"x\", \"u\": \"javascript:alert(1)\","
	                  " \"p\": \"/admin/x?a=1&b=2\", \"id\": \"a b/c?d\"}";

	(void)state;
	assert_string_equal(render("<input value=\"{{v}}\">", ctx),
	                    "<input value=\"&quot; onclick=&quot;x\">");
	assert_string_equal(render("<input value='{{v}}'>", ctx),
	                    "<input value='&quot; onclick=&quot;x'>");
	/* A whole URL: only safe schemes, attribute-escaped. */
	assert_string_equal(render("<a href=\"{{u}}\">x</a>", ctx), "<a href=\"#\">x</a>");
	assert_string_equal(render("<a href=\"{{p}}\">x</a>", ctx),
	                    "<a href=\"/admin/x?a=1&amp;b=2\">x</a>");
	assert_string_equal(render("<form action=\"{{u}}\"></form>", ctx),
	                    "<form action=\"#\"></form>");
	/* Later in a URL: a component, percent-encoded. */
	assert_string_equal(render("<a href=\"/admin/stocks/{{id}}\">x</a>", ctx),
	                    "<a href=\"/admin/stocks/a%20b%2Fc%3Fd\">x</a>");
	assert_string_equal(render("<a href=\"/l?q={{v}}&amp;p={{id}}\">x</a>", ctx),
	                    "<a href=\"/l?q=%22%20onclick%3D%22x&amp;p=a%20b%2Fc%3Fd\">x</a>");
	assert_string_equal(render("<a href=\"{{p}}{{id}}\">x</a>", ctx),
	                    "<a href=\"/admin/x?a=1&amp;b=2a%20b%2Fc%3Fd\">x</a>");
	/* Other attributes are plain. */
	assert_string_equal(render("<td class=\"{{id}}\" title=\"{{u}}\"></td>", ctx),
	                    "<td class=\"a b/c?d\" title=\"javascript:alert(1)\"></td>");
	/* Markup around comments and doctypes does not confuse the context. */
	assert_string_equal(render("<!DOCTYPE html><!-- a \"quote --><b>{{v}}</b>", ctx),
	                    "<!DOCTYPE html><!-- a \"quote --><b>&quot; onclick=&quot;x</b>");
	assert_string_equal(render("<style>p{}</style><p>{{id}}</p>", ctx),
	                    "<style>p{}</style><p>a b/c?d</p>");
}

static void test_sections(void **state)
{
	const char *ctx =
	    "{\"items\": [{\"n\": \"a\"}, {\"n\": \"b\"}], \"none\": [], \"yes\": true,"
	    " \"no\": false, \"zero\": 0, \"empty\": \"\", \"obj\": {\"n\": \"o\"},"
	    " \"n\": \"outer\", \"strs\": [\"x\", \"y\"]}";

	(void)state;
	assert_string_equal(render("{{#items}}[{{n}}]{{/items}}", ctx), "[a][b]");
	assert_string_equal(render("{{#none}}x{{/none}}{{^none}}empty{{/none}}", ctx), "empty");
	assert_string_equal(render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}", ctx), "Y!N");
	/* Numbers are values to show, 0 included. */
	assert_string_equal(render("{{#zero}}[{{zero}}]{{/zero}}{{^zero}}none{{/zero}}", ctx),
	                    "[0]");
	assert_string_equal(render("{{#empty}}x{{/empty}}{{^empty}}blank{{/empty}}", ctx), "blank");
	assert_string_equal(render("{{#missing}}x{{/missing}}{{^missing}}gone{{/missing}}", ctx),
	                    "gone");
	assert_string_equal(render("{{#obj}}{{n}}{{/obj}} {{n}}", ctx), "o outer");
	assert_string_equal(render("{{#strs}}{{.}},{{/strs}}", ctx), "x,y,");
	/* Names not in the element are looked up outwards. */
	assert_string_equal(render("{{#items}}{{n}}/{{yes}} {{/items}}", ctx), "a/true b/true ");
	/* A null in the element hides the outer value of the same name. */
	assert_string_equal(
	    render("{{#list}}[{{n}}]{{/list}}", "{\"n\": \"outer\", \"list\": [{\"n\": null}]}"),
	    "[]");
	assert_string_equal(
	    render("{{#a}}{{#b}}{{c}}{{/b}}{{/a}}", "{\"a\": {\"b\": [{\"c\": 1}, {\"c\": 2}]}}"),
	    "12");
	/* A section may add an attribute to a tag. */
	assert_string_equal(render("<option value=\"1\"{{#yes}} selected{{/yes}}>x</option>", ctx),
	                    "<option value=\"1\" selected>x</option>");
	assert_string_equal(render("<td{{#yes}} class=\"num\"{{/yes}}>1</td>", ctx),
	                    "<td class=\"num\">1</td>");
}

/* Views built with the view API render their kinds: text, integers, booleans, null, maps, lists.
 */
static void test_built_views(void **state)
{
	struct arena *a = arena_new(1024);
	struct view *ctx = view_map(a), *items = view_list(a), *item = view_map(a),
	            *strs = view_list(a), *inner = view_map(a);

	(void)state;
	view_set_str(ctx, "s", "<b>&</b>");
	view_set_int(ctx, "n", -42);
	view_set_int(ctx, "zero", 0);
	view_set_bool(ctx, "yes", true);
	view_set_bool(ctx, "no", false);
	view_set_str(ctx, "nul", NULL);
	view_set_str(ctx, "empty", "");
	view_set_str(item, "n", "a");
	view_push(items, item);
	item = view_map(a);
	view_set_str(item, "n", NULL); /* hides the outer n */
	view_push(items, item);
	view_set(ctx, "items", items);
	view_push_str(strs, "x");
	view_push_int(strs, 2);
	view_push_bool(strs, false);
	view_push_str(strs, NULL);
	view_set(ctx, "strs", strs);
	view_set(ctx, "inner", inner);
	view_set_str(inner, "deep", "d"); /* after view_set: the map is shared, not copied */
	assert_string_equal(
	    render_view("{{s}} {{n}} {{zero}} {{yes}} {{no}} [{{nul}}] [{{missing}}]"
	                " [{{inner}}] [{{items}}] {{inner.deep}}",
	                NULL, ctx),
	    "&lt;b&gt;&amp;&lt;/b&gt; -42 0 true false [] [] [] [] d");
	assert_string_equal(
	    render_view("{{#items}}[{{n}}/{{yes}}]{{/items}}{{#zero}}Z{{/zero}}"
	                "{{#empty}}E{{/empty}}{{^empty}}e{{/empty}}{{#nul}}N{{/nul}}"
	                "{{^nul}}n{{/nul}}{{#inner}}{{deep}}{{/inner}}",
	                NULL, ctx),
	    "[a/true][/true]Zend");
	assert_string_equal(render_view("{{#strs}}[{{.}}]{{/strs}}", NULL, ctx), "[x][2][false][]");
	/* An unset name is looked up outwards again. */
	view_set(item, "n", NULL);
	view_set_str(ctx, "n", "outer");
	assert_string_equal(render_view("{{#items}}[{{n}}]{{/items}}", NULL, ctx), "[a][outer]");
	/* An empty list is false; a list is not a map: a dotted name through it finds nothing. */
	view_set(ctx, "none", view_list(a));
	assert_string_equal(
	    render_view("{{#none}}x{{/none}}{{^none}}empty{{/none}}{{items.n}}", NULL, ctx),
	    "empty");
	assert_string_equal(render_view("{{> p}}", "({{s}})", ctx), "(&lt;b&gt;&amp;&lt;/b&gt;)");
	arena_free(a);
}

/* A view_write_fn for test_writer: its argument, as markup. */
static void write_arg(struct buf *b, const void *arg)
{
	buf_puts(b, arg);
}

static void test_writer(void **state)
{
	struct arena *a = arena_new(1024);
	struct view *ctx = view_map(a);

	(void)state;
	view_set_writer(ctx, "w", write_arg, "<b>x</b>");
	/* Its markup in text; true in sections; nothing in attributes and URLs. */
	assert_string_equal(render_view("<p>{{w}}</p>{{#w}}yes{{/w}}{{^w}}no{{/w}}", NULL, ctx),
	                    "<p><b>x</b></p>yes");
	assert_string_equal(render_view("<a title=\"{{w}}\" href=\"{{w}}\">.</a>", NULL, ctx),
	                    "<a title=\"\" href=\"\">.</a>");
	assert_int_equal(view_kind(view_get(ctx, "w")), VIEW_WRITER);
	arena_free(a);
}

static void test_standalone_lines(void **state)
{
	(void)state;
	assert_string_equal(
	    render("<ul>\n  {{#l}}\n  <li>{{.}}</li>\n  {{/l}}\n</ul>\n", "{\"l\": [1, 2]}"),
	    "<ul>\n  <li>1</li>\n  <li>2</li>\n</ul>\n");
	assert_string_equal(render("{{! comment line }}\nline\n", "{}"), "line\n");
	/* Tags sharing a line with text keep the line. */
	assert_string_equal(render("a {{#y}}b{{/y}}\nc", "{\"y\": true}"), "a b\nc");
}

static void test_partials(void **state)
{
	(void)state;
	assert_string_equal(render_with("[{{> p}}]", "<b>{{v}}</b>", "{\"v\": \"<i>\"}"),
	                    "[<b>&lt;i&gt;</b>]");
	assert_string_equal(
	    render_with("{{#l}}{{> p}}{{/l}}", "({{v}})", "{\"l\": [{\"v\": 1}, {\"v\": 2}]}"),
	    "(1)(2)");
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_string_equal(parse_error("ok {{x}}"), "");
	assert_non_null(strstr(parse_error("{{#a}}x"), "section a not closed"));
	assert_non_null(strstr(parse_error("{{#a}}x{{/b}}"), "closes"));
	assert_non_null(strstr(parse_error("x{{/a}}"), "without an open section"));
	assert_non_null(strstr(parse_error("{{x"), "without }}"));
	assert_non_null(strstr(parse_error("{{{raw}}}"), "unescaped output"));
	assert_non_null(strstr(parse_error("{{&raw}}"), "unescaped output"));
	assert_non_null(strstr(parse_error("{{bad name}}"), "bad tag name"));
	assert_non_null(strstr(parse_error("<script>var a = '{{v}}';</script>"), "<script>"));
	assert_non_null(strstr(parse_error("<STYLE>p { color: {{c}} }</STYLE>"), "<style>"));
	assert_non_null(strstr(parse_error("<a href={{u}}>"), "outside a quoted attribute"));
	assert_non_null(strstr(parse_error("<a {{attr}}>"), "outside a quoted attribute"));
	assert_non_null(strstr(parse_error("<b onclick=\"go('{{v}}')\">"), "event handler"));
	assert_non_null(strstr(parse_error("<b style=\"width: {{v}}\">"), "style attribute"));
	assert_non_null(strstr(parse_error("<!-- {{v}} -->"), "comment"));
	assert_non_null(strstr(parse_error("<p title=\"{{#a}}\">{{/a}}"), "another HTML context"));
	assert_non_null(strstr(parse_error("<b title=\"x\">{{> p}}</b><b title=\"{{> p}}\">"),
	                       "partial p outside text"));
	/* Errors name the template and the line. */
	assert_non_null(strstr(parse_error("a\nb\n{{#x}}"), "t:3:"));
	/* After </script> values are text again. */
	assert_string_equal(parse_error("<script src=\"/x.js\"></script><p>{{v}}</p>"), "");
}

static void test_link_errors(void **state)
{
	struct tpl_set *set = tpl_set_new();

	(void)state;
	assert_int_equal(tpl_set_add(set, "a", "{{> b}}", err, sizeof(err)), 0);
	assert_int_equal(tpl_set_link(set, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no partial named b"));
	assert_int_equal(tpl_set_add(set, "b", "{{> c}}", err, sizeof(err)), 0);
	assert_int_equal(tpl_set_add(set, "c", "{{> a}}", err, sizeof(err)), 0);
	assert_int_equal(tpl_set_link(set, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "includes itself"));
	assert_int_equal(tpl_set_add(set, "a", "again", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "defined twice"));
	tpl_set_free(set);
}

static void test_unknown_template(void **state)
{
	struct tpl_set *set = tpl_set_new();
	struct buf b;

	(void)state;
	buf_init(&b);
	assert_int_equal(tpl_render(set, "nothing", NULL, &b), -1);
	buf_release(&b);
	tpl_set_free(set);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_dir(void **state)
{
	char dir[] = "/tmp/stocktake-tpl-XXXXXX";
	struct tpl_set *set;
	struct arena *a = arena_new(256);
	struct view *ctx = view_map(a);
	struct buf b;

	(void)state;
	view_set_str(ctx, "title", "T&C");
	assert_non_null(mkdtemp(dir));
	write_file(dir, "page.html", "{{> head}}<p>{{title}}</p>");
	write_file(dir, "head.html", "<h1>{{title}}</h1>");
	write_file(dir, "notes.txt", "{{ignored");
	set = tpl_load_dir(dir);
	assert_non_null(set);
	buf_init(&b);
	assert_int_equal(tpl_render(set, "page", ctx, &b), 0);
	assert_string_equal(buf_cstr(&b), "<h1>T&amp;C</h1><p>T&amp;C</p>");
	buf_release(&b);
	tpl_set_free(set);
	/* A broken template fails the whole load. */
	write_file(dir, "broken.html", "{{#open}}");
	assert_null(tpl_load_dir(dir));
	assert_null(tpl_load_dir("/nonexistent/templates"));
	arena_free(a);
	unlink(strcat(strcpy(out, dir), "/page.html"));
	unlink(strcat(strcpy(out, dir), "/head.html"));
	unlink(strcat(strcpy(out, dir), "/notes.txt"));
	unlink(strcat(strcpy(out, dir), "/broken.html"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_text_is_escaped),
	    cmocka_unit_test(test_attribute_contexts),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test(test_built_views),
	    cmocka_unit_test(test_writer),
	    cmocka_unit_test(test_standalone_lines),
	    cmocka_unit_test(test_partials),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_link_errors),
	    cmocka_unit_test(test_unknown_template),
	    cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
