// SPDX-License-Identifier: GPL-2.0
/*
 * The device's TLS server keys (user/agent/keystore.c): DefaultKey made
 * once, generate with every algorithm, import of a CA-signed chain (and
 * an encrypted key), list, export, delete; cross-checked with the openssl
 * command line (x509 -text, verify, a s_server/s_client handshake); and
 * every hostile input refused with a clear message, nothing written and
 * no private key bytes in any message: garbage PEM, a key that does not
 * match, expired and not yet valid certificates, weak keys and
 * signatures, a chain out of order, 100 MB files, names with "../".
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "fsutil.h"
#include "keystore.h"

#include "kselftest_harness.h"

#define HOST "scanner.example.test"
#define DAY (24 * 3600L)

/* ---- certificates made by the test, as a CA would ---- */

static EVP_PKEY *rsa_key(unsigned int bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);

	if (!k)
		abort();
	return k;
}

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	if (!k)
		abort();
	return k;
}

struct certgen {
	EVP_PKEY *key; /* the subject's */
	const char *cn;
	X509 *issuer; /* NULL: self-signed */
	EVP_PKEY *issuer_key;
	bool ca;
	long from_s, to_s; /* validity, from now */
	const EVP_MD *md;  /* NULL: SHA-256 (none for Ed25519) */
	const char *eku;   /* NULL: no extended key usage */
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!e || !X509_add_ext(x, e, -1))
		abort();
	X509_EXTENSION_free(e);
}

static X509 *make_cert(const struct certgen *g)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509 *issuer = g->issuer ? g->issuer : x;
	char dns[128];

	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"irsend tests", -1,
				   -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)g->cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, X509_get_subject_name(issuer));
	X509_gmtime_adj(X509_getm_notBefore(x), g->from_s);
	X509_gmtime_adj(X509_getm_notAfter(x), g->to_s);
	X509_set_pubkey(x, g->key);
	add_ext(x, issuer, NID_subject_key_identifier, "hash");
	add_ext(x, issuer, NID_basic_constraints, g->ca ? "critical,CA:TRUE" : "CA:FALSE");
	add_ext(x, issuer, NID_key_usage,
		g->ca ? "critical,keyCertSign,cRLSign"
		      : "critical,digitalSignature,keyEncipherment");
	if (g->eku)
		add_ext(x, issuer, NID_ext_key_usage, g->eku);
	if (!g->ca) {
		snprintf(dns, sizeof(dns), "DNS:%s", g->cn);
		add_ext(x, issuer, NID_subject_alt_name, dns);
	}
	if (!X509_sign(x, g->issuer_key ? g->issuer_key : g->key,
		       EVP_PKEY_is_a(g->issuer_key ? g->issuer_key : g->key, "ED25519") ? NULL
		       : g->md ? g->md
			       : EVP_sha256()))
		abort();
	X509_NAME_free(n);
	return x;
}

/* A server certificate valid now, as a CA makes them. */
static X509 *leaf_cert(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key)
{
	struct certgen g = { .key = key,
			     .cn = HOST,
			     .issuer = ca,
			     .issuer_key = ca_key,
			     .from_s = -DAY,
			     .to_s = 365 * DAY,
			     .eku = "serverAuth" };

	return make_cert(&g);
}

static X509 *ca_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
	struct certgen g = { .key = key,
			     .cn = cn,
			     .issuer = issuer,
			     .issuer_key = issuer_key,
			     .ca = true,
			     .from_s = -DAY,
			     .to_s = 3650 * DAY };

	return make_cert(&g);
}

static char *bio_text(BIO *b)
{
	char *data, *out;
	long n = BIO_get_mem_data(b, &data);

	out = malloc((size_t)n + 1);
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
	BIO_free(b);
	return out;
}

static char *certs_pem(X509 *a, X509 *b, X509 *c)
{
	BIO *bio = BIO_new(BIO_s_mem());
	X509 *all[] = { a, b, c };

	for (int i = 0; i < 3; i++)
		if (all[i])
			PEM_write_bio_X509(bio, all[i]);
	return bio_text(bio);
}

/* The key as PEM; with pass, PKCS#8 encrypted with AES-256. */
static char *key_pem(EVP_PKEY *k, const char *pass)
{
	BIO *bio = BIO_new(BIO_s_mem());

	if (!PEM_write_bio_PKCS8PrivateKey(bio, k, pass ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL,
					   (void *)pass))
		abort();
	return bio_text(bio);
}

/* ---- files and commands ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	fclose(f);
	return buf;
}

/* Run a shell command: its exit status, its output (stdout and stderr) in out. */
static int run(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2048];
	size_t got = 0;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (got + 1 < len) {
		size_t n = fread(out + got, 1, len - got - 1, p);

		if (!n)
			break;
		got += n;
	}
	out[got] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The names and sizes in dir, sorted: what a refusal must leave as it was. */
static void snapshot(const char *dir, char *buf, size_t len)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		char path[1024];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' || names[i]->d_name[1] == 'N' ||
		    strstr(names[i]->d_name, ".tmp")) {
			stat(path, &st);
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s:%lld:%o\n",
					      names[i]->d_name, (long long)st.st_size,
					      st.st_mode & 07777);
		}
		free(names[i]);
	}
	free(names);
}

/* A line of the key's base64 body: what must never show up in a message. */
static void key_line(const char *pem, char *line, size_t len)
{
	const char *p = strchr(pem, '\n') + 1;

	snprintf(line, len, "%.40s", p);
}

FIXTURE(ks)
{
	char root[64];
	char dir[128];
	struct keystore *ks;
	char err[KEYSTORE_ERR_MAX];
	char before[4096], after[4096];
};

