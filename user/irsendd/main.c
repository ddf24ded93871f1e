/*
 * irsendd: the irsend agent. Start-up runs as root: claim the page ring,
 * mount the data partition, apply the saved MAC allow-list, bind the
 * control socket; then it becomes its own unprivileged user and serves
 * jobs and requests until SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup_agent.h"
#include "config.h"
#include "datadisk.h"
#include "engine.h"
#include "fsutil.h"
#include "license.h"
#include "log.h"
#include "macfilter_apply.h"
#include "privdrop.h"
#include "receive.h"
#include "receive_smtpd.h"
#include "service_blob.h"
#include "ring.h"
#include "server.h"
#include "server_priv.h"
#include "settings_store.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: irsendd [--config FILE] [--set KEY=VALUE]... [--print-config]\n"
		"\n"
		"The irsend agent: runs jobs (scan or files -> encode -> User Inbox), keeps\n"
		"them in a journal on the data disk so that none is lost to a crash or a\n"
		"power cut, and serves irsendctl on a UNIX socket. It stays in the\n"
		"foreground and logs to stderr (or syslog: log = syslog).\n"
		"\n"
		"Started as root, it claims the scanner page ring of /dev/irsend, mounts the\n"
		"attached disk's data partition on data_dir (making an ext4 file system on a\n"
		"blank one), applies the saved MAC allow-list, creates the control socket\n"
		"(mode 0660, group socket_group), and then runs as \"user\" with no\n"
		"capabilities. SIGTERM or SIGINT: finish the scan in progress, keep every\n"
		"other job in the journal for the next start, and exit 0.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   read FILE (default %s; a missing default\n"
		"                      file is fine, a missing named one is an error)\n"
		"  -s, --set KEY=VALUE override one key after the file\n"
		"  --print-config      print the effective configuration, every key with\n"
		"                      its meaning, and exit\n"
		"  -h, --help          print this help and exit\n"
		"  --version           print the version and exit\n"
		"\n"
		"Exit status: 0 after SIGTERM/SIGINT, 1 when start-up failed (a message\n"
		"says why), 2 for a wrong command line or configuration.\n"
		"\n"
		"Files: the configuration file; data_dir/spool (the job journal),\n"
		"data_dir/joblog.jsonl (ended jobs), data_dir/boxes (User Inboxes),\n"
		"data_dir/settings.conf (user settings). The control protocol is described\n"
		"in user/common/ctl_proto.h.\n",
		CONFIG_DEFAULT_PATH);
}

struct agent {
	struct config cfg;
	struct engine engine;
	struct server server;
	struct ring_consumer ring;
	bool have_ring;
	struct license_device license;
	struct receiver *receiver;
	struct rx_smtpd *rx_smtpd;
	int smtpd_fd; /* bound at start when SMTP reception is on, else -1 */
	struct settings_store *settings;
	char settings_path[512];
	char service_path[520];
	int sigfd;
};

