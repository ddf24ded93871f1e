#include "mac.h"

#include <stdio.h>
#include <string.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool mac_parse(const char *s, uint8_t mac[MAC_LEN])
{
	char sep;

	if (strlen(s) != MAC_STR_LEN - 1)
		return false;
	sep = s[2];
	if (sep != ':' && sep != '-')
		return false;
	for (int i = 0; i < MAC_LEN; i++, s += 3) {
		int hi = hex_digit(s[0]);
		int lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i == MAC_LEN - 1 ? '\0' : sep))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void mac_format(const uint8_t mac[MAC_LEN], char out[MAC_STR_LEN])
{
	snprintf(out, MAC_STR_LEN, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
}

const char *mac_not_unicast(const uint8_t mac[MAC_LEN])
{
	int ones = 0, zeros = 0;

	for (int i = 0; i < MAC_LEN; i++) {
		ones += mac[i] == 0xff;
		zeros += mac[i] == 0;
	}
	if (ones == MAC_LEN)
		return "the broadcast address";
	if (zeros == MAC_LEN)
		return "the all-zero address";
	/* The I/G bit: the first bit on the wire. */
	if (mac[0] & 1)
		return "a multicast address";
	return NULL;
}