FIXTURE_SETUP(ks)
{
	strcpy(self->root, "/tmp/irsend-keystore-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->root));
	snprintf(self->dir, sizeof(self->dir), "%s/keys", self->root);
	self->ks = keystore_open(self->dir, self->err, sizeof(self->err));
	ASSERT_NE(NULL, self->ks) TH_LOG("%s", self->err);
}

FIXTURE_TEARDOWN(ks)
{
	keystore_close(self->ks);
	remove_tree(self->root);
}

/* Import as a user would, with every other field at its default. */
static int import(struct keystore *ks, const char *name, const char *key, const char *chain,
		  const char *pass, bool force, char *err)
{
	struct keystore_import in = { .key_pem = key,
				      .key_len = strlen(key),
				      .chain_pem = chain,
				      .chain_len = strlen(chain),
				      .passphrase = pass,
				      .force = force };

	return keystore_import(ks, name, &in, err, KEYSTORE_ERR_MAX);
}

TEST_F(ks, names)
{
	static const char *const bad[] = {
		"",    "../x",	"..",	       "a/b", "a.b",
		"a b", "key\n", "DefaultKey/", "ä",   "1234567890123456789012345"
	};
	struct keystore_gen_opts o = { .alg = KEYSTORE_EC256, .cn = HOST };

	EXPECT_TRUE(keystore_name_valid("DefaultKey"));
	EXPECT_TRUE(keystore_name_valid("a"));
	EXPECT_TRUE(keystore_name_valid("Mail_Server-2025"));
	EXPECT_TRUE(keystore_name_valid("123456789012345678901234"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_FALSE(keystore_name_valid(bad[i])) TH_LOG("\"%s\"", bad[i]);
	}

	snapshot(self->root, self->before, sizeof(self->before));
	EXPECT_EQ(-1, keystore_generate(self->ks, "../escaped", &o, self->err, sizeof(self->err)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(self->err, "is not a key name"));
	snapshot(self->root, self->after, sizeof(self->after));
	EXPECT_STREQ(self->before, self->after);
	EXPECT_NE(0, access("/tmp/escaped.key", F_OK));
	EXPECT_EQ(-1, keystore_delete(self->ks, "../keys/x", NULL, self->err, sizeof(self->err)));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(ks, default_key_made_once_and_checked_by_openssl)
{
	char crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX], out[16384], *first;
	struct keystore_info info;
	struct stat st;
	time_t now = time(NULL);

	ASSERT_EQ(1, keystore_ensure_default(self->ks, HOST, KEYSTORE_RSA2048, self->err,
					     sizeof(self->err)))
	TH_LOG("%s", self->err);
	ASSERT_EQ(0, keystore_paths(self->ks, KEYSTORE_DEFAULT, crt, key));
	first = read_text(crt);
	/* Already there: nothing made, nothing changed. */
	ASSERT_EQ(0, keystore_ensure_default(self->ks, "other.host", KEYSTORE_EC256, self->err,
					     sizeof(self->err)));
	EXPECT_STREQ(first, read_text(crt));

	ASSERT_EQ(0, stat(key, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	ASSERT_EQ(0, stat(self->dir, &st));
	EXPECT_EQ(0700, st.st_mode & 07777);

	ASSERT_EQ(0, keystore_describe(self->ks, KEYSTORE_DEFAULT, KEYSTORE_DEFAULT, 0, &info,
				       self->err, sizeof(self->err)));
	EXPECT_STREQ("RSA", info.key_type);
	EXPECT_EQ(2048, info.bits);
	EXPECT_STREQ("CN=" HOST, info.subject);
	EXPECT_STREQ("CN=" HOST, info.issuer);
	EXPECT_TRUE(info.self_signed);
	EXPECT_TRUE(info.in_use);
	EXPECT_STREQ("DNS:" HOST, info.sans);
	EXPECT_STREQ("", info.problem);
	EXPECT_EQ(1, info.chain_len);
	EXPECT_LE(info.not_before, now);
	EXPECT_GE(info.not_before, now - 600);
	EXPECT_LE(labs((long)(info.not_after - now) - 3650 * DAY), 600);

	/* What openssl reads in it. */
	ASSERT_EQ(0, run(out, sizeof(out), "openssl x509 -noout -text -in %s", crt));
	EXPECT_NE(NULL, strstr(out, "Version: 3 (0x2)"));
	EXPECT_NE(NULL, strstr(out, "Signature Algorithm: sha256WithRSAEncryption"));
	EXPECT_NE(NULL, strstr(out, "Public-Key: (2048 bit)"));
	EXPECT_NE(NULL, strstr(out, "Digital Signature, Key Encipherment"));
	EXPECT_NE(NULL, strstr(out, "TLS Web Server Authentication"));
	EXPECT_NE(NULL, strstr(out, "DNS:" HOST));
	EXPECT_NE(NULL, strstr(out, "CA:FALSE"));
	EXPECT_NE(NULL, strstr(out, "X509v3 Subject Key Identifier"));
	ASSERT_EQ(0, run(out, sizeof(out), "openssl x509 -noout -serial -in %s", crt));
	/* 128 random bits: 32 hex digits unless the top ones happen to be zero. */
	EXPECT_GE(strlen(out), strlen("serial=") + 28 + 1) TH_LOG("%s", out);
	ASSERT_EQ(0, run(out, sizeof(out), "openssl x509 -noout -fingerprint -sha256 -in %s", crt));
	EXPECT_NE(NULL, strstr(out, info.fingerprint)) TH_LOG("%s vs %s", out, info.fingerprint);
	ASSERT_EQ(0, run(out, sizeof(out), "openssl verify -CAfile %s %s", crt, crt))
	TH_LOG("%s", out);
	ASSERT_EQ(0, run(out, sizeof(out), "openssl pkey -check -noout -in %s", key))
	TH_LOG("%s", out);
	ASSERT_EQ(0, run(out, sizeof(out), "head -n 1 %s", key));
	EXPECT_STREQ("-----BEGIN PRIVATE KEY-----\n", out);
}

TEST_F(ks, tls_handshake_with_the_generated_files)
{
	char crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX], out[16384];

	ASSERT_EQ(1, keystore_ensure_default(self->ks, HOST, KEYSTORE_RSA2048, self->err,
					     sizeof(self->err)));
	ASSERT_EQ(0, keystore_paths(self->ks, KEYSTORE_DEFAULT, crt, key));
	/* A real server with the files; a client that trusts only that certificate, by name. */
	ASSERT_EQ(0, run(out, sizeof(out),
			 "cd %s && (timeout 20 openssl s_server -accept 127.0.0.1:0 -naccept 1 "
			 "-cert %s -key %s -www >srv.out 2>&1 &) && "
			 "for i in $(seq 100); do grep -q '^ACCEPT' srv.out && break; sleep 0.1; "
			 "done && port=$(sed -n 's/^ACCEPT .*:\\([0-9]*\\)$/\\1/p' srv.out) && "
			 "echo Q | timeout 20 openssl s_client -connect 127.0.0.1:$port -brief "
			 "-CAfile %s -verify_return_error -verify_hostname %s",
			 self->root, crt, key, crt, HOST))
	TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Verification: OK")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Verified peername: " HOST)) TH_LOG("%s", out);
	/* The same client refuses another name. */
	EXPECT_NE(0, run(out, sizeof(out),
			 "cd %s && (timeout 20 openssl s_server -accept 127.0.0.1:0 -naccept 1 "
			 "-cert %s -key %s -www >srv2.out 2>&1 &) && "
			 "for i in $(seq 100); do grep -q '^ACCEPT' srv2.out && break; sleep 0.1; "
			 "done && port=$(sed -n 's/^ACCEPT .*:\\([0-9]*\\)$/\\1/p' srv2.out) && "
			 "echo Q | timeout 20 openssl s_client -connect 127.0.0.1:$port -brief "
			 "-CAfile %s -verify_return_error -verify_hostname other.example",
			 self->root, crt, key, crt));
}

TEST_F(ks, generate_every_algorithm)
{
	static const struct {
		enum keystore_alg alg;
		const char *name, *type, *curve, *sig;
		unsigned int bits;
	} algs[] = {
		{ KEYSTORE_RSA3072, "r3072", "RSA", "", "sha256WithRSAEncryption", 3072 },
		{ KEYSTORE_EC256, "e256", "EC", "P-256", "ecdsa-with-SHA256", 256 },
		{ KEYSTORE_EC384, "e384", "EC", "P-384", "ecdsa-with-SHA384", 384 },
	};
	char crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX], out[16384];
	struct keystore_info info;
	enum keystore_alg a;

	ASSERT_EQ(0, keystore_alg_parse("EC256", &a));
	EXPECT_EQ(KEYSTORE_EC256, a);
	EXPECT_EQ(-1, keystore_alg_parse("rsa1024", &a));
	EXPECT_EQ(-1, keystore_alg_parse("dsa", &a));
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		struct keystore_gen_opts o = { .alg = algs[i].alg,
					       .cn = "Scanner Ö 4",
					       .sans = "DNS:a.example, IP:192.0.2.7,IP:2001:db8::1,"
						       "dns:*.b.example",
					       .days = 30 };

		ASSERT_EQ(0, keystore_generate(self->ks, algs[i].name, &o, self->err,
					       sizeof(self->err)))
		TH_LOG("%s: %s", algs[i].name, self->err);
		ASSERT_EQ(0, keystore_describe(self->ks, algs[i].name, NULL, 0, &info, self->err,
					       sizeof(self->err)));
		EXPECT_STREQ(algs[i].type, info.key_type);
		EXPECT_STREQ(algs[i].curve, info.curve);
		EXPECT_EQ(algs[i].bits, info.bits);
		EXPECT_STREQ("CN=Scanner Ö 4", info.subject);
		EXPECT_STREQ("DNS:a.example, IP:192.0.2.7, IP:2001:db8::1, DNS:*.b.example",
			     info.sans)
		TH_LOG("%s", info.sans);
		EXPECT_FALSE(info.in_use);
		EXPECT_LE(labs((long)(info.not_after - info.not_before) - 30 * DAY), 600);
		ASSERT_EQ(0, keystore_paths(self->ks, algs[i].name, crt, key));
		ASSERT_EQ(0, run(out, sizeof(out), "openssl x509 -noout -text -in %s", crt));
		EXPECT_NE(NULL, strstr(out, algs[i].sig)) TH_LOG("%s", out);
		EXPECT_NE(NULL, strstr(out, "IP Address:192.0.2.7"));
		if (strcmp(algs[i].type, "EC") == 0) { /* EC keys cannot encipher */
			EXPECT_EQ(NULL, strstr(out, "Key Encipherment"));
		}
		EXPECT_EQ(0, run(out, sizeof(out), "openssl verify -CAfile %s %s", crt, crt))
		TH_LOG("%s", out);
	}
}

