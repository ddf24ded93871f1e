/*
 * The device's TLS server keys (seed 2.1.7): key pairs with their
 * certificates, for the SMTP server's STARTTLS. They live in one
 * directory of the data disk (the agent's data_dir/keys, mode 0700):
 *
 *	NAME.key  the private key, unencrypted PKCS#8 PEM, mode 0600
 *	NAME.crt  the certificate and its chain, leaf first, PEM
 *
 * NAME is 1-24 characters of [A-Za-z0-9_-]. "DefaultKey" is made by the
 * device itself at its first start: a self-signed certificate for its
 * host name. Others are generated the same way or imported from a CA.
 *
 * Both files are written atomically, the key first: the certificate is
 * what makes a name exist, so a crash between the two leaves only an
 * orphan key that the next write of that name replaces. Everything
 * written is re-encoded from what was parsed, never copied: a private
 * key reaches NAME.key and nothing else (no message, no export, no .crt).
 *
 * Usage (the agent):
 *
 *	struct keystore *ks = keystore_open("/data/keys", err, sizeof(err));
 *	keystore_ensure_default(ks, "scanner.example.com", KEYSTORE_RSA2048, err, sizeof(err));
 *	char crt[KEYSTORE_PATH_MAX], key[KEYSTORE_PATH_MAX];
 *	if (keystore_paths(ks, settings_store_get(st, "smtpd.key"), crt, key) == 0)
 *		... irs_tls_server_ctx_new(crt, key, ...) ...
 *	keystore_close(ks);
 *
 * A handle is the directory's name and nothing else: it never changes
 * after keystore_open(), so keystore_paths() may be called from any
 * thread. Changes (generate, import, delete) are the agent thread's.
 * Failures return -1 with errno set, as the comments say, and a message
 * for the user in err.
 */
#ifndef IRSEND_AGENT_KEYSTORE_H
#define IRSEND_AGENT_KEYSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define KEYSTORE_DEFAULT "DefaultKey"
/* The directory under the agent's data_dir. */
#define KEYSTORE_SUBDIR "keys"
#define KEYSTORE_NAME_MAX 24
#define KEYSTORE_PATH_MAX 512
/* What an import accepts: a key PEM, a certificate chain PEM, certificates in it. */
#define KEYSTORE_KEY_PEM_MAX (12 * 1024)
#define KEYSTORE_CHAIN_PEM_MAX (40 * 1024)
#define KEYSTORE_CHAIN_CERTS_MAX 8
#define KEYSTORE_PASSPHRASE_MAX 1023
/* Generated certificates: 10 years unless asked; at most 25. */
#define KEYSTORE_DAYS_DEFAULT 3650
#define KEYSTORE_DAYS_MAX 9125
#define KEYSTORE_CN_MAX 64
#define KEYSTORE_SANS_MAX 16
/* Enough for every message here. */
#define KEYSTORE_ERR_MAX 512

/* Key types the device makes and accepts (RSA 2048: the widest client support). */
enum keystore_alg {
	KEYSTORE_RSA2048,
	KEYSTORE_RSA3072,
	KEYSTORE_EC256, /* ECDSA P-256 */
	KEYSTORE_EC384, /* ECDSA P-384 */
};

struct keystore;

/* Open dir, creating it (0700) when missing: the handle, or NULL with err. */
struct keystore *keystore_open(const char *dir, char *err, size_t errlen);
void keystore_close(struct keystore *ks);
const char *keystore_dir(const struct keystore *ks);

/* 1-24 characters of [A-Za-z0-9_-]. */
bool keystore_name_valid(const char *name);
/* Does NAME have its certificate (and so exist)? */
bool keystore_exists(const struct keystore *ks, const char *name);

/* "rsa2048", "rsa3072", "ec256", "ec384" (any case): 0, or -1. */
int keystore_alg_parse(const char *text, enum keystore_alg *alg);
const char *keystore_alg_name(enum keystore_alg alg);

struct keystore_gen_opts {
	enum keystore_alg alg;
	const char *cn;	   /* the subject's common name, 1-64 characters */
	const char *sans;  /* "DNS:name,IP:address,..."; NULL or "": DNS:cn (IP: for an address) */
	unsigned int days; /* 0: KEYSTORE_DAYS_DEFAULT */
};

/*
 * A new key pair under NAME with a self-signed X.509 v3 certificate:
 * random 128-bit serial, valid from 5 minutes ago for days, key usage
 * digitalSignature (and keyEncipherment for RSA), extended key usage
 * serverAuth, signed with SHA-256 (SHA-384 for P-384). 0, or -1: EINVAL
 * (a bad name, CN, SAN or days), EEXIST (NAME exists), EIO.
 */