static int parse_args(struct agent *a, int argc, char **argv, bool *print)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' }, { "set", required_argument, NULL, 's' },
		{ "print-config", no_argument, NULL, 'P' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },	    { 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	bool named = false;
	char *sets[64];
	size_t nsets = 0;
	char err[512];
	int c;

	config_defaults(&a->cfg);
	while ((c = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			named = true;
			break;
		case 's':
			if (nsets == sizeof(sets) / sizeof(sets[0])) {
				fprintf(stderr, "irsendd: too many --set options\n");
				return 2;
			}
			sets[nsets++] = optarg;
			break;
		case 'P':
			*print = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("irsendd %s\n", IRSEND_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "irsendd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (config_load(&a->cfg, path, named, err, sizeof(err)) < 0) {
		fprintf(stderr, "irsendd: %s\n", err);
		return 2;
	}
	for (size_t i = 0; i < nsets; i++) {
		char *eq = strchr(sets[i], '=');

		if (!eq) {
			fprintf(stderr, "irsendd: --set %s: expected KEY=VALUE\n", sets[i]);
			return 2;
		}
		*eq = '\0';
		if (config_set(&a->cfg, sets[i], eq + 1, err, sizeof(err)) < 0) {
			fprintf(stderr, "irsendd: --set: %s\n", err);
			return 2;
		}
	}
	return -1;
}

/* Parent directory of a path (the socket's). */
static void parent_dir(const char *path, char *buf, size_t len)
{
	char *slash;

	snprintf(buf, len, "%s", path);
	slash = strrchr(buf, '/');
	if (slash && slash != buf)
		*slash = '\0';
}

static int apply_macfilter(const struct config *cfg)
{
	struct macfilter_store ms;
	char err[512];

	if (access(cfg->macfilter_store, F_OK) < 0)
		return 0;
	if (macfilter_store_load(&ms, cfg->macfilter_store, err, sizeof(err)) < 0 ||
	    macfilter_store_apply(&ms, "irsendd", err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, 0, "MAC allow-list: %s", err);
		return -1;
	}
	log_msg(LOG_INFO, 0, "MAC allow-list applied from %s", cfg->macfilter_store);
	return 0;
}

/* Read the license state from NVRAM; options registered since the last start become active. */
static int start_licenses(struct agent *a, char *err, size_t errlen)
{
	struct license_device *d = &a->license;
	struct nvram_store store = { .fd = a->have_ring ? a->ring.fd : -1 };
	int n;

	if (!a->have_ring && strcmp(a->cfg.nvram_dir, "none") != 0)
		snprintf(store.dir, sizeof(store.dir), "%s", a->cfg.nvram_dir);
	if (license_device_open(d, &store, err, errlen) < 0)
		return -1;
	d->lock_base_s = a->cfg.license_lock_s;
	if (d->problem[0])
		log_msg(LOG_WARNING, 0, "licenses: %s", d->problem);
	n = license_device_start(d, err, errlen);
	if (n < 0)
		log_msg(LOG_ERR, 0, "licenses: registered options stay pending: %s", err);
	for (unsigned int o = 1; o <= LICENSE_OPTION_COUNT; o++)
		if (license_is_active(d, o))
			log_msg(LOG_INFO, 0, "license: %s is active", license_option_name(o));
	a->server.license = d;
	a->engine.license = d;
	return 0;
}

static void mail_notice(void *arg, uint32_t job, unsigned int dest, unsigned int code,
			const char *text)
{
	if (engine_mail_notice(arg, job, dest, code, text) < 0)
		log_msg(LOG_INFO, 0, "a report about job %u, destination %u: no such job (%s)", job,
			dest, text);
}

/* New user settings: reception picks them up (POP interval, SMTP server). */
static void settings_changed(void *arg)
{
	struct agent *a = arg;
	char *service = engine_service_text(&a->engine), err[300];

	receive_configure(a->receiver, a->settings, service);
	free(service);
	if (a->rx_smtpd &&
	    rx_smtpd_apply(a->rx_smtpd, a->settings, agent_keys(), err, sizeof(err)) < 0)
		log_msg(LOG_ERR, 0, "SMTP reception: %s", err);
}

/*
 * SMTP reception needs its port bound as root: the settings on the data
 * disk and the service values say whether and where. -1: not on.
 */
static int bind_smtpd(struct agent *a)
{
	struct settings_store *user = settings_store_new(SETTING_USER),
			      *service = settings_store_new(SETTING_SERVICE);
	char path[600], err[300];
	int fd = -1, ret = 0;

	snprintf(path, sizeof(path), "%.500s/settings.conf", a->cfg.data_dir);
	if (!user || !service)
		goto out;
	if (access(path, F_OK) == 0)
		ret = settings_store_load(user, path, err, sizeof(err));
	if (ret == 0 && a->have_ring)
		ret = service_nvram_load(a->ring.fd, service, err, sizeof(err));
	else if (ret == 0 && access(strcat(path, ".service"), F_OK) == 0)
		ret = settings_store_load(service, path, err, sizeof(err));
	if (ret == 0)
		fd = rx_smtpd_bind(user, service, err, sizeof(err));
	if (fd < 0 && settings_store_get_bool(user, "smtpd.enabled"))
		log_msg(LOG_ERR, 0, "SMTP reception: %s", err);
out:
	settings_store_free(user);
	settings_store_free(service);
	return fd;
}

/* The Memory RX Inbox, the reception spool and its worker, POP polling. */
static int start_reception(struct agent *a, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char *service;

	a->receiver = receive_open(a->cfg.data_dir, err, errlen);
	if (!a->receiver)
		return -1;
	ev.data.ptr = a->receiver;
	if (epoll_ctl(a->server.epfd, EPOLL_CTL_ADD, receive_fd(a->receiver), &ev) < 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	receive_set_notice_hook(a->receiver, mail_notice, &a->engine);
	service = engine_service_text(&a->engine);
	receive_configure(a->receiver, a->settings, service);
	free(service);
	a->server.receiver = a->receiver;
	a->rx_smtpd = rx_smtpd_new(a->smtpd_fd, a->receiver, a->cfg.macfilter_store);
	if (!a->rx_smtpd) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->smtpd_fd = -1; /* rx_smtpd's now */
	a->server.settings_changed = settings_changed;
	a->server.settings_changed_arg = a;
	if (rx_smtpd_apply(a->rx_smtpd, a->settings, agent_keys(), err, errlen) < 0)
		log_msg(LOG_ERR, 0, "SMTP reception: %s", err);
	return 0;
}

/* Everything that needs root, in order; then the drop. */
static int start(struct agent *a)
{
	struct config *cfg = &a->cfg;
	struct box_store_opts box_opts = {
		.count = cfg->box_count,
		.area_limit = cfg->box_area_mb << 20,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	uid_t uid = getuid();
	gid_t gid = getgid(), group;
	char err[SETTINGS_LOAD_ERR_MAX], dir[CONFIG_VALUE_MAX];
	bool root = geteuid() == 0;
	int ret;

	if (root && lookup_user(cfg->user, &uid, &gid, err, sizeof(err)) < 0)
		goto fail;
	group = lookup_group(cfg->socket_group);
	if (group == (gid_t)-1)
		log_msg(LOG_WARNING, 0,
			"group \"%s\" does not exist: only root and %s may use the socket",
			cfg->socket_group, cfg->user);
	if (strcmp(cfg->device, "none") != 0) {
		if (ring_open(&a->ring, "irsendd", cfg->device) < 0) {
			snprintf(err, sizeof(err),
				 "cannot claim the page ring of %s (above); device = none runs "
				 "without the module",
				 cfg->device);
			goto fail;
		}
		a->have_ring = true;
		a->engine.rc = &a->ring;
		if (strcmp(cfg->data_mount, "auto") == 0) {
			ret = datadisk_mount(a->ring.fd, cfg->data_dir, err, sizeof(err));
			if (ret < 0)
				goto fail;
			log_msg(LOG_INFO, 0, "%s",
				ret ? "data partition mounted on data_dir"
				    : "no disk attached: data_dir is a plain "
				      "directory");
		}
		apply_macfilter(cfg);
	}
	if (make_dir(cfg->data_dir, 0750) < 0 || (root && chown(cfg->data_dir, uid, gid) < 0)) {
		snprintf(err, sizeof(err), "%s: %s", cfg->data_dir, strerror(errno));
		goto fail;
	}
	parent_dir(cfg->socket_path, dir, sizeof(dir));
	if (make_dir(dir, 0755) < 0) {
		snprintf(err, sizeof(err), "%s: %s", dir, strerror(errno));
		goto fail;
	}
	if (server_listen(&a->server, cfg->socket_path, group, err, sizeof(err)) < 0)
		goto fail;
	if (root && chown(cfg->socket_path, uid, (gid_t)-1) < 0) {
		snprintf(err, sizeof(err), "%s: %s", cfg->socket_path, strerror(errno));
		goto fail;
	}
	a->smtpd_fd = bind_smtpd(a);
	if (drop_privileges(uid, gid, group, err, sizeof(err)) < 0)
		goto fail;
	if (root)
		log_msg(LOG_INFO, 0, "running as %s (uid %ld) with no capabilities", cfg->user,
			(long)uid);
	/* A scheduled (or interrupted) Mail Box restore runs before anything else. */
	if (backup_restore_at_start(cfg->data_dir, &box_opts, err, sizeof(err)) < 0)
		goto fail;
	a->engine.encode_threads = cfg->encode_threads;
	a->engine.scan_timeout_ms = cfg->scan_timeout_s * 1000;
	a->engine.notify = server_job_event;
	a->engine.notify_arg = &a->server;
	if (engine_open(&a->engine, cfg->data_dir, &box_opts, err, sizeof(err)) < 0)
		goto fail;
	ev.data.ptr = a->engine.wake;
	if (epoll_ctl(a->server.epfd, EPOLL_CTL_ADD, engine_wake_fd(&a->engine), &ev) < 0) {
		snprintf(err, sizeof(err), "epoll: %s", strerror(errno));
		goto fail;
	}
	a->server.engine = &a->engine;
	a->server.device_fd = a->have_ring ? a->ring.fd : -1;
	if (start_licenses(a, err, sizeof(err)) < 0)
		goto fail;
	snprintf(a->settings_path, sizeof(a->settings_path), "%.400s/settings.conf", cfg->data_dir);
	a->settings = settings_store_new(SETTING_USER);
	if (!a->settings) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail;
	}
	/* Damaged settings must not stop the agent: defaults, and the file is kept. */
	if (access(a->settings_path, F_OK) == 0 &&
	    settings_store_load(a->settings, a->settings_path, err, sizeof(err)) < 0)
		log_msg(LOG_ERR, 0, "user settings ignored (defaults in use): %s", err);
	a->server.settings = a->settings;
	a->server.settings_path = a->settings_path;
	/* TLS keys: DefaultKey at the first start; without them only the SMTP server's TLS fails.
	 */
	if (agent_keys_init(cfg->data_dir, err, sizeof(err)) < 0)
		log_msg(LOG_ERR, 0, "TLS keys: %s", err);
	a->engine.settings = a->settings;
	snprintf(a->service_path, sizeof(a->service_path), "%.500s.service", a->settings_path);
	a->engine.service_path = a->service_path;
	if (start_reception(a, err, sizeof(err)) < 0)
		goto fail;
	return 0;
fail:
	log_msg(LOG_ERR, 0, "%s", err);
	return -1;
}

static int setup_signals(struct agent *a)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &a->sigfd };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	a->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (a->sigfd < 0 || epoll_ctl(a->server.epfd, EPOLL_CTL_ADD, a->sigfd, &ev) < 0)
		return -1;
	return 0;
}

/* True when a stop was asked for. */
static bool read_signals(struct agent *a)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_msg(LOG_INFO, 0,
				"SIGHUP: nothing to reload (restart to change the configuration)");
			continue;
		}
		log_msg(LOG_INFO, 0, "%s: stopping", strsignal((int)si.ssi_signo));
		stop = true;
	}
	return stop;
}