TEST_F(ks, generate_refuses_bad_input_and_changes_nothing)
{
	static const char *const bad_sans[] = {
		"DNS:bad name",
		"DNS:-a.example",
		"DNS:a..b",
		"IP:999.1.1.1",
		"URI:http://x",
		"email:a@b",
		"a.example",
		"DNS:a,@sect",
		"DNS:",
		"IP:1.2.3.4/24",
		"otherName:1.2.3;UTF8:x",
	};
	struct keystore_gen_opts o = { .alg = KEYSTORE_EC256, .cn = HOST };
	char crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX], *before;
	char long_cn[80];

	ASSERT_EQ(0, keystore_generate(self->ks, "k1", &o, self->err, sizeof(self->err)));
	ASSERT_EQ(0, keystore_paths(self->ks, "k1", crt, key));
	before = read_text(key);
	snapshot(self->dir, self->before, sizeof(self->before));

	EXPECT_EQ(-1, keystore_generate(self->ks, "k1", &o, self->err, sizeof(self->err)));
	EXPECT_EQ(EEXIST, errno);
	for (size_t i = 0; i < sizeof(bad_sans) / sizeof(bad_sans[0]); i++) {
		o.sans = bad_sans[i];
		EXPECT_EQ(-1, keystore_generate(self->ks, "k2", &o, self->err, sizeof(self->err)))
		TH_LOG("%s", bad_sans[i]);
		EXPECT_EQ(EINVAL, errno);
		EXPECT_NE(NULL, strstr(self->err, "is not a subject alternative name"))
		TH_LOG("%s", self->err);
	}
	o.sans = NULL;
	memset(long_cn, 'a', 65);
	long_cn[65] = '\0';
	o.cn = long_cn;
	EXPECT_EQ(-1, keystore_generate(self->ks, "k2", &o, self->err, sizeof(self->err)));
	EXPECT_EQ(EINVAL, errno);
	o.cn = "line\nbreak";
	EXPECT_EQ(-1, keystore_generate(self->ks, "k2", &o, self->err, sizeof(self->err)));
	o.cn = "";
	EXPECT_EQ(-1, keystore_generate(self->ks, "k2", &o, self->err, sizeof(self->err)));
	o.cn = HOST;
	o.days = KEYSTORE_DAYS_MAX + 1;
	EXPECT_EQ(-1, keystore_generate(self->ks, "k2", &o, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(self->err, "1-9125 days"));
	o.days = 0;
	o.alg = (enum keystore_alg)42;
	EXPECT_EQ(-1, keystore_generate(self->ks, "k2", &o, self->err, sizeof(self->err)));

	snapshot(self->dir, self->after, sizeof(self->after));
	EXPECT_STREQ(self->before, self->after);
	EXPECT_STREQ(before, read_text(key));
}

