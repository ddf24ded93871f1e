/* irsendctl send: hand a job to irsendd and follow it to its end. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "agent_client.h"
#include "cli.h"
#include "commands.h"
#include "ctl_proto.h"
#include "encoder.h"
#include "paper.h"
#include "progress.h"

#include <linux/irsend.h>

#define CMD "send"
#define MAX_FILES 16

#define MAX_FOLDERS 8

struct folder {
	const char *to;
	bool ftp;
};

/* The file server password: --password-file (first line; '-': stdin), else the environment. */
static int read_password(const char *file, char *buf, size_t len)
{
	const char *env = getenv("IRSEND_FILE_PASSWORD");
	FILE *f;

	buf[0] = '\0';
	if (!file) {
		if (env)
			snprintf(buf, len, "%s", env);
		return 0;
	}
	f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	if (!f) {
		fprintf(stderr, "%s send: %s: %s\n", CTL_PROG, file, strerror(errno));
		return -1;
	}
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (f != stdin)
		fclose(f);
	return 0;
}

/* "smb": [{"to", "user", "password"}], "ftp": [...] */
static void add_folders(struct json_object *args, const struct folder *folders, size_t n,
			const char *user, const char *password)
{
	struct json_object *smb = json_object_new_array(), *ftp = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "to", json_object_new_string(folders[i].to));
		json_object_object_add(d, "user", json_object_new_string(user ? user : ""));
		json_object_object_add(d, "password", json_object_new_string(password));
		json_object_array_add(folders[i].ftp ? ftp : smb, d);
	}
	json_object_object_add(args, "smb", smb);
	json_object_object_add(args, "ftp", ftp);
	if (!json_object_array_length(smb))
		json_object_object_del(args, "smb");
	if (!json_object_array_length(ftp))
		json_object_object_del(args, "ftp");
}

static void send_help(void)
{
	printf("Usage: %s send (--box N[,N...] | --to ADDR[,ADDR...] [--ifax MODE] |\n"
	       "                  --smb \\\\SERVER\\SHARE\\DIR | --ftp ftp://HOST[:PORT]/DIR)...\n"
	       "                 [--user USER] [--password-file FILE]\n"
	       "                 [--format F[,F...]] [--name NAME]\n"
	       "                 (--scan PAGES [--size S] [--res R] [--depth D] | FILE...)\n"
	       "\n"
	       "Give irsendd a job: scan PAGES pages on the simulated ADF, or take the\n"
	       "PNM pages of FILE... ('-' for standard input; several images per file are\n"
	       "fine), encode them in each format, and deliver the result: into each User\n"
	       "Inbox, by e-mail (or I-Fax with --ifax) to the addresses through the SMTP\n"
	       "server of the settings ('%s settings list'), and into SMB and FTP\n"
	       "folders. Everything but a User Inbox needs the SEND option. A temporary\n"
	       "failure (4xx reply, network, a busy or full server) is retried later\n"
	       "(mail.retries, mail.retry_s).\n"
	       "The job is in the agent's journal before this command says \"accepted\":\n"
	       "from then on a crash or power cut does not lose it. The command follows the\n"
	       "job to its end, with progress on a terminal, unless --no-wait is given.\n"
	       "\n"
	       "Options:\n"
	       "  --box N[,N...]     User Inboxes to store into (0..99 by default)\n"
	       "  --to ADDR[,...]    e-mail recipients: one message to all of them\n"
	       "  --smb FOLDER       store the files in an SMB folder, \\\\server\\share\\dir\n"
	       "                     (or //server/share/dir); each file appears whole or not\n"
	       "                     at all; an existing name: file.existing (refuse or suffix)\n"
	       "  --ftp URL          store the files in an FTP folder, ftp://host[:port]/dir\n"
	       "                     (port: FTPTXPN; ftp.tls for FTPS)\n"
	       "  --user USER        the file server login (user, DOMAIN\\user, user@domain)\n"
	       "  --password-file F  its password: the first line of F ('-': standard\n"
	       "                     input), or $IRSEND_FILE_PASSWORD; never an argument\n"
	       "  --ifax MODE        send to the --to addresses as I-Fax: simple (RFC 3965),\n"
	       "                     full (RFC 2532, with a delivery receipt request), or\n"
	       "                     direct: simple mode straight to the host after the\n"
	       "                     '@' (fax@[198.18.0.7], fax@host), no SMTP server, no\n"
	       "                     TLS, at most ifax.serverless_max_mb unless IFAX-SZL\n"
	       "  --format F[,F...]  %s (default pdf)\n"
	       "  --name NAME        document name, also the file names (letters, digits,\n"
	       "                     '.', '_', '-'; default doc-JOBID)\n"
	       "  --scan PAGES       scan 1..%d pages instead of reading files\n"
	       "  --size S           paper for --scan: %s (default A4)\n"
	       "  --res R            resolution for --scan: %s (default 300)\n"
	       "  --depth D          %s (default 1)\n"
	       "  --seed N           test pattern seed for --scan (default 1)\n"
	       "  --pace MS          pause between scanned pages, 0..%d ms\n"
	       "  --dpi X[xY]        resolution of FILE pages (default 200)\n"
	       "  --no-wait          print the job id once accepted and return\n"
	       "  --json             print the ended job (or the id) as JSON\n"
	       "  -h, --help         print this help and exit\n"
	       "\n"
	       "Exit status: 0 the job ended ok (or was accepted, --no-wait), 1 it failed or\n"
	       "was cancelled (the error code and its meaning are printed; see\n"
	       "'%s errors CODE'), 2 wrong command line.\n"
	       "\n"
	       "Examples:\n"
	       "  %s send --box 1 --format pdf,tiff-mmr --scan 3 --res 600\n"
	       "  %s send --box 2 --format ifax page1.pbm page2.pbm\n"
	       "  %s send --to alice@example.com,bob@example.com --scan 2\n"
	       "  %s send --to fax@example.com --ifax simple --format ifax --scan 1\n"
	       "  %s send --to fax@[198.18.0.7] --ifax direct --scan 1\n"
	       "  %s send --smb '\\\\files\\scans\\in' --user scan --password-file pw --scan 2\n"
	       "  scanimage --format=pnm | %s send --box 1 -\n",
	       CTL_PROG, CTL_PROG, ENCODE_FORMAT_CHOICES, IRSEND_SCAN_MAX_PAGES, PAPER_CHOICES,
	       SCAN_RES_CHOICES, DEPTH_CHOICES, IRSEND_SCAN_MAX_PACE_MS, CTL_PROG, CTL_PROG,
	       CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG);
}

