/* Unit tests for lib/web/multipart.c: boundaries, parts, line breaks, binary data, limits,
 * refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "web/multipart.h"

#define CT "multipart/form-data; boundary=XyZ"

static struct arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = arena_new(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(arena);
	return 0;
}

/* Parses a NUL-terminated body with limits (NULL for the defaults); *msg on refusal. */
static long parse(const char *ct, const char *body, const struct multipart_limits *lim,
                  struct multipart_part **parts, const char **msg)
{
	*msg = NULL;
	return multipart_parse(arena, ct, body, strlen(body), lim, parts, msg);
}

/* Asserts that body is refused with a message containing want. */
static void refused(const char *ct, const char *body, const char *want)
{
	struct multipart_part *parts;
	const char *msg;

	assert_int_equal(parse(ct, body, NULL, &parts, &msg), -1);
	assert_non_null(msg);
	if (!strstr(msg, want))
		fail_msg("message \"%s\" does not say \"%s\"", msg, want);
}

static void assert_data(const struct multipart_part *p, const char *want)
{
	assert_int_equal(p->len, strlen(want));
	assert_memory_equal(p->data, want, p->len);
}

static void test_boundary(void **state)
{
	const char *msg = NULL;

	(void)state;
	assert_string_equal(multipart_boundary(arena, CT, &msg), "XyZ");
	assert_string_equal(
	    multipart_boundary(arena, "Multipart/Form-Data ; charset=utf-8; BOUNDARY=\"a b:c\"",
	                       &msg),
	    "a b:c");
	assert_string_equal(
	    multipart_boundary(arena, "multipart/form-data; boundary=----WebKitFormBoundary7MA4",
	                       &msg),
	    "----WebKitFormBoundary7MA4");
	assert_null(multipart_boundary(arena, "application/x-www-form-urlencoded", &msg));
	assert_non_null(strstr(msg, "multipart/form-data"));
	assert_null(multipart_boundary(arena, NULL, &msg));
	assert_null(multipart_boundary(arena, "multipart/form-data", &msg));
	assert_non_null(strstr(msg, "no boundary"));
	assert_null(multipart_boundary(arena, "multipart/form-data; boundary=", &msg));
	assert_null(multipart_boundary(arena, "multipart/form-data; boundary=\"\"", &msg));
	assert_null(multipart_boundary(arena, "multipart/form-data; boundary=\"ab \"", &msg));
	assert_null(multipart_boundary(arena, "multipart/form-data; boundary=a{b", &msg));
	assert_null(multipart_boundary(arena, "multipart/form-data; boundary=\"open", &msg));
	assert_null(multipart_boundary(arena, "multipart/form-data; boundary=a; boundary=b", &msg));
	assert_non_null(strstr(msg, "two boundaries"));
	assert_null(multipart_boundary(arena, "multipart/form-data; =x", &msg));
	assert_null(multipart_boundary(arena, "multipart/mixed; boundary=x", &msg));
	/* 70 characters are allowed, 71 are not. */
	assert_non_null(multipart_boundary(
	    arena,
	    "multipart/form-data; boundary="
	    "1234567890123456789012345678901234567890123456789012345678901234567890",
	    &msg));
	assert_null(multipart_boundary(
	    arena,
	    "multipart/form-data; boundary="
	    "12345678901234567890123456789012345678901234567890123456789012345678901",
	    &msg));
}

/* A browser's body: a text field and a file, CRLF throughout. */
static void test_fields_and_file(void **state)
{
	struct multipart_part *parts;
	const char *msg;
	const char *body =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"csrf\"\r\n"
	    "\r\n"
	    "tok123\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"file\"; filename=\"count.csv\"\r\n"
	    "Content-Type: text/csv\r\n"
	    "\r\n"
	    "A-01,SKU-1,5\r\nA-02,SKU-2,7\r\n"
	    "\r\n"
	    "--XyZ--\r\n";

	(void)state;
	assert_int_equal(parse(CT, body, NULL, &parts, &msg), 2);
	assert_string_equal(parts[0].name, "csrf");
	assert_null(parts[0].filename);
	assert_null(parts[0].content_type);
	assert_data(&parts[0], "tok123");
	assert_string_equal(parts[1].name, "file");
	assert_string_equal(parts[1].filename, "count.csv");
	assert_string_equal(parts[1].content_type, "text/csv");
	/* The file's own line breaks stay; the one before the boundary belongs to it. */
	assert_data(&parts[1], "A-01,SKU-1,5\r\nA-02,SKU-2,7\r\n");
	/* No copy: the data points into the body. */
	assert_true(parts[1].data > body && parts[1].data < body + strlen(body));
	assert_ptr_equal(multipart_get(parts, 2, "file"), &parts[1]);
	assert_null(multipart_get(parts, 2, "nope"));
}