TEST_F(ks, import_a_ca_signed_chain_and_export_it)
{
	EVP_PKEY *root_key = rsa_key(2048), *int_key = ec_key("P-384"), *key = ec_key("P-256");
	X509 *root = ca_cert(root_key, "Test Root CA", NULL, NULL);
	X509 *inter = ca_cert(int_key, "Test Intermediate CA", root, root_key);
	X509 *leaf = leaf_cert(key, inter, int_key);
	char *chain = certs_pem(leaf, inter, NULL), *kp = key_pem(key, NULL), *exported, *stored;
	char crt[KEYSTORE_PATH_MAX], kpath[KEYSTORE_PATH_MAX], out[8192], line[64];
	struct keystore_info *list;
	size_t n, len;

	ASSERT_EQ(1, keystore_ensure_default(self->ks, HOST, KEYSTORE_EC256, self->err,
					     sizeof(self->err)));
	ASSERT_EQ(0, import(self->ks, "ca-signed", kp, chain, NULL, false, self->err))
	TH_LOG("%s", self->err);
	ASSERT_EQ(0,
		  keystore_list(self->ks, "ca-signed", 0, &list, &n, self->err, sizeof(self->err)));
	ASSERT_EQ(2, n);
	EXPECT_STREQ(KEYSTORE_DEFAULT, list[0].name);
	EXPECT_FALSE(list[0].in_use);
	EXPECT_TRUE(list[0].self_signed);
	EXPECT_STREQ("ca-signed", list[1].name);
	EXPECT_TRUE(list[1].in_use);
	EXPECT_FALSE(list[1].self_signed);
	EXPECT_STREQ("CN=" HOST ",O=irsend tests", list[1].subject);
	EXPECT_STREQ("CN=Test Intermediate CA,O=irsend tests", list[1].issuer);
	EXPECT_EQ(2, list[1].chain_len);
	EXPECT_STREQ("EC", list[1].key_type);
	EXPECT_STREQ("", list[1].problem);
	free(list);

	/* The chain comes back as given, never with the key. */
	exported = keystore_export_cert(self->ks, "ca-signed", &len, self->err, sizeof(self->err));
	ASSERT_NE(NULL, exported);
	EXPECT_STREQ(chain, exported);
	EXPECT_EQ(strlen(chain), len);
	EXPECT_EQ(NULL, strstr(exported, "PRIVATE"));
	/* openssl builds the path from the exported chain to the test root. */
	snprintf(crt, sizeof(crt), "%s/root.pem", self->root);
	write_file(crt, certs_pem(root, NULL, NULL));
	snprintf(kpath, sizeof(kpath), "%s/export.pem", self->root);
	write_file(kpath, exported);
	EXPECT_EQ(0, run(out, sizeof(out), "openssl verify -CAfile %s -untrusted %s %s", crt, kpath,
			 kpath))
	TH_LOG("%s", out);

	/* The stored key: unencrypted PKCS#8, private. */
	ASSERT_EQ(0, keystore_paths(self->ks, "ca-signed", crt, kpath));
	stored = read_text(kpath);
	EXPECT_EQ(0, strncmp(stored, "-----BEGIN PRIVATE KEY-----", 27));
	key_line(kp, line, sizeof(line));
	EXPECT_NE(NULL, strstr(stored, line));
	stored = read_text(crt);
	EXPECT_EQ(NULL, strstr(stored, "PRIVATE"));
	EXPECT_EQ(0, keystore_check_usable(self->ks, "ca-signed", false, 0, self->err,
					   sizeof(self->err)));
}