enum {
	OPT_BOX = 256,
	OPT_FORMAT,
	OPT_NAME,
	OPT_SCAN,
	OPT_SIZE,
	OPT_RES,
	OPT_DEPTH,
	OPT_SEED,
	OPT_PACE,
	OPT_DPI,
	OPT_NO_WAIT,
	OPT_JAM_AT,
	OPT_TO,
	OPT_IFAX,
	OPT_SMB,
	OPT_FTP,
	OPT_USER,
	OPT_PASSWORD_FILE,
};

static const struct option send_options[] = {
	{ "box", required_argument, NULL, OPT_BOX },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "scan", required_argument, NULL, OPT_SCAN },
	{ "size", required_argument, NULL, OPT_SIZE },
	{ "res", required_argument, NULL, OPT_RES },
	{ "depth", required_argument, NULL, OPT_DEPTH },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "pace", required_argument, NULL, OPT_PACE },
	{ "dpi", required_argument, NULL, OPT_DPI },
	{ "no-wait", no_argument, NULL, OPT_NO_WAIT },
	{ "jam-at", required_argument, NULL, OPT_JAM_AT },
	{ "to", required_argument, NULL, OPT_TO },
	{ "ifax", required_argument, NULL, OPT_IFAX },
	{ "smb", required_argument, NULL, OPT_SMB },
	{ "ftp", required_argument, NULL, OPT_FTP },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* "1,2,3" into a JSON array of numbers or strings. */
static struct json_object *split_list(const char *s, bool numbers)
{
	struct json_object *arr = json_object_new_array();
	char *copy = strdup(s), *save = NULL;

	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		if (!numbers) {
			json_object_array_add(arr, json_object_new_string(t));
		} else if (parse_uint(t, 0, 9999, &v)) {
			json_object_array_add(arr, json_object_new_int64(v));
		} else {
			json_object_put(arr);
			arr = NULL;
			break;
		}
	}
	free(copy);
	return arr;
}

struct follow {
	struct progress progress;
	uint32_t pages_expected;
	bool json;
};

static void on_event(struct json_object *ev, void *arg)
{
	struct follow *f = arg;
	const char *what = ctl_get_string(ev, "event"), *stage = ctl_get_string(ev, "stage");
	uint64_t job = 0, pages = 0, encoded = 0;

	ctl_get_uint(ev, "job", &job);
	if (what && strcmp(what, "accepted") == 0) {
		if (!f->json)
			fprintf(stderr, "job %llu accepted\n", (unsigned long long)job);
		return;
	}
	ctl_get_uint(ev, "pages", &pages);
	ctl_get_uint(ev, "encoded", &encoded);
	if (stage && strcmp(stage, "scanning") == 0)
		progress_page(&f->progress, (uint32_t)pages, f->pages_expected, 1, 1);
	else if (stage && strcmp(stage, "encoding") == 0)
		progress_page(&f->progress, (uint32_t)encoded, (uint32_t)pages, 1, 1);
}