static int serve(struct agent *a)
{
	struct epoll_event ring_ev = { .events = EPOLLIN, .data.ptr = &a->ring };
	bool stopping = false;

	if (a->have_ring && epoll_ctl(a->server.epfd, EPOLL_CTL_ADD, a->ring.fd, &ring_ev) < 0)
		return -1;
	log_msg(LOG_INFO, 0, "ready on %s", a->cfg.socket_path);
	for (;;) {
		struct epoll_event evs[16];
		int more = engine_step(&a->engine);
		int timeout = more ? 0 : engine_wait_ms(&a->engine);
		int n;

		server_reap(&a->server);
		/* Stopping: out once nothing runs that must run to its end. */
		if (stopping && !more && engine_can_exit(&a->engine))
			break;
		n = epoll_wait(a->server.epfd, evs, 16, timeout);
		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == NULL)
				server_accept(&a->server);
			else if (p == &a->sigfd) {
				if (read_signals(a) && !stopping) {
					stopping = true;
					engine_stop(&a->engine);
				}
			} else if (p == a->server.task_wake) {
				server_tasks_ready(&a->server);
			} else if (p == a->engine.wake) {
				engine_collect(&a->engine);
			} else if (p == a->receiver) {
				receive_ready(a->receiver);
			} else if (p != &a->ring) {
				server_client_ready(&a->server, p);
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct agent a = { .server = { .listen_fd = -1 }, .sigfd = -1, .smtpd_fd = -1 };
	bool print = false;
	int ret = parse_args(&a, argc, argv, &print);

	if (ret >= 0)
		return ret;
	if (print) {
		config_print(&a.cfg, stdout);
		return 0;
	}
	log_setup(strcmp(a.cfg.log, "syslog") == 0, a.cfg.log_level);
	a.server.max_clients = a.cfg.max_clients;
	a.server.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (a.server.epfd < 0 || setup_signals(&a) < 0) {
		log_msg(LOG_ERR, 0, "epoll/signalfd: %s", strerror(errno));
		return 1;
	}
	if (start(&a) < 0)
		ret = 1;
	else
		ret = serve(&a) < 0 ? 1 : 0;
	rx_smtpd_free(a.rx_smtpd);
	if (a.smtpd_fd >= 0)
		close(a.smtpd_fd);
	receive_close(a.receiver);
	engine_close(&a.engine);
	/* Only our own socket: a second agent that failed must not unlink the first one's. */
	if (a.server.listen_fd >= 0)
		unlink(a.cfg.socket_path);
	server_close(&a.server);
	agent_keys_close();
	settings_store_free(a.settings);
	if (a.have_ring)
		ring_close(&a.ring);
	log_msg(LOG_INFO, 0, "%s",
		ret ? "stopped after an error" : "stopped; every job is in the journal");
	return ret;
}
