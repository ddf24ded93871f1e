/*
 * irsendctl keys list|generate|import|use|export-cert|delete: the key
 * pairs and certificates the device's SMTP server offers for TLS. The
 * files named on the command line are read here, as the user who runs
 * the command, and sent to the agent as text; a private key is wiped
 * from memory once sent and never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "agent_client.h"
#include "atomic_file.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"
#include "keystore.h"

#define CMD "keys"
#define PROG CTL_PROG " " CMD

static void keys_help(void)
{
	printf("Usage: %s keys list [--json]\n"
	       "       %s keys generate NAME [--algorithm A] [--cn CN]\n"
	       "                               [--san DNS:x,IP:y]... [--days N]\n"
	       "       %s keys import NAME --key FILE --cert FILE\n"
	       "                             [--passphrase-file FILE] [--force]\n"
	       "       %s keys use NAME [--force]\n"
	       "       %s keys export-cert NAME [--out FILE]\n"
	       "       %s keys delete NAME --yes\n"
	       "\n"
	       "The key pairs and certificates the device's SMTP server offers to clients for\n"
	       "TLS (STARTTLS, when the setting smtpd.tls is on or ssl). At its first start the\n"
	       "device makes its own: DefaultKey, an RSA 2048 key with a self-signed\n"
	       "certificate for the device's host name, valid 10 years. A certificate signed by\n"
	       "your CA can be imported and used instead. The keys live on the data disk:\n"
	       "\"initialize all data\" removes them, and the next start makes a new DefaultKey.\n"
	       "NAME is 1-24 letters, digits, '_' or '-'.\n"
	       "\n"
	       "  list          every key: type and size, subject, issuer (or self-signed),\n"
	       "                validity, host names and addresses (SANs), SHA-256\n"
	       "                fingerprint of the certificate, the number of certificates in\n"
	       "                its chain, which one the SMTP server uses, and what is wrong\n"
	       "                with a key that cannot be used (expired, damaged...)\n"
	       "  generate NAME a new key with a self-signed certificate:\n"
	       "                --algorithm rsa2048 (default: the widest client support),\n"
	       "                  rsa3072, ec256 (ECDSA P-256) or ec384 (ECDSA P-384)\n"
	       "                --cn CN     the certificate's common name (default: the\n"
	       "                            device's host name)\n"
	       "                --san LIST  DNS:host.name and IP:address entries, separated by\n"
	       "                            commas; may be repeated (default: the CN)\n"
	       "                --days N    validity in days, 1-%d (default %d)\n"
	       "  import NAME   a key and its certificate from a CA, as PEM files:\n"
	       "                --key FILE  the private key (PKCS#8, RSA or EC; at most %d KiB),\n"
	       "                            possibly encrypted\n"
	       "                --cert FILE the certificate first, then the intermediate CA\n"
	       "                            certificates in order (at most %d, %d KiB)\n"
	       "                --passphrase-file FILE  the first line of FILE decrypts the key\n"
	       "                --force     accept certificates that are expired or not yet\n"
	       "                            valid (a device whose clock is wrong)\n"
	       "                Refused: a key that does not belong to the certificate, RSA\n"
	       "                keys under 2048 bits, EC curves other than P-256 and P-384, a\n"
	       "                chain out of order, SHA-1 or MD5 signatures, a certificate not\n"
	       "                for TLS servers, and anything that is not PEM. The key is\n"
	       "                stored decrypted (the server starts unattended), readable by\n"
	       "                the agent's user only.\n"
	       "  use NAME      make the SMTP server use NAME (the user setting smtpd.key),\n"
	       "                after checking that its key matches its certificate and that\n"
	       "                the certificate is valid now (--force: whatever its dates)\n"
	       "  export-cert NAME\n"
	       "                print NAME's certificate chain as PEM (to give clients or your\n"
	       "                CA), or write it to --out FILE. The private key never leaves\n"
	       "                the device.\n"
	       "  delete NAME --yes\n"
	       "                remove NAME; DefaultKey and the key in use are kept\n"
	       "\n"
	       "Only root and the agent's user may generate, import, use or delete; anyone\n"
	       "allowed on the agent's socket may list and export certificates.\n"
	       "\n"
	       "Exit status: 0 success, 1 refused (the message says why) or agent\n"
	       "unreachable, 2 wrong usage.\n"
	       "\n"
	       "Examples:\n"
	       "  %s keys list\n"
	       "  %s keys generate mail --algorithm ec256 --cn scanner.example.com \\\n"
	       "      --san DNS:scanner.example.com,IP:192.0.2.10\n"
	       "  %s keys export-cert mail --out scanner.crt\n"
	       "  %s keys import corp --key scanner.key --cert scanner-chain.pem \\\n"
	       "      --passphrase-file /root/scanner.pass\n"
	       "  %s keys use corp\n",
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, KEYSTORE_DAYS_MAX,
	       KEYSTORE_DAYS_DEFAULT, KEYSTORE_KEY_PEM_MAX / 1024, KEYSTORE_CHAIN_CERTS_MAX,
	       KEYSTORE_CHAIN_PEM_MAX / 1024, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

enum {
	OPT_ALGORITHM = 256,
	OPT_CN,
	OPT_SAN,
	OPT_DAYS,
	OPT_KEY,
	OPT_CERT,
	OPT_PASSPHRASE_FILE,
	OPT_FORCE,
	OPT_OUT,
	OPT_YES,
};

/* In the order of the enum above: keys_options[c - OPT_ALGORITHM] is option c. */
static const struct option keys_options[] = {
	{ "algorithm", required_argument, NULL, OPT_ALGORITHM },
	{ "cn", required_argument, NULL, OPT_CN },
	{ "san", required_argument, NULL, OPT_SAN },
	{ "days", required_argument, NULL, OPT_DAYS },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

#define BIT(opt) (1u << ((opt)-OPT_ALGORITHM))

/* What each verb takes, besides NAME. */
static const struct {
	const char *verb;
	bool name;
	unsigned int options;
} verbs[] = {
	{ "list", false, 0 },
	{ "generate", true, BIT(OPT_ALGORITHM) | BIT(OPT_CN) | BIT(OPT_SAN) | BIT(OPT_DAYS) },
	{ "import", true,
	  BIT(OPT_KEY) | BIT(OPT_CERT) | BIT(OPT_PASSPHRASE_FILE) | BIT(OPT_FORCE) },
	{ "use", true, BIT(OPT_FORCE) },
	{ "export-cert", true, BIT(OPT_OUT) },
	{ "delete", true, BIT(OPT_YES) },
};

struct keys_args {
	const char *verb, *name;
	const char *algorithm, *cn, *key, *cert, *passphrase_file, *out;
	char sans[1024];
	uint32_t days;
	bool force, yes;
	unsigned int given;
};

/* argv[0] is the verb. 0, 1 (help printed) or CTL_EXIT_USAGE (after the message). */
static int parse(int argc, char **argv, struct keys_args *a)
{
	size_t v = 0;
	int c;

	a->verb = argv[0];
	while (v < sizeof(verbs) / sizeof(verbs[0]) && strcmp(verbs[v].verb, a->verb))
		v++;
	if (v == sizeof(verbs) / sizeof(verbs[0]))
		return usage_error(CMD,
				   "unknown action '%s' (list, generate, import, use, "
				   "export-cert or delete)",
				   a->verb);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", keys_options, NULL)) != -1) {
		if (c == 'h') {
			keys_help();
			return 1;
		}
		if (c < OPT_ALGORITHM)
			return option_error(CMD, argv, c);
		if (!(verbs[v].options & BIT(c)))
			return usage_error(CMD, "%s does not take '--%s'", a->verb,
					   keys_options[c - OPT_ALGORITHM].name);
		a->given |= BIT(c);
		switch (c) {
		case OPT_ALGORITHM:
			a->algorithm = optarg;
			break;
		case OPT_CN:
			a->cn = optarg;
			break;
		case OPT_SAN:
			if (strlen(a->sans) + strlen(optarg) + 2 > sizeof(a->sans))
				return usage_error(CMD, "--san: too many names");
			if (a->sans[0])
				strcat(a->sans, ",");
			strcat(a->sans, optarg);
			break;
		case OPT_DAYS:
			if (!parse_uint(optarg, 1, KEYSTORE_DAYS_MAX, &a->days))
				return usage_error(CMD, "--days %s: expected 1..%d", optarg,
						   KEYSTORE_DAYS_MAX);
			break;
		case OPT_KEY:
			a->key = optarg;
			break;
		case OPT_CERT:
			a->cert = optarg;
			break;
		case OPT_PASSPHRASE_FILE:
			a->passphrase_file = optarg;
			break;
		case OPT_FORCE:
			a->force = true;
			break;
		case OPT_OUT:
			a->out = optarg;
			break;
		case OPT_YES:
			a->yes = true;
			break;
		}
	}
	if (verbs[v].name && optind < argc)
		a->name = argv[optind++];
	if (optind < argc)
		return usage_error(CMD, "unexpected argument '%s'", argv[optind]);
	if (verbs[v].name && !a->name)
		return usage_error(CMD, "%s needs a key NAME", a->verb);
	return 0;
}