static void test_preamble_epilogue_padding(void **state)
{
	struct multipart_part *parts;
	const char *msg;

	(void)state;
	assert_int_equal(parse(CT,
	                       "This is a preamble.\r\n--XyZ-not-it\r\n--XyZ \t\r\n"
	                       "content-disposition: FORM-DATA ; name=a\r\n"
	                       "X-Other: ignored\r\n\r\n"
	                       "1\r\n--XyZ--epilogue, ignored",
	                       NULL, &parts, &msg),
	                 1);
	assert_string_equal(parts[0].name, "a");
	assert_data(&parts[0], "1");
}

static void test_empty_values_and_files(void **state)
{
	struct multipart_part *parts;
	const char *msg;

	(void)state;
	/* An empty text field and an empty file input, as browsers send them. */
	assert_int_equal(
	    parse(CT,
	          "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n"
	          "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n"
	          "Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n",
	          NULL, &parts, &msg),
	    2);
	assert_int_equal(parts[0].len, 0);
	assert_string_equal(parts[1].filename, "");
	assert_int_equal(parts[1].len, 0);
	/* Only a close: no parts. */
	assert_int_equal(parse(CT, "--XyZ--\r\n", NULL, &parts, &msg), 0);
	assert_null(parts);
}

/* Data that looks like a boundary but is not one stays data. */
static void test_lookalikes(void **state)
{
	struct multipart_part *parts;
	const char *msg;

	(void)state;
	assert_int_equal(parse(CT,
	                       "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n"
	                       "x--XyZ\r\n--XyZa\r\n--XyZ-\r\n\n--XyZ\r\nend\r\n--XyZ--",
	                       NULL, &parts, &msg),
	                 1);
	assert_data(&parts[0], "x--XyZ\r\n--XyZa\r\n--XyZ-\r\n\n--XyZ\r\nend");
}

/* Bare LF throughout is read; the first boundary line decides. */
static void test_lf_bodies(void **state)
{
	struct multipart_part *parts;
	const char *msg;

	(void)state;
	assert_int_equal(parse(CT,
	                       "--XyZ\nContent-Disposition: form-data; name=a\n\nline1\nline2\n"
	                       "--XyZ\nContent-Disposition: form-data; name=b\n\n\n--XyZ--\n",
	                       NULL, &parts, &msg),
	                 2);
	assert_data(&parts[0], "line1\nline2");
	assert_int_equal(parts[1].len, 0);
	/* In an LF body a CR ending a header line is a control character. */
	refused(CT, "--XyZ\nContent-Disposition: form-data; name=a\r\n\r\n1\n--XyZ--",
	        "control character");
	/* In a CRLF body a bare LF does not end a header line. */
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\n\r\n1\r\n--XyZ--",
	        "control character");
	/* A CRLF body's data may hold bare LFs and CRs; only CRLF--XyZ closes it. */
	assert_int_equal(parse(CT,
	                       "--XyZ\r\nContent-Disposition: form-data; "
	                       "name=a\r\n\r\na\nb\r\n--XyZ\rc\r\n--XyZ--",
	                       NULL, &parts, &msg),
	                 1);
	assert_data(&parts[0], "a\nb\r\n--XyZ\rc");
}

