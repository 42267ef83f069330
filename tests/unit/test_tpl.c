/* Unit tests for lib/tpl.c: values, sections, partials, escaping by HTML context, parse errors,
 * loading. */
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

static char out[8192];
static char err[512];

/*
 * Parses src as template "t" (and partials "p" = psrc when given), renders it
 * with the JSON ctx and, when given, view inside it (tpl_render_view).
 */
static const char *render_view(const char *src, const char *psrc, const char *ctx_json,
                               const struct view *view)
{
	struct tpl_set *set = tpl_set_new();
	struct json_object *ctx = ctx_json ? json_tokener_parse(ctx_json) : NULL;
	struct buf b;

	err[0] = '\0';
	if (tpl_set_add(set, "t", src, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (psrc)
		assert_int_equal(tpl_set_add(set, "p", psrc, err, sizeof(err)), 0);
	assert_int_equal(tpl_set_link(set, err, sizeof(err)), 0);
	buf_init(&b);
	assert_int_equal(
	    view ? tpl_render_view(set, "t", ctx, view, &b) : tpl_render(set, "t", ctx, &b), 0);
	snprintf(out, sizeof(out), "%s", buf_cstr(&b));
	buf_release(&b);
	json_object_put(ctx);
	tpl_set_free(set);
	return out;
}

static const char *render_with(const char *src, const char *psrc, const char *ctx_json)
{
	return render_view(src, psrc, ctx_json, NULL);
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

/* The view holding what the JSON object o holds (lists of objects as lists, other arrays and
 * doubles as json-c values). */
static struct view *view_of(struct arena *a, struct json_object *o)
{
	struct view *m = view_map(a);

	json_object_object_foreach(o, key, val)
	{
		switch (json_object_get_type(val)) {
		case json_type_null:
			view_set_str(m, key, NULL);
			break;
		case json_type_boolean:
			view_set_bool(m, key, json_object_get_boolean(val));
			break;
		case json_type_int:
			view_set_int(m, key, json_object_get_int64(val));
			break;
		case json_type_string:
			view_set_str(m, key, json_object_get_string(val));
			break;
		case json_type_object:
			view_set(m, key, view_of(a, val));
			break;
		case json_type_array: {
			struct view *l = view_list(a);
			bool objects = true;

			for (size_t i = 0; i < json_object_array_length(val); i++)
				objects &= json_object_is_type(json_object_array_get_idx(val, i),
				                               json_type_object);
			if (!objects) {
				view_set_json(m, key, val);
				break;
			}
			for (size_t i = 0; i < json_object_array_length(val); i++)
				view_push(l, view_of(a, json_object_array_get_idx(val, i)));
			view_set(m, key, l);
			break;
		}
		default:
			view_set_json(m, key, val);
		}
	}
	return m;
}

/* A view renders exactly as the JSON object it was made of. */
static void test_views_render_as_json(void **state)
{
	static const struct {
		const char *src, *ctx;
	} cases[] = {
	    {"{{n}} {{f}} {{b}} {{no}} [{{nul}}] [{{missing}}] {{a.b.c}}",
	     "{\"n\": -42, \"f\": 1.5, \"b\": true, \"no\": false, \"nul\": null,"
	     " \"a\": {\"b\": {\"c\": \"<deep>\"}}}"},
	    {"{{#items}}[{{n}}/{{top}}]{{/items}}{{^none}}none{{/none}}{{#zero}}[{{zero}}]{{/zero}}"
	     "{{#empty}}x{{/empty}}{{^empty}}blank{{/empty}}{{#obj}}{{n}}{{/obj}}",
	     "{\"items\": [{\"n\": \"a\"}, {\"n\": null}], \"none\": [], \"zero\": 0,"
	     " \"empty\": \"\", \"obj\": {\"n\": \"o\"}, \"n\": \"outer\", \"top\": 1}"},
	    {"<a href=\"{{u}}\" title=\"{{t}}\">{{t}}</a><a "
	     "href=\"/x?q={{t}}\">{{#strs}}{{.}}{{/strs}}</a>",
	     "{\"u\": \"javascript:x\", \"t\": \"a&b 'c' \\\"d\\\"\", \"strs\": [\"x\", 2]}"},
	    {"<option value=\"{{v}}\"{{#sel}} selected{{/sel}}>{{l}}</option>",
	     "{\"v\": \"1\", \"sel\": true, \"l\": \"One\"}"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arena *a = arena_new(1024);
		struct json_object *o = json_tokener_parse(cases[i].ctx);
		char want[sizeof(out)];

		assert_non_null(o);
		snprintf(want, sizeof(want), "%s", render(cases[i].src, cases[i].ctx));
		assert_string_equal(render_view(cases[i].src, NULL, NULL, view_of(a, o)), want);
		json_object_put(o);
		arena_free(a);
	}
}

/* The view is the innermost context: it hides the JSON context's names, which stay visible. */
static void test_view_inside_json(void **state)
{
	struct arena *a = arena_new(1024);
	struct view *v = view_map(a), *rows = view_list(a), *row = view_map(a);
	struct json_object *tx = json_tokener_parse("{\"name\": \"T\", \"n\": 3}");

	(void)state;
	view_set_str(v, "a", "inner");
	view_set_str(v, "hidden", NULL);
	view_set_json(v, "tx", tx);
	view_set_str(row, "c", "r1");
	view_push(rows, row);
	view_set(v, "rows", rows);
	assert_string_equal(
	    render_view("{{a}} {{b}} [{{hidden}}] {{tx.name}} {{#tx}}{{n}}{{a}}{{/tx}}"
	                " {{#rows}}{{c}}{{b}}{{/rows}}{{> p}}",
	                "({{a}})", "{\"a\": \"outer\", \"b\": \"ctx\", \"hidden\": \"h\"}", v),
	    "inner ctx [] T 3inner r1ctx(inner)");
	assert_string_equal(render_view("{{a}}", NULL, "{\"a\": \"only json\"}", NULL),
	                    "only json");
	assert_string_equal(render_view("{{a}}", NULL, NULL, v), "inner");
	json_object_put(tx);
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
	struct json_object *ctx = json_tokener_parse("{\"title\": \"T&C\"}");
	struct buf b;

	(void)state;
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
	json_object_put(ctx);
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
	    cmocka_unit_test(test_views_render_as_json),
	    cmocka_unit_test(test_view_inside_json),
	    cmocka_unit_test(test_standalone_lines),
	    cmocka_unit_test(test_partials),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_link_errors),
	    cmocka_unit_test(test_unknown_template),
	    cmocka_unit_test(test_load_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