int keystore_generate(struct keystore *ks, const char *name, const struct keystore_gen_opts *o,
		      char *err, size_t errlen);

/*
 * At the agent's start: DefaultKey for hostname (its CN and only SAN)
 * when there is none. 1 when made, 0 when it was there, -1 as generate.
 */
int keystore_ensure_default(struct keystore *ks, const char *hostname, enum keystore_alg alg,
			    char *err, size_t errlen);

struct keystore_import {
	const char *key_pem; /* the private key, PEM, possibly encrypted */
	size_t key_len;
	const char *chain_pem; /* the certificate first, then each issuer in turn */
	size_t chain_len;
	const char *passphrase; /* for an encrypted key; NULL: none */
	bool force;		/* accept certificates outside their validity period */
	time_t now;		/* 0: the current time */
};

/*
 * Store a key and certificate chain from a CA under NAME, after checking
 * them: the key is RSA 2048-8192 bits or EC P-256/P-384, it belongs to
 * the first certificate, every certificate was issued and signed by the
 * next one, no signature or issuer key weaker than 112 bits, the first
 * one may serve TLS (key usage, extended key usage), and each is valid
 * at now unless forced. 0, or -1: EINVAL (a bad name; not PEM; an
 * encrypted key without its passphrase, or the wrong one), EFBIG (more
 * than the limits above), EEXIST, EKEYREJECTED (a check failed),
 * EKEYEXPIRED (expired or not yet valid), EIO. Nothing is written unless
 * every check passes.
 */
int keystore_import(struct keystore *ks, const char *name, const struct keystore_import *in,
		    char *err, size_t errlen);

struct keystore_info {
	char name[KEYSTORE_NAME_MAX + 1];
	char key_type[8];  /* "RSA" or "EC" */
	unsigned int bits; /* 2048, 256, ... */
	char curve[8];	   /* "P-256", "P-384"; "" for RSA */
	char subject[256]; /* RFC 2253, as "CN=host,O=..." */
	char issuer[256];
	bool self_signed;
	time_t not_before, not_after;
	char fingerprint[96]; /* SHA-256 of the certificate (DER), "AB:CD:..." */
	char sans[512];	      /* "DNS:host, IP:192.0.2.1"; "" when none */
	unsigned int chain_len;
	bool in_use;	   /* the name is the caller's in_use */
	char problem[160]; /* why it cannot be used ("" when it can): missing key, expired... */
};

/*
 * One key: 0, or -1 (EINVAL: a bad name, ENOENT: no such key, EIO: its
 * certificate is unreadable). A missing or non-matching private key or a
 * certificate out of its validity period at now (0: the current time)
 * is described, with the reason in info->problem.
 */
int keystore_describe(const struct keystore *ks, const char *name, const char *in_use, time_t now,
		      struct keystore_info *info, char *err, size_t errlen);

/*
 * Every key, DefaultKey first then by name, in a malloc()ed array the
 * caller frees: 0 with *list and *count set, or -1 (EIO). A key whose
 * certificate cannot be read is listed with only its name and problem.
 */
int keystore_list(const struct keystore *ks, const char *in_use, time_t now,
		  struct keystore_info **list, size_t *count, char *err, size_t errlen);

/*
 * May NAME serve TLS now: it exists, its key matches its certificate and
 * (unless forced) the certificate is valid at now (0: the current time)?
 * 0, or -1: EINVAL, ENOENT, EKEYREJECTED, EKEYEXPIRED, EIO.
 */
int keystore_check_usable(const struct keystore *ks, const char *name, bool force, time_t now,
			  char *err, size_t errlen);

/*
 * NAME's certificate chain as PEM, certificates only, in a malloc()ed
 * NUL-terminated string the caller frees (*len without the NUL), or NULL
 * (EINVAL, ENOENT, EIO) with err.
 */
char *keystore_export_cert(const struct keystore *ks, const char *name, size_t *len, char *err,
			   size_t errlen);

/*
 * Remove NAME. DefaultKey (EPERM) and the key in_use (EBUSY) are kept.
 * 0, or -1: EINVAL, ENOENT, EPERM, EBUSY, EIO.
 */
int keystore_delete(struct keystore *ks, const char *name, const char *in_use, char *err,
		    size_t errlen);

/*
 * Where NAME's files are, for the TLS server: 0 when both exist, or -1
 * (EINVAL: a bad name, ENOENT: no such key, ENAMETOOLONG).
 */
int keystore_paths(const struct keystore *ks, const char *name, char cert_path[KEYSTORE_PATH_MAX],
		   char key_path[KEYSTORE_PATH_MAX]);

#endif