/*
 * Read at most max bytes of path into a malloc()ed, NUL-terminated buffer:
 * 0, or -1 after a message. what names the file for it ("key file").
 */
static int read_limited(const char *path, const char *what, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	char *b;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		fprintf(stderr, "%s: %s is %lld bytes: a %s is at most %zu KiB\n", PROG, path,
			(long long)st.st_size, what, max / 1024);
		close(fd);
		return -1;
	}
	b = malloc(max + 2);
	while (b && got <= max) {
		ssize_t n = read(fd, b + got, max + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!b || got > max) {
		if (b)
			fprintf(stderr, "%s: %s: larger than %zu KiB: not a %s\n", PROG, path,
				max / 1024, what);
		else
			fprintf(stderr, "%s: out of memory\n", PROG);
		if (b)
			OPENSSL_clear_free(b, max + 2);
		return -1;
	}
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
}

/* "2035-05-01T12:00:00Z" as "2035-05-01 12:00:00 UTC". */
static void print_time(const char *iso)
{
	printf("%.10s %.8s UTC", iso, strlen(iso) >= 19 ? iso + 11 : "");
}

static void print_key(struct json_object *k)
{
	struct json_object *sans = ctl_get(k, "sans");
	const char *problem = ctl_get_text(k, "problem");
	int chain = json_object_get_int(ctl_get(k, "chain"));

	printf("%s%s\n", ctl_get_text(k, "name"),
	       json_object_get_boolean(ctl_get(k, "in_use")) ? "  (in use by the SMTP server)"
							     : "");
	if (!ctl_get(k, "algorithm")) {
		printf("  problem:  %s\n", problem);
		return;
	}
	printf("  key:      %s\n", ctl_get_text(k, "algorithm"));
	printf("  subject:  %s\n", ctl_get_text(k, "subject"));
	printf("  issuer:   %s\n", json_object_get_boolean(ctl_get(k, "self_signed"))
					   ? "self-signed"
					   : ctl_get_text(k, "issuer"));
	printf("  valid:    ");
	print_time(ctl_get_text(k, "not_before"));
	printf(" to ");
	print_time(ctl_get_text(k, "not_after"));
	printf("\n  names:    ");
	for (size_t i = 0; i < json_object_array_length(sans); i++)
		printf("%s%s", i ? ", " : "",
		       json_object_get_string(json_object_array_get_idx(sans, i)));
	printf("%s\n", json_object_array_length(sans) ? "" : "(none)");
	printf("  sha-256:  %s\n", ctl_get_text(k, "sha256"));
	printf("  chain:    %d certificate%s\n", chain, chain == 1 ? "" : "s");
	if (*problem)
		printf("  problem:  %s\n", problem);
}

