/* CSV records (RFC 4180) with spreadsheet formula protection. */
#include "base/csv.h"

#include <string.h>

#include "base/buf.h"

/* Characters that make spreadsheets treat a cell as a formula (OWASP "CSV injection"). */
static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void csv_field(struct buf *b, const char *value, bool first)
{
	const char *v = value ? value : "";
	bool guard = formula_start(*v);
	bool quote = strpbrk(v, ",\"\r\n") != NULL;

	if (!first)
		buf_putc(b, ',');
	if (quote)
		buf_putc(b, '"');
	if (guard)
		buf_putc(b, '\'');
	for (; *v; v++) {
		if (*v == '"')
			buf_putc(b, '"');
		buf_putc(b, *v);
	}
	if (quote)
		buf_putc(b, '"');
}

void csv_end_record(struct buf *b)
{
	buf_puts(b, "\r\n");
}
