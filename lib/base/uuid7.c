/* Version 7 UUIDs (RFC 9562): new rows' ids sort by creation time, so they append to the clustered
 * index. */
#include "base/uuid7.h"

#include <sys/random.h>
#include <time.h>

#include "base/log.h"

/* The last id's time and counter, so that ids of this process never go backwards. */
static uint64_t last_ms;
static unsigned last_seq;

static void random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0)
			log_fatal("uuid7: getrandom failed");
		p += got;
		n -= (size_t)got;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void uuid7_format(uint64_t ms, unsigned rand_a, uint64_t rand_b, char out[UUID7_TEXT_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	int o = 0;

	for (int i = 0; i < 6; i++)
		b[i] = (unsigned char)(ms >> (40 - 8 * i));
	b[6] = (unsigned char)(0x70 | ((rand_a >> 8) & 0x0f));
	b[7] = (unsigned char)rand_a;
	b[8] = (unsigned char)(0x80 | ((rand_b >> 56) & 0x3f));
	for (int i = 9; i < 16; i++)
		b[i] = (unsigned char)(rand_b >> (8 * (15 - i)));
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
}

void uuid7_text(char out[UUID7_TEXT_LEN + 1])
{
	struct {
		uint16_t seq;
		uint64_t rand_b;
	} r;
	uint64_t ms = now_ms();

	random_bytes(&r, sizeof(r));
	if (ms > last_ms) {
		last_ms = ms;
		last_seq = r.seq & 0x7ff; /* room to count up within the millisecond */
	} else if (++last_seq > 0xfff) {
		last_ms++;
		last_seq = r.seq & 0x7ff;
	}
	uuid7_format(last_ms, last_seq, r.rand_b, out);
}