/* Every byte value survives, NUL included. */
static void test_binary(void **state)
{
	static const char head[] = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; "
	                           "filename=\"b.bin\"\r\n\r\n";
	static const char tail[] = "\r\n--XyZ--\r\n";
	char body[sizeof(head) + 256 + sizeof(tail)];
	struct multipart_part *parts;
	const char *msg = NULL;
	size_t n = 0;

	(void)state;
	memcpy(body, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	for (int i = 0; i < 256; i++)
		body[n++] = (char)i;
	memcpy(body + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	assert_int_equal(multipart_parse(arena, CT, body, n, NULL, &parts, &msg), 1);
	assert_int_equal(parts[0].len, 256);
	for (int i = 0; i < 256; i++)
		assert_int_equal((unsigned char)parts[0].data[i], i);
}

static void test_names(void **state)
{
	struct multipart_part *parts;
	const char *msg;

	(void)state;
	/* Quoted values run to the next quote: a backslash is a character (Windows paths). */
	assert_int_equal(
	    parse(CT,
	          "--XyZ\r\nContent-Disposition: form-data; filename=\"C:\\t\\a;b.csv\";"
	          " name=\"up load\"; filename*=utf-8''x\r\n\r\n1\r\n--XyZ--",
	          NULL, &parts, &msg),
	    1);
	assert_string_equal(parts[0].name, "up load");
	assert_string_equal(parts[0].filename, "C:\\t\\a;b.csv");
	/* UTF-8 names are kept as sent. */
	assert_int_equal(parse(CT,
	                       "--XyZ\r\nContent-Disposition: form-data; name=f;"
	                       " filename=\"Zählung.csv\"\r\n\r\n1\r\n--XyZ--",
	                       NULL, &parts, &msg),
	                 1);
	assert_string_equal(parts[0].filename, "Zählung.csv");
}

static void test_malformed(void **state)
{
	(void)state;
	refused("text/plain", "--XyZ--", "multipart/form-data");
	refused(CT, "", "no boundary line");
	refused(CT, "no boundary at all\r\n", "no boundary line");
	refused(CT, "--XyZzy\r\n", "no boundary line");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n",
	        "closing boundary");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1", "closing boundary");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n", "header section");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a", "header section");
	refused(CT, "--XyZ\r\n\r\n1\r\n--XyZ--", "no name");
	refused(CT, "--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--", "no name");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n1\r\n--XyZ--",
	        "no name");
	refused(CT, "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\n1\r\n--XyZ--",
	        "not form-data");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\n1\r\n--XyZ--",
	        "malformed");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name\r\n\r\n1\r\n--XyZ--",
	        "malformed");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\"b\r\n\r\n1\r\n--XyZ--",
	        "malformed");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\n1\r\n--XyZ--",
	        "repeats");
	refused(CT,
	        "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	        "Content-Disposition: form-data; name=b\r\n\r\n1\r\n--XyZ--",
	        "two Content-Disposition");
	refused(CT,
	        "--XyZ\r\nContent-Disposition: form-data; name=a\r\nX-Long: one\r\n two\r\n\r\n"
	        "1\r\n--XyZ--",
	        "folded");
	refused(CT, "--XyZ\r\nno colon here\r\n\r\n1\r\n--XyZ--", "malformed");
	refused(CT, "--XyZ\r\nBad Name: x\r\n\r\n1\r\n--XyZ--", "malformed");
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\x01\r\n\r\n1\r\n--XyZ--",
	        "control character");
	/* The empty data of a part still needs its own line break before the boundary. */
	refused(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n--XyZ--",
	        "closing boundary");
}

static void test_limits(void **state)
{
	struct multipart_limits lim = {.max_parts = 2, .max_part_len = 4, .max_header_len = 60};
	struct multipart_part *parts;
	const char *msg;
	const char *three = "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n"
	                    "--XyZ\r\nContent-Disposition: form-data; name=b\r\n\r\n2\r\n"
	                    "--XyZ\r\nContent-Disposition: form-data; name=c\r\n\r\n3\r\n--XyZ--";

	(void)state;
	assert_int_equal(parse(CT, three, NULL, &parts, &msg), 3);
	assert_int_equal(parse(CT, three, &lim, &parts, &msg), -1);
	assert_non_null(strstr(msg, "too many parts"));
	/* A part of exactly the limit passes, one byte more does not. */
	assert_int_equal(
	    parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n1234\r\n--XyZ--",
	          &lim, &parts, &msg),
	    1);
	assert_int_equal(
	    parse(CT, "--XyZ\r\nContent-Disposition: form-data; name=a\r\n\r\n12345\r\n--XyZ--",
	          &lim, &parts, &msg),
	    -1);
	assert_non_null(strstr(msg, "too large"));
	assert_int_equal(
	    parse(CT,
	          "--XyZ\r\nContent-Disposition: form-data; name=a\r\n"
	          "X-Padding: 0123456789012345678901234567890123456789\r\n\r\n1\r\n--XyZ--",
	          &lim, &parts, &msg),
	    -1);
	assert_non_null(strstr(msg, "too long"));
}

/* Many parts grow the array in the arena without losing any. */
static void test_many_parts(void **state)
{
	char body[8192];
	size_t n = 0;
	struct multipart_part *parts;
	const char *msg = NULL;

	(void)state;
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(
		    body + n, sizeof(body) - n,
		    "--XyZ\r\nContent-Disposition: form-data; name=\"f%d\"\r\n\r\nv%d\r\n", i, i);
	n += (size_t)snprintf(body + n, sizeof(body) - n, "--XyZ--\r\n");
	assert_int_equal(multipart_parse(arena, CT, body, n, NULL, &parts, &msg), 20);
	for (int i = 0; i < 20; i++) {
		char want[8];

		snprintf(want, sizeof(want), "v%d", i);
		assert_data(&parts[i], want);
	}
	assert_data(multipart_get(parts, 20, "f13"), "v13");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_boundary),
	    cmocka_unit_test(test_fields_and_file),
	    cmocka_unit_test(test_preamble_epilogue_padding),
	    cmocka_unit_test(test_empty_values_and_files),
	    cmocka_unit_test(test_lookalikes),
	    cmocka_unit_test(test_lf_bodies),
	    cmocka_unit_test(test_binary),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_many_parts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