TEST_F(ks, encrypted_key_needs_its_passphrase)
{
	EVP_PKEY *ca_key = rsa_key(2048), *key = rsa_key(2048);
	X509 *ca = ca_cert(ca_key, "Test CA", NULL, NULL);
	char *chain = certs_pem(leaf_cert(key, ca, ca_key), NULL, NULL);
	char *enc = key_pem(key, "correct horse"), *stored, line[64];
	char crt[KEYSTORE_PATH_MAX], kpath[KEYSTORE_PATH_MAX];

	ASSERT_NE(NULL, strstr(enc, "ENCRYPTED PRIVATE KEY"));
	snapshot(self->dir, self->before, sizeof(self->before));
	EXPECT_EQ(-1, import(self->ks, "enc", enc, chain, NULL, false, self->err));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_STREQ("the private key is encrypted: give its passphrase", self->err);
	EXPECT_EQ(-1, import(self->ks, "enc", enc, chain, "wrong horse", false, self->err));
	EXPECT_STREQ("the passphrase does not decrypt the private key", self->err);
	snapshot(self->dir, self->after, sizeof(self->after));
	EXPECT_STREQ(self->before, self->after);

	ASSERT_EQ(0, import(self->ks, "enc", enc, chain, "correct horse", false, self->err))
	TH_LOG("%s", self->err);
	/* Stored decrypted (the server starts unattended), as the same key. */
	ASSERT_EQ(0, keystore_paths(self->ks, "enc", crt, kpath));
	stored = read_text(kpath);
	EXPECT_EQ(NULL, strstr(stored, "ENCRYPTED"));
	key_line(key_pem(key, NULL), line, sizeof(line));
	EXPECT_NE(NULL, strstr(stored, line));
}