static void print_json(struct json_object *res)
{
	printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
}

static int do_list(const struct ctl_options *opt)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *res = agent_request(&call, "keys.list", json_object_new_object()), *arr;

	if (!res)
		return CTL_EXIT_FAILURE;
	arr = ctl_get(res, "keys");
	if (opt->json) {
		print_json(res);
	} else {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			if (i)
				printf("\n");
			print_key(json_object_array_get_idx(arr, i));
		}
		if (!json_object_array_length(arr))
			printf("No keys (the agent makes DefaultKey at its start).\n");
	}
	json_object_put(res);
	return CTL_EXIT_OK;
}

static int do_generate(const struct ctl_options *opt, const struct keys_args *a)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args = json_object_new_object(), *res;

	json_object_object_add(args, "name", json_object_new_string(a->name));
	if (a->algorithm)
		json_object_object_add(args, "algorithm", json_object_new_string(a->algorithm));
	if (a->cn)
		json_object_object_add(args, "cn", json_object_new_string(a->cn));
	if (a->sans[0])
		json_object_object_add(args, "sans", json_object_new_string(a->sans));
	if (a->days)
		json_object_object_add(args, "days", json_object_new_int64(a->days));
	res = agent_request(&call, "keys.generate", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json) {
		print_json(res);
	} else {
		printf("Made a new key with a self-signed certificate:\n\n");
		print_key(ctl_get(res, "key"));
		printf("\n'%s keys use %s' makes the SMTP server use it.\n", CTL_PROG, a->name);
	}
	json_object_put(res);
	return CTL_EXIT_OK;
}