/* "job 7: ok, 3 pages: box 1 document 4" or the error with its code. */
static int report(struct json_object *res, bool json)
{
	struct json_object *job = NULL, *state = NULL, *dests = NULL, *sdests = NULL;
	const char *result;
	uint64_t id = 0, pages = 0, code = 0;

	json_object_object_get_ex(res, "job", &job);
	json_object_object_get_ex(res, "state", &state);
	result = ctl_get_string(state, "result");
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN));
		return result && strcmp(result, "ok") == 0 ? CTL_EXIT_OK : CTL_EXIT_FAILURE;
	}
	ctl_get_uint(job, "id", &id);
	ctl_get_uint(state, "pages", &pages);
	ctl_get_uint(state, "code", &code);
	json_object_object_get_ex(job, "destinations", &dests);
	json_object_object_get_ex(state, "destinations", &sdests);
	if (result && strcmp(result, "ok") == 0) {
		printf("job %llu: ok, %llu page%s", (unsigned long long)id,
		       (unsigned long long)pages, pages == 1 ? "" : "s");
		for (size_t i = 0; dests && i < json_object_array_length(dests); i++) {
			struct json_object *d = json_object_array_get_idx(dests, i);
			const char *type = ctl_get_string(d, "type");
			uint64_t box = 0, doc = 0;

			if (type && strcmp(type, "box") != 0) {
				printf("%s %s to %s (#899)", i ? "," : ":",
				       strcmp(type, "ifax") == 0  ? "I-Fax"
				       : strcmp(type, "smb") == 0 ? "SMB"
				       : strcmp(type, "ftp") == 0 ? "FTP"
								  : "e-mail",
				       ctl_get_string(d, "to"));
				continue;
			}
			ctl_get_uint(d, "box", &box);
			ctl_get_uint(json_object_array_get_idx(sdests, i), "doc", &doc);
			printf("%s box %llu document %llu", i ? "," : ":", (unsigned long long)box,
			       (unsigned long long)doc);
		}
		printf("\n");
		return CTL_EXIT_OK;
	}
	if (code)
		fprintf(stderr, "%s send: job %llu %s: #%03llu %s\n", CTL_PROG,
			(unsigned long long)id, result ? result : "ended", (unsigned long long)code,
			ctl_get_string(state, "message"));
	else
		fprintf(stderr, "%s send: job %llu %s: %s\n", CTL_PROG, (unsigned long long)id,
			result ? result : "ended", ctl_get_string(state, "message"));
	return CTL_EXIT_FAILURE;
}