TEST_F(ks, hostile_imports_are_refused_and_change_nothing)
{
	EVP_PKEY *ca_key = rsa_key(2048), *key = rsa_key(2048), *other = rsa_key(2048);
	X509 *ca = ca_cert(ca_key, "Test CA", NULL, NULL);
	X509 *leaf = leaf_cert(key, ca, ca_key);
	char *kp = key_pem(key, NULL), *chain = certs_pem(leaf, ca, NULL), *big, line[64];
	const size_t big_len = 100u << 20;
	struct keystore_import in = { 0 };
	struct {
		const char *what, *key, *chain, *expect;
		int err;
	} cases[] = {
		{ "garbage key", "hello, I am not a key\n", chain, "no private key in the key file",
		  EINVAL },
		{ "garbage PEM key",
		  "-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAA\n-----END PRIVATE KEY-----\n", chain,
		  "no private key", EINVAL },
		{ "garbage certificate", kp, "\x01\x02 binary junk \xff", "no certificate",
		  EINVAL },
		{ "garbage PEM certificate", kp,
		  "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		  "no certificate", EINVAL },
		{ "a key as the certificate", kp, kp, "no certificate", EINVAL },
		{ "the other key", key_pem(other, NULL), chain,
		  "the private key does not belong to the certificate (CN=" HOST, EKEYREJECTED },
		{ "chain out of order", kp, certs_pem(ca, leaf, NULL),
		  "the private key does not belong", EKEYREJECTED },
	};
	char damaged[16384];

	/* A good certificate then a damaged one. */
	snprintf(damaged, sizeof(damaged),
		 "%s-----BEGIN CERTIFICATE-----\nMIIBAAAA\n-----END "
		 "CERTIFICATE-----\n",
		 certs_pem(leaf, NULL, NULL));
	ASSERT_EQ(1, keystore_ensure_default(self->ks, HOST, KEYSTORE_EC256, self->err,
					     sizeof(self->err)));
	snapshot(self->dir, self->before, sizeof(self->before));
	key_line(kp, line, sizeof(line));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(-1, import(self->ks, "hostile", cases[i].key, cases[i].chain, NULL, false,
				     self->err))
		TH_LOG("%s", cases[i].what);
		EXPECT_EQ(cases[i].err, errno) TH_LOG("%s", cases[i].what);
		EXPECT_NE(NULL, strstr(self->err, cases[i].expect))
		TH_LOG("%s: %s", cases[i].what, self->err);
		EXPECT_EQ(NULL, strstr(self->err, line))
		TH_LOG("%s: key in the message", cases[i].what);
	}
	EXPECT_EQ(-1, import(self->ks, "hostile", kp, damaged, NULL, false, self->err));
	EXPECT_STREQ("certificate 2 of the certificate file is damaged", self->err);
	/* A leaf whose issuer is not next: its issuer is missing, a stranger follows. */
	EXPECT_EQ(-1, import(self->ks, "hostile", kp,
			     certs_pem(leaf, leaf_cert(other, ca, ca_key), NULL), NULL, false,
			     self->err));
	EXPECT_EQ(EKEYREJECTED, errno);
	EXPECT_NE(NULL, strstr(self->err, "certificate 1 (CN=" HOST ",O=irsend tests) was not "
					  "issued by certificate 2"))
	TH_LOG("%s", self->err);
	/* Names. */
	EXPECT_EQ(-1, import(self->ks, "../escape", kp, chain, NULL, false, self->err));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, import(self->ks, KEYSTORE_DEFAULT, kp, chain, NULL, false, self->err));
	EXPECT_EQ(EEXIST, errno);

	/* 100 MB files are refused by their size, before any parsing. */
	big = malloc(big_len);
	ASSERT_NE(NULL, big);
	memset(big, 'A', big_len);
	in = (struct keystore_import){
		.key_pem = big, .key_len = big_len, .chain_pem = chain, .chain_len = strlen(chain)
	};
	EXPECT_EQ(-1, keystore_import(self->ks, "big", &in, self->err, sizeof(self->err)));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_NE(NULL, strstr(self->err, "a key is at most 12 KiB")) TH_LOG("%s", self->err);
	in = (struct keystore_import){
		.key_pem = kp, .key_len = strlen(kp), .chain_pem = big, .chain_len = big_len
	};
	EXPECT_EQ(-1, keystore_import(self->ks, "big", &in, self->err, sizeof(self->err)));
	EXPECT_EQ(EFBIG, errno);
	EXPECT_NE(NULL, strstr(self->err, "a chain is at most 40 KiB"));
	free(big);
	/* Nothing at all. */
	in = (struct keystore_import){ .key_pem = kp, .key_len = strlen(kp) };
	EXPECT_EQ(-1, keystore_import(self->ks, "empty", &in, self->err, sizeof(self->err)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_NE(NULL, strstr(self->err, "no certificate"));
	EXPECT_EQ(-1, import(self->ks, "empty", "", chain, NULL, false, self->err));
	EXPECT_NE(NULL, strstr(self->err, "no private key"));
	/* More certificates than a chain needs. */
	big = malloc(64 * 1024);
	big[0] = '\0';
	for (int i = 0; i < KEYSTORE_CHAIN_CERTS_MAX + 1; i++)
		strcat(big, certs_pem(i ? ca : leaf, NULL, NULL));
	EXPECT_EQ(-1, import(self->ks, "long", kp, big, NULL, false, self->err));
	EXPECT_EQ(EFBIG, errno);

	snapshot(self->dir, self->after, sizeof(self->after));
	EXPECT_STREQ(self->before, self->after);
}

TEST_F(ks, weak_keys_and_signatures_are_refused)
{
	EVP_PKEY *ca_key = rsa_key(2048);
	X509 *ca = ca_cert(ca_key, "Test CA", NULL, NULL);
	EVP_PKEY *rsa512 = rsa_key(512), *rsa1024 = rsa_key(1024), *p521 = ec_key("P-521");
	EVP_PKEY *k256 = ec_key("secp256k1"), *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *good = rsa_key(2048);
	struct certgen sha1 = { .key = good,
				.cn = HOST,
				.issuer = ca,
				.issuer_key = ca_key,
				.from_s = -DAY,
				.to_s = DAY,
				.md = EVP_sha1(),
				.eku = "serverAuth" };
	struct certgen client = { .key = good,
				  .cn = HOST,
				  .issuer = ca,
				  .issuer_key = ca_key,
				  .from_s = -DAY,
				  .to_s = DAY,
				  .eku = "clientAuth" };
	struct {
		const char *what;
		EVP_PKEY *key;
		X509 *cert;
		const char *expect;
	} cases[] = {
		{ "RSA 512", rsa512, leaf_cert(rsa512, ca, ca_key),
		  "the key is RSA 512 bits: too weak, at least 2048 are needed" },
		{ "RSA 1024", rsa1024, leaf_cert(rsa1024, ca, ca_key), "RSA 1024 bits: too weak" },
		{ "P-521", p521, leaf_cert(p521, ca, ca_key), "EC curve secp521r1" },
		{ "secp256k1", k256, leaf_cert(k256, ca, ca_key), "EC curve secp256k1" },
		{ "Ed25519", ed, leaf_cert(ed, ca, ca_key), "of type ED25519" },
		{ "SHA-1 signature", good, make_cert(&sha1),
		  "is signed with sha1WithRSAEncryption" },
		{ "client certificate", good, make_cert(&client), "lacks serverAuth" },
	};
	EVP_PKEY *weak_ca_key = rsa_key(1024);
	X509 *weak_ca = ca_cert(weak_ca_key, "Weak CA", NULL, NULL);

	snapshot(self->dir, self->before, sizeof(self->before));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		EXPECT_EQ(-1, import(self->ks, "weak", key_pem(cases[i].key, NULL),
				     certs_pem(cases[i].cert, ca, NULL), NULL, false, self->err))
		TH_LOG("%s", cases[i].what);
		EXPECT_EQ(EKEYREJECTED, errno);
		EXPECT_NE(NULL, strstr(self->err, cases[i].expect))
		TH_LOG("%s: %s", cases[i].what, self->err);
	}
	/* A strong key under an issuer with a weak one. */
	EXPECT_EQ(-1, import(self->ks, "weak", key_pem(good, NULL),
			     certs_pem(leaf_cert(good, weak_ca, weak_ca_key), weak_ca, NULL), NULL,
			     false, self->err));
	EXPECT_NE(NULL, strstr(self->err, "has a key too weak (1024 bits)"))
	TH_LOG("%s", self->err);
	/* A leaf cannot issue: a chain that says so is refused. */
	EXPECT_EQ(-1,
		  import(self->ks, "weak", key_pem(good, NULL),
			 certs_pem(leaf_cert(good, ca, ca_key), ca, leaf_cert(rsa512, ca, ca_key)),
			 NULL, false, self->err));
	EXPECT_NE(NULL, strstr(self->err, "was not issued by certificate 3"))
	TH_LOG("%s", self->err);
	snapshot(self->dir, self->after, sizeof(self->after));
	EXPECT_STREQ(self->before, self->after);
}