static int do_import(const struct ctl_options *opt, const struct keys_args *a)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args, *res = NULL;
	char *key = NULL, *chain = NULL, *pass = NULL;
	size_t key_len = 0, chain_len = 0, pass_len = 0;
	int ret = CTL_EXIT_FAILURE;

	if (!a->key || !a->cert)
		return usage_error(CMD, "import needs --key FILE and --cert FILE");
	if (read_limited(a->key, "key file", KEYSTORE_KEY_PEM_MAX, &key, &key_len) < 0 ||
	    read_limited(a->cert, "certificate file", KEYSTORE_CHAIN_PEM_MAX, &chain, &chain_len) <
		    0 ||
	    (a->passphrase_file && read_limited(a->passphrase_file, "passphrase file",
						KEYSTORE_PASSPHRASE_MAX + 2, &pass, &pass_len) < 0))
		goto out;
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(a->name));
	json_object_object_add(args, "key", json_object_new_string_len(key, (int)key_len));
	json_object_object_add(args, "chain", json_object_new_string_len(chain, (int)chain_len));
	if (pass) {
		pass[strcspn(pass, "\r\n")] = '\0';
		json_object_object_add(args, "passphrase", json_object_new_string(pass));
	}
	if (a->force)
		json_object_object_add(args, "force", json_object_new_boolean(1));
	res = agent_request(&call, "keys.import", args);
	if (!res)
		goto out;
	if (opt->json) {
		print_json(res);
	} else {
		printf("Imported:\n\n");
		print_key(ctl_get(res, "key"));
		printf("\n'%s keys use %s' makes the SMTP server use it.\n", CTL_PROG, a->name);
	}
	json_object_put(res);
	ret = CTL_EXIT_OK;
out:
	if (key)
		OPENSSL_clear_free(key, key_len);
	if (pass)
		OPENSSL_clear_free(pass, pass_len);
	free(chain);
	return ret;
}

static int do_use(const struct ctl_options *opt, const struct keys_args *a)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args = json_object_new_object(), *res;

	json_object_object_add(args, "name", json_object_new_string(a->name));
	if (a->force)
		json_object_object_add(args, "force", json_object_new_boolean(1));
	res = agent_request(&call, "keys.use", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		print_json(res);
	else
		printf("The SMTP server's TLS key is now %s (it was %s).\n",
		       ctl_get_text(res, "name"), ctl_get_text(res, "previous"));
	json_object_put(res);
	return CTL_EXIT_OK;
}

/* Write text to path, complete or not at all. */
static int write_out(const char *path, const char *pem)
{
	char *d = strdup(path), *b = strdup(path);
	struct atomic_file af;
	int ret = -1;

	if (d && b && atomic_file_create(&af, dirname(d), basename(b)) == 0) {
		if (fchmod(af.fd, 0644) == 0 && atomic_file_write(&af, pem, strlen(pem)) == 0 &&
		    atomic_file_commit(&af) == 0)
			ret = 0;
		else
			atomic_file_abort(&af);
	}
	if (ret < 0)
		fprintf(stderr, "%s: %s: %s\n", PROG, path, strerror(errno));
	free(d);
	free(b);
	return ret;
}

static int do_export(const struct ctl_options *opt, const struct keys_args *a)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args = json_object_new_object(), *res;
	int ret = CTL_EXIT_OK;

	json_object_object_add(args, "name", json_object_new_string(a->name));
	res = agent_request(&call, "keys.export-cert", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (a->out) {
		if (write_out(a->out, ctl_get_text(res, "pem")) < 0)
			ret = CTL_EXIT_FAILURE;
		else if (!opt->json)
			printf("The certificate chain of %s is in %s.\n", a->name, a->out);
	} else if (!opt->json) {
		fputs(ctl_get_text(res, "pem"), stdout);
	}
	if (opt->json && ret == CTL_EXIT_OK)
		print_json(res);
	json_object_put(res);
	return ret;
}

static int do_delete(const struct ctl_options *opt, const struct keys_args *a)
{
	struct agent_call call = { .prog = PROG };
	struct json_object *args, *res;

	if (!a->yes)
		return usage_error(CMD, "deleting %s cannot be undone: add --yes", a->name);
	args = json_object_new_object();
	json_object_object_add(args, "name", json_object_new_string(a->name));
	res = agent_request(&call, "keys.delete", args);
	if (!res)
		return CTL_EXIT_FAILURE;
	if (opt->json)
		print_json(res);
	else
		printf("Key %s is deleted.\n", a->name);
	json_object_put(res);
	return CTL_EXIT_OK;
}

int cmd_keys(const struct ctl_options *opt, int argc, char **argv)
{
	struct keys_args a = { 0 };
	int ret;

	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		keys_help();
		return argc < 2 ? CTL_EXIT_USAGE : CTL_EXIT_OK;
	}
	ret = parse(argc - 1, argv + 1, &a);
	if (ret)
		return ret == 1 ? CTL_EXIT_OK : ret;
	if (strcmp(a.verb, "list") == 0)
		return do_list(opt);
	if (strcmp(a.verb, "generate") == 0)
		return do_generate(opt, &a);
	if (strcmp(a.verb, "import") == 0)
		return do_import(opt, &a);
	if (strcmp(a.verb, "use") == 0)
		return do_use(opt, &a);
	if (strcmp(a.verb, "export-cert") == 0)
		return do_export(opt, &a);
	return do_delete(opt, &a);
}
