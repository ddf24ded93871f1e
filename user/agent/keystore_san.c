/*
 * subjectAltName: "DNS:host,IP:address" typed by a user into the names of
 * a generated certificate (built directly, never through OpenSSL's
 * configuration syntax, so that no text can ask for more than a name),
 * and a certificate's names shown back.
 */
#include "keystore_priv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Labels of letters, digits and inner hyphens, dot-separated; "*." may lead. */
static bool dns_name_valid(const char *s, size_t len)
{
	size_t label = 0;

	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)s[i]) || (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && s[len - 1] != '-';
}

static bool push_dns(GENERAL_NAMES *gens, const char *s, size_t len)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *v = ASN1_IA5STRING_new();

	if (!g || !v || !ASN1_STRING_set(v, s, (int)len)) {
		GENERAL_NAME_free(g);
		ASN1_IA5STRING_free(v);
		return false;
	}
	GENERAL_NAME_set0_value(g, GEN_DNS, v);
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return false;
	}
	return true;
}

static bool push_ip(GENERAL_NAMES *gens, const char *text)
{
	ASN1_OCTET_STRING *v = a2i_IPADDRESS(text);
	GENERAL_NAME *g = v ? GENERAL_NAME_new() : NULL;

	if (!g) {
		ASN1_OCTET_STRING_free(v);
		return false;
	}
	GENERAL_NAME_set0_value(g, GEN_IPADD, v);
	if (!sk_GENERAL_NAME_push(gens, g)) {
		GENERAL_NAME_free(g);
		return false;
	}
	return true;
}

static bool is_address(const char *text)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}

/* One "DNS:x" or "IP:y" item (without surrounding blanks). */
static int add_item(GENERAL_NAMES *gens, const char *item, size_t len, char *err, size_t errlen)
{
	char ip[INET6_ADDRSTRLEN];

	if (len > 4 && strncasecmp(item, "DNS:", 4) == 0 && dns_name_valid(item + 4, len - 4))
		return push_dns(gens, item + 4, len - 4)
			       ? 0
			       : ks_fail(err, errlen, ENOMEM, "out of memory");
	if (len > 3 && len - 3 < sizeof(ip) && strncasecmp(item, "IP:", 3) == 0) {
		memcpy(ip, item + 3, len - 3);
		ip[len - 3] = '\0';
		if (is_address(ip))
			return push_ip(gens, ip) ? 0
						 : ks_fail(err, errlen, ENOMEM, "out of memory");
	}
	return ks_fail(err, errlen, EINVAL,
		       "\"%.*s\" is not a subject alternative name: DNS:host.name or IP:address "
		       "expected",
		       (int)(len > 80 ? 80 : len), item);
}

GENERAL_NAMES *ks_sans_parse(const char *text, const char *cn, char *err, size_t errlen)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	const char *p = text ? text : "";

	if (!gens) {
		ks_fail(err, errlen, ENOMEM, "out of memory");
		return NULL;
	}
	p += strspn(p, " ");
	/* None given: the CN's own name, when it is one. */
	if (!*p) {
		if (is_address(cn) && !push_ip(gens, cn))
			goto nomem;
		if (!is_address(cn) && dns_name_valid(cn, strlen(cn)) &&
		    !push_dns(gens, cn, strlen(cn)))
			goto nomem;
		return gens;
	}
	while (*p) {
		size_t len = strcspn(p, ","), n = len;

		while (n && p[n - 1] == ' ')
			n--;
		if (sk_GENERAL_NAME_num(gens) == KEYSTORE_SANS_MAX) {
			ks_fail(err, errlen, EINVAL, "more than %d subject alternative names",
				KEYSTORE_SANS_MAX);
			goto fail;
		}
		if (add_item(gens, p, n, err, errlen) < 0)
			goto fail;
		p += len;
		if (*p == ',')
			p++;
		p += strspn(p, " ");
	}
	return gens;
nomem:
	ks_fail(err, errlen, ENOMEM, "out of memory");
fail:
	GENERAL_NAMES_free(gens);
	return NULL;
}

/* Append "sep PREFIX:value" to buf, printable characters only. */
static void append(char *buf, size_t len, const char *prefix, const unsigned char *v, size_t n)
{
	size_t o = strlen(buf);

	if (o && o + 2 < len) {
		strcpy(buf + o, ", ");
		o += 2;
	}
	o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s", prefix);
	for (size_t i = 0; i < n && o + 1 < len; i++)
		buf[o++] = isprint(v[i]) ? (char)v[i] : '?';
	if (o < len)
		buf[o] = '\0';
}

void ks_sans_text(X509 *x, char *buf, size_t len)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	char ip[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		int type;
		const ASN1_STRING *v = GENERAL_NAME_get0_value(g, &type);
		size_t n;

		/* Only these types hold a string; others (directory names...) are left out. */
		if (type != GEN_DNS && type != GEN_IPADD && type != GEN_EMAIL && type != GEN_URI)
			continue;
		n = (size_t)ASN1_STRING_length(v);
		if (type == GEN_DNS) {
			append(buf, len, "DNS:", ASN1_STRING_get0_data(v), n);
		} else if (type == GEN_IPADD && (n == 4 || n == 16) &&
			   inet_ntop(n == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(v), ip,
				     sizeof(ip))) {
			append(buf, len, "IP:", (const unsigned char *)ip, strlen(ip));
		} else if (type == GEN_EMAIL || type == GEN_URI) {
			append(buf, len,
			       type == GEN_EMAIL ? "email:" : "URI:", ASN1_STRING_get0_data(v), n);
		}
	}
	GENERAL_NAMES_free(gens);
}