TEST_F(ks, validity_period_refused_unless_forced)
{
	EVP_PKEY *ca_key = rsa_key(2048), *key = ec_key("P-256");
	X509 *ca = ca_cert(ca_key, "Test CA", NULL, NULL);
	struct certgen expired = { .key = key,
				   .cn = HOST,
				   .issuer = ca,
				   .issuer_key = ca_key,
				   .from_s = -400 * DAY,
				   .to_s = -35 * DAY,
				   .eku = "serverAuth" };
	struct certgen future = expired;
	char *kp = key_pem(key, NULL), *old = certs_pem(make_cert(&expired), ca, NULL), out[4096];
	struct keystore_import in = { .key_pem = kp, .key_len = strlen(kp) };
	struct keystore_info info;
	char crt[KEYSTORE_PATH_MAX], kpath[KEYSTORE_PATH_MAX];

	future.from_s = 30 * DAY;
	future.to_s = 400 * DAY;
	snapshot(self->dir, self->before, sizeof(self->before));
	EXPECT_EQ(-1, import(self->ks, "old", kp, old, NULL, false, self->err));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_NE(NULL, strstr(self->err, "certificate 1 (CN=" HOST ",O=irsend tests) expired on "))
	TH_LOG("%s", self->err);
	EXPECT_EQ(-1, import(self->ks, "early", kp, certs_pem(make_cert(&future), ca, NULL), NULL,
			     false, self->err));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_NE(NULL, strstr(self->err, "is not valid before")) TH_LOG("%s", self->err);
	snapshot(self->dir, self->after, sizeof(self->after));
	EXPECT_STREQ(self->before, self->after);

	/* A good certificate, seen from a clock 2 years ahead. */
	in.chain_pem = certs_pem(leaf_cert(key, ca, ca_key), ca, NULL);
	in.chain_len = strlen(in.chain_pem);
	in.now = time(NULL) + 730 * DAY;
	EXPECT_EQ(-1, keystore_import(self->ks, "later", &in, self->err, sizeof(self->err)));
	EXPECT_EQ(EKEYEXPIRED, errno);

	/* Forced: stored, and shown with its problem; not usable unless forced again. */
	ASSERT_EQ(0, import(self->ks, "old", kp, old, NULL, true, self->err))
	TH_LOG("%s", self->err);
	ASSERT_EQ(0,
		  keystore_describe(self->ks, "old", NULL, 0, &info, self->err, sizeof(self->err)));
	EXPECT_NE(NULL, strstr(info.problem, "expired on")) TH_LOG("%s", info.problem);
	EXPECT_EQ(-1,
		  keystore_check_usable(self->ks, "old", false, 0, self->err, sizeof(self->err)));
	EXPECT_EQ(EKEYEXPIRED, errno);
	EXPECT_EQ(0, keystore_check_usable(self->ks, "old", true, 0, self->err, sizeof(self->err)));
	/* openssl agrees that it expired. */
	ASSERT_EQ(0, keystore_paths(self->ks, "old", crt, kpath));
	EXPECT_NE(0, run(out, sizeof(out), "openssl x509 -checkend 0 -noout -in %s", crt));
}