int cmd_send(const struct ctl_options *opt, int argc, char **argv)
{
	struct json_object *args = json_object_new_object(), *scan = NULL, *v, *res;
	struct agent_call call = { .prog = CTL_PROG " " CMD, .on_event = on_event };
	struct follow f = { .json = opt->json };
	int fds[MAX_FILES];
	size_t nfds = 0;
	bool no_wait = false, have_box = false;
	struct folder folders[MAX_FOLDERS];
	size_t nfolders = 0;
	const char *user = NULL, *password_file = NULL;
	char password[256] = "";
	uint16_t xres = 200, yres = 200;
	int c, ret = CTL_EXIT_USAGE;

	opterr = 0;
	optind = 1;
	scan = json_object_new_object();
	while ((c = getopt_long(argc, argv, ":h", send_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			send_help();
			ret = CTL_EXIT_OK;
			goto out;
		case OPT_BOX:
			v = split_list(optarg, true);
			if (!v) {
				usage_error(CMD, "--box %s: expected numbers separated by commas",
					    optarg);
				goto out;
			}
			json_object_object_add(args, "boxes", v);
			have_box = true;
			break;
		case OPT_TO:
			json_object_object_add(args, "to", split_list(optarg, false));
			have_box = true;
			break;
		case OPT_IFAX:
			json_object_object_add(args, "ifax", json_object_new_string(optarg));
			break;
		case OPT_SMB:
		case OPT_FTP:
			if (nfolders == MAX_FOLDERS) {
				usage_error(CMD, "at most %d folders", MAX_FOLDERS);
				goto out;
			}
			folders[nfolders].ftp = c == OPT_FTP;
			folders[nfolders++].to = optarg;
			have_box = true;
			break;
		case OPT_USER:
			user = optarg;
			break;
		case OPT_PASSWORD_FILE:
			password_file = optarg;
			break;
		case OPT_FORMAT:
			json_object_object_add(args, "formats", split_list(optarg, false));
			break;
		case OPT_NAME:
			json_object_object_add(args, "name", json_object_new_string(optarg));
			break;
		case OPT_SCAN: {
			uint32_t pages;

			if (!parse_uint(optarg, 1, IRSEND_SCAN_MAX_PAGES, &pages)) {
				usage_error(CMD, "--scan %s: expected 1..%d pages", optarg,
					    IRSEND_SCAN_MAX_PAGES);
				goto out;
			}
			f.pages_expected = pages;
			json_object_object_add(scan, "pages", json_object_new_int64(pages));
			break;
		}
		case OPT_SIZE:
			json_object_object_add(scan, "size", json_object_new_string(optarg));
			break;
		case OPT_RES:
			json_object_object_add(scan, "res", json_object_new_string(optarg));
			break;
		case OPT_DEPTH:
			json_object_object_add(scan, "depth", json_object_new_string(optarg));
			break;
		case OPT_SEED:
		case OPT_PACE:
		case OPT_JAM_AT: {
			uint32_t n;

			if (!parse_uint(optarg, 0, UINT32_MAX, &n)) {
				usage_error(CMD, "%s %s: expected a number", argv[optind - 2],
					    optarg);
				goto out;
			}
			json_object_object_add(scan,
					       c == OPT_SEED   ? "seed"
					       : c == OPT_PACE ? "pace_ms"
							       : "jam_at",
					       json_object_new_int64(n));
			break;
		}
		case OPT_DPI:
			if (!res_parse(optarg, &xres, &yres) || xres < 50 || yres < 50 ||
			    xres > 1200 || yres > 1200) {
				usage_error(CMD, "--dpi %s: expected N or XxY, 50..1200", optarg);
				goto out;
			}
			break;
		case OPT_NO_WAIT:
			no_wait = true;
			break;
		default:
			ret = option_error(CMD, argv, c);
			goto out;
		}
	}
	if (!have_box) {
		usage_error(CMD,
			    "--box, --to, --smb or --ftp is required (where the document goes)");
		goto out;
	}
	if ((user || password_file) && !nfolders) {
		usage_error(CMD, "--user and --password-file go with --smb or --ftp");
		goto out;
	}
	if (nfolders) {
		if (read_password(password_file, password, sizeof(password)) < 0) {
			ret = CTL_EXIT_FAILURE;
			goto out;
		}
		add_folders(args, folders, nfolders, user, password);
		OPENSSL_cleanse(password, sizeof(password));
	}
	if (f.pages_expected && optind < argc) {
		usage_error(CMD, "give --scan or files, not both");
		goto out;
	}
	if (!f.pages_expected && optind == argc) {
		usage_error(CMD, "nothing to send: give --scan PAGES or files");
		goto out;
	}
	if (argc - optind > MAX_FILES) {
		usage_error(CMD, "at most %d files per job", MAX_FILES);
		goto out;
	}
	for (int i = optind; i < argc; i++) {
		int fd = strcmp(argv[i], "-") == 0 ? dup(0) : open(argv[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "%s send: %s: %s\n", CTL_PROG, argv[i], strerror(errno));
			ret = CTL_EXIT_FAILURE;
			goto out;
		}
		fds[nfds++] = fd;
	}
	if (f.pages_expected) {
		json_object_object_add(args, "source", json_object_new_string("scan"));
		json_object_object_add(args, "scan", json_object_get(scan));
	} else {
		json_object_object_add(args, "source", json_object_new_string("files"));
		json_object_object_add(args, "xres", json_object_new_int(xres));
		json_object_object_add(args, "yres", json_object_new_int(yres));
	}
	json_object_object_add(args, "follow", json_object_new_boolean(!no_wait));
	progress_init(&f.progress);
	call.fds = fds;
	call.nfds = nfds;
	call.arg = &f;
	res = agent_request(&call, "send", args);
	args = NULL;
	progress_clear(&f.progress);
	if (!res) {
		ret = CTL_EXIT_FAILURE;
	} else if (no_wait) {
		uint64_t id = 0;

		ctl_get_uint(res, "job", &id);
		if (opt->json)
			printf("{\"job\":%llu}\n", (unsigned long long)id);
		else
			printf("job %llu accepted\n", (unsigned long long)id);
		ret = CTL_EXIT_OK;
	} else {
		ret = report(res, opt->json);
	}
	json_object_put(res);
out:
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	json_object_put(scan);
	json_object_put(args);
	return ret;
}
