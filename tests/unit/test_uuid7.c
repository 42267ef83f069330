/* Unit tests for lib/base/uuid7.c: the layout of RFC 9562's example, version and variant, order,
 * time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "base/uuid7.h"
#include "base/valid.h"

/* RFC 9562, appendix A.8: 2022-02-22 19:22:22 UTC. */
static void test_format_rfc_example(void **state)
{
	char out[UUID7_TEXT_LEN + 1];

	uuid7_format(0x017F22E279B0ull, 0xCC3, 0x18C4DC0C0C07398Full, out);
	assert_string_equal(out, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
}

/* Bits beyond each field's width do not leak into the version or the variant. */
static void test_format_masks_fields(void **state)
{
	char out[UUID7_TEXT_LEN + 1];

	uuid7_format(UINT64_MAX, UINT32_MAX, UINT64_MAX, out);
	assert_string_equal(out, "ffffffff-ffff-7fff-bfff-ffffffffffff");
	uuid7_format(0, 0, 0, out);
	assert_string_equal(out, "00000000-0000-7000-8000-000000000000");
}

static void test_text_version_variant_format(void **state)
{
	for (int i = 0; i < 1000; i++) {
		char out[UUID7_TEXT_LEN + 1];

		uuid7_text(out);
		assert_int_equal(strlen(out), UUID7_TEXT_LEN);
		assert_true(valid_uuid(out));
		assert_int_equal(out[14], '7');
		assert_non_null(strchr("89ab", out[19]));
		for (const char *p = out; *p; p++)
			assert_true(*p == '-' || (*p >= '0' && *p <= '9') ||
			            (*p >= 'a' && *p <= 'f'));
	}
}

/* Many ids in the same millisecond still sort in the order they were made. */
static void test_text_strictly_increasing(void **state)
{
	char prev[UUID7_TEXT_LEN + 1], cur[UUID7_TEXT_LEN + 1];

	uuid7_text(prev);
	for (int i = 0; i < 100000; i++) {
		uuid7_text(cur);
		assert_true(strcmp(prev, cur) < 0);
		memcpy(prev, cur, sizeof(cur));
	}
}

/* The first 48 bits are the clock's milliseconds (ids may run ahead by a little under load). */
static void test_text_carries_the_time(void **state)
{
	char out[UUID7_TEXT_LEN + 1], hex[13];
	struct timespec ts;
	uint64_t before, id_ms;

	clock_gettime(CLOCK_REALTIME, &ts);
	before = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	uuid7_text(out);
	memcpy(hex, out, 8);
	memcpy(hex + 8, out + 9, 4);
	hex[12] = '\0';
	id_ms = strtoull(hex, NULL, 16);
	assert_true(id_ms >= before);
	assert_true(id_ms < before + 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_format_rfc_example),
	    cmocka_unit_test(test_format_masks_fields),
	    cmocka_unit_test(test_text_version_variant_format),
	    cmocka_unit_test(test_text_strictly_increasing),
	    cmocka_unit_test(test_text_carries_the_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
