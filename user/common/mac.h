/* Ethernet MAC addresses as operators type them. */
#ifndef IRSEND_MAC_H
#define IRSEND_MAC_H

#include <stdbool.h>
#include <stdint.h>

#define MAC_LEN 6
#define MAC_STR_LEN 18 /* "aa:bb:cc:dd:ee:ff" and its NUL */

/*
 * Six pairs of hex digits (either case) separated by ':' or by '-', the
 * same separator throughout: nothing else. true and mac[] filled on success.
 */
bool mac_parse(const char *s, uint8_t mac[MAC_LEN]);

/* Lower case, colons. */
void mac_format(const uint8_t mac[MAC_LEN], char out[MAC_STR_LEN]);

/*
 * Why mac cannot name one host: "the broadcast address", "a multicast
 * address", "the all-zero address"; NULL for a unicast address.
 */
const char *mac_not_unicast(const uint8_t mac[MAC_LEN]);

#endif