TEST_F(ks, list_shows_damage_and_export_never_gives_the_key)
{
	struct keystore_gen_opts o = { .alg = KEYSTORE_EC256, .cn = HOST };
	char crt[KEYSTORE_PATH_MAX], kpath[KEYSTORE_PATH_MAX], *key, *pem, both[16384];
	struct keystore_info *list;
	struct stat st;
	size_t n, len;
	FILE *f;

	ASSERT_EQ(1, keystore_ensure_default(self->ks, HOST, KEYSTORE_EC256, self->err,
					     sizeof(self->err)));
	ASSERT_EQ(0, keystore_generate(self->ks, "zz", &o, self->err, sizeof(self->err)));
	ASSERT_EQ(0, keystore_generate(self->ks, "aa", &o, self->err, sizeof(self->err)));
	ASSERT_EQ(0, keystore_generate(self->ks, "nokey", &o, self->err, sizeof(self->err)));
	ASSERT_EQ(0, keystore_generate(self->ks, "damaged", &o, self->err, sizeof(self->err)));
	ASSERT_EQ(0, keystore_generate(self->ks, "swapped", &o, self->err, sizeof(self->err)));
	/* Damage: no key; a certificate that is garbage; another key's file. */
	ASSERT_EQ(0, keystore_paths(self->ks, "nokey", crt, kpath));
	unlink(kpath);
	ASSERT_EQ(0, keystore_paths(self->ks, "damaged", crt, kpath));
	write_file(crt, "garbage\n");
	ASSERT_EQ(0, keystore_paths(self->ks, "aa", crt, kpath));
	key = read_text(kpath);
	ASSERT_EQ(0, keystore_paths(self->ks, "swapped", crt, kpath));
	write_file(kpath, key);
	/* Not keys: an orphan key, temporary files, other names. */
	snprintf(kpath, sizeof(kpath), "%s/orphan.key", self->dir);
	write_file(kpath, key);
	snprintf(kpath, sizeof(kpath), "%s/.x.crt.1.tmp", self->dir);
	write_file(kpath, "x");
	snprintf(kpath, sizeof(kpath), "%s/bad.name.crt", self->dir);
	write_file(kpath, "x");

	ASSERT_EQ(0, keystore_list(self->ks, "zz", 0, &list, &n, self->err, sizeof(self->err)));
	ASSERT_EQ(6, n);
	EXPECT_STREQ(KEYSTORE_DEFAULT, list[0].name);
	EXPECT_STREQ("aa", list[1].name);
	EXPECT_STREQ("", list[1].problem);
	EXPECT_STREQ("damaged", list[2].name);
	EXPECT_NE(NULL, strstr(list[2].problem, "certificate of damaged is damaged"));
	EXPECT_STREQ("nokey", list[3].name);
	EXPECT_NE(NULL, strstr(list[3].problem, "private key is missing"))
	TH_LOG("%s", list[3].problem);
	EXPECT_STREQ("swapped", list[4].name);
	EXPECT_NE(NULL, strstr(list[4].problem, "does not belong")) TH_LOG("%s", list[4].problem);
	EXPECT_STREQ("zz", list[5].name);
	EXPECT_TRUE(list[5].in_use);
	free(list);
	EXPECT_EQ(-1, keystore_check_usable(self->ks, "swapped", false, 0, self->err,
					    sizeof(self->err)));
	EXPECT_EQ(EKEYREJECTED, errno);
	EXPECT_FALSE(keystore_exists(self->ks, "orphan"));
	EXPECT_EQ(-1, keystore_paths(self->ks, "orphan", crt, kpath));
	EXPECT_EQ(ENOENT, errno);

	/* A key put into a certificate file never comes out of export. */
	ASSERT_EQ(0, keystore_paths(self->ks, "zz", crt, kpath));
	snprintf(both, sizeof(both), "%s%s", read_text(kpath), read_text(crt));
	write_file(crt, both);
	pem = keystore_export_cert(self->ks, "zz", &len, self->err, sizeof(self->err));
	ASSERT_NE(NULL, pem);
	EXPECT_EQ(NULL, strstr(pem, "PRIVATE"));
	EXPECT_EQ(0, strncmp(pem, "-----BEGIN CERTIFICATE-----", 27));
	EXPECT_EQ(NULL, keystore_export_cert(self->ks, "none", &len, self->err, sizeof(self->err)));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(NULL,
		  keystore_export_cert(self->ks, "../keys/zz", &len, self->err, sizeof(self->err)));
	EXPECT_EQ(EINVAL, errno);

	/* A leftover temporary file with a loose mode does not loosen the key's. */
	snprintf(kpath, sizeof(kpath), "%s/.loose.key.%ld.tmp", self->dir, (long)getpid());
	f = fopen(kpath, "w");
	ASSERT_NE(NULL, f);
	fclose(f);
	chmod(kpath, 0644);
	ASSERT_EQ(0, keystore_generate(self->ks, "loose", &o, self->err, sizeof(self->err)));
	ASSERT_EQ(0, keystore_paths(self->ks, "loose", crt, kpath));
	ASSERT_EQ(0, stat(kpath, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	/* An orphan key (a crash between the two files) is replaced by the next write. */
	ASSERT_EQ(0, keystore_generate(self->ks, "orphan", &o, self->err, sizeof(self->err)));
	EXPECT_EQ(0, keystore_check_usable(self->ks, "orphan", false, 0, self->err,
					   sizeof(self->err)));
}

TEST_F(ks, delete_keeps_the_default_and_the_key_in_use)
{
	struct keystore_gen_opts o = { .alg = KEYSTORE_EC256, .cn = HOST };
	char crt[KEYSTORE_PATH_MAX], kpath[KEYSTORE_PATH_MAX];

	ASSERT_EQ(1, keystore_ensure_default(self->ks, HOST, KEYSTORE_EC256, self->err,
					     sizeof(self->err)));
	ASSERT_EQ(0, keystore_generate(self->ks, "mail", &o, self->err, sizeof(self->err)));
	EXPECT_EQ(-1, keystore_delete(self->ks, KEYSTORE_DEFAULT, "mail", self->err,
				      sizeof(self->err)));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, keystore_delete(self->ks, "mail", "mail", self->err, sizeof(self->err)));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_NE(NULL, strstr(self->err, "in use"));
	EXPECT_EQ(-1, keystore_delete(self->ks, "none", NULL, self->err, sizeof(self->err)));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(keystore_exists(self->ks, "mail"));

	ASSERT_EQ(0, keystore_paths(self->ks, "mail", crt, kpath));
	ASSERT_EQ(0, keystore_delete(self->ks, "mail", KEYSTORE_DEFAULT, self->err,
				     sizeof(self->err)));
	EXPECT_FALSE(keystore_exists(self->ks, "mail"));
	EXPECT_NE(0, access(crt, F_OK));
	EXPECT_NE(0, access(kpath, F_OK));
	EXPECT_EQ(-1, keystore_paths(self->ks, "mail", crt, kpath));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_TRUE(keystore_exists(self->ks, KEYSTORE_DEFAULT));
}

TEST_F(ks, open_makes_the_directory_private)
{
	char path[256];
	struct keystore *ks;
	struct stat st;

	snprintf(path, sizeof(path), "%s/loose", self->root);
	ASSERT_EQ(0, mkdir(path, 0755));
	ASSERT_EQ(0, chmod(path, 0755));
	ks = keystore_open(path, self->err, sizeof(self->err));
	ASSERT_NE(NULL, ks);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0700, st.st_mode & 07777);
	EXPECT_STREQ(path, keystore_dir(ks));
	keystore_close(ks);
	/* A file where the directory should be. */
	snprintf(path, sizeof(path), "%s/file", self->root);
	write_file(path, "x");
	EXPECT_EQ(NULL, keystore_open(path, self->err, sizeof(self->err)));
	/* A symbolic link is not followed. */
	snprintf(path, sizeof(path), "%s/link", self->root);
	ASSERT_EQ(0, symlink("/tmp", path));
	EXPECT_EQ(NULL, keystore_open(path, self->err, sizeof(self->err)));
	EXPECT_EQ(ENOTDIR, errno);
}

TEST_HARNESS_MAIN
