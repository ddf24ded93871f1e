/*
 * The user-facing error codes (#022 ... #995) of every send and receive
 * path: one table, one entry per code, whatever protocols share it.
 *
 * Every failure the agent records in a job log or shows to an operator is
 * one of these codes, so that the text an operator reads for "#801" is the
 * same whether SMTP, SMB or FTP produced it. The texts are ours; the codes
 * and the areas they belong to follow the device's service manual.
 *
 * Usage:
 *
 *	const struct irs_errcode *e = errcode_find(IRS_E_BOX_FULL);
 *	printf("%s %s\n", errcode_str(e->code, buf), e->message);   // "#711 ..."
 *
 *	unsigned int code;
 *	if (errcode_parse("#711", &code) == 0 && errcode_find(code)) ...
 *
 *	for (size_t i = 0; i < errcode_count(); i++) {
 *		const struct irs_errcode *e = errcode_at(i);   // ascending codes
 *		if (e->areas & IRS_AREA_SMB) ...
 *	}
 */
#ifndef IRSEND_ERRCODES_H
#define IRSEND_ERRCODES_H

#include <stddef.h>

/* The codes later code raises by name. */
enum irs_error {
	IRS_E_ADDRESS_GONE = 22,	 /* destination deleted or invalid while queued */
	IRS_E_CANCELLED_SENDING = 99,	 /* an operator stopped a job while it was sending */
	IRS_E_WORK_AREA_FULL = 702,	 /* no room for the job's working files */
	IRS_E_IMAGE_AREA_FULL = 703,	 /* no room for images (queued jobs and boxes) */
	IRS_E_ADDRBOOK_LOOKUP = 704,	 /* address not found in the address book */
	IRS_E_TOO_BIG = 705,		 /* message larger than the configured limit */
	IRS_E_ADDRBOOK_BUSY = 706,	 /* address book locked by another user */
	IRS_E_BOX_FULL = 711,		 /* the User Inbox area is full */
	IRS_E_BOX_DOC_LIMIT = 712,	 /* a box holds its maximum number of documents */
	IRS_E_URL_DOC_GONE = 713,	 /* document of a URL send deleted before sending */
	IRS_E_NO_RESPONSE = 751,	 /* file server unreachable, or job interrupted */
	IRS_E_CONNECT = 752,		 /* could not connect to the SMTP server */
	IRS_E_NETWORK = 753,		 /* socket error during the session */
	IRS_E_TCPIP = 755,		 /* no usable IP address or network stack */
	IRS_E_NETWARE_OFF = 756,	 /* NetWare is switched off */
	IRS_E_SERVER = 801,		 /* server-side error or timeout */
	IRS_E_DNS = 802,		 /* host name could not be resolved */
	IRS_E_NO_DIRECTORY = 804,	 /* destination directory missing or closed */
	IRS_E_BAD_ADDRESS = 806,	 /* recipient refused, or bad user name/password */
	IRS_E_NO_PERMISSION = 807,	 /* no write permission on the directory */
	IRS_E_POP_CONNECT = 810,	 /* POP server unreachable or stalled */
	IRS_E_POP_LOGIN = 813,		 /* POP user name or password refused */
	IRS_E_NCP_BUSY = 815,		 /* NetWare server busy with our print login */
	IRS_E_RX_UNPRINTABLE = 818,	 /* attachment in a format we cannot output */
	IRS_E_RX_MIME = 819,		 /* broken MIME structure */
	IRS_E_RX_ENCODING = 820,	 /* broken base64 or uuencode */
	IRS_E_RX_TIFF = 821,		 /* TIFF file could not be parsed */
	IRS_E_RX_IMAGE = 822,		 /* image data could not be decoded */
	IRS_E_RX_UNSUPPORTED_MIME = 827, /* MIME type we do not accept */
	IRS_E_RX_HTML = 828,		 /* HTML attachment */
	IRS_E_RX_TOO_MANY_PAGES = 829,	 /* received document over 1000 pages */
	IRS_E_DSN_FAILURE = 830,	 /* a delivery status notification reported failure */
	IRS_E_RX_IP_BLOCKED = 831,	 /* SMTP peer refused by the IP allow-list */
	IRS_E_DSN_SEND = 832,		 /* we could not send a DSN */
	IRS_E_MDN_SEND = 833,		 /* we could not send an MDN */
	IRS_E_MDN_FAILURE = 834,	 /* an MDN reported that processing failed */
	IRS_E_RX_TOO_MANY_LINES = 835,	 /* text body over the IFAX-LIM line count */
	IRS_E_SMTP_AUTH = 839,		 /* SMTP AUTH credentials refused */
	IRS_E_TLS_HANDSHAKE = 841,	 /* TLS impossible: no common cipher, failed handshake */
	IRS_E_TLS_CLIENT_CERT = 842,	 /* server demands a client certificate */
	IRS_E_GSSAPI_CLOCK_SKEW = 843,	 /* Kerberos refused us: clocks too far apart */
	IRS_E_POP_TLS = 844,		 /* TLS to the POP server failed (POP before SMTP) */
	IRS_E_POP_AUTH = 845,		 /* POP AUTH (SASL) failed (POP before SMTP) */
	IRS_E_APOP = 846,		 /* APOP failed (POP before SMTP) */
	IRS_E_SENT = 899,		 /* success: handed to the server */
	IRS_E_CANCELLED = 995,		 /* job cancelled before or while it ran */
};

/* The tables of the service manual a code appears in (bits of irs_errcode.areas). */
enum irs_err_area {
	IRS_AREA_EMAIL = 1u << 0,   /* e-mail transmission */
	IRS_AREA_IFAX_TX = 1u << 1, /* I-Fax transmission */
	IRS_AREA_IFAX_RX = 1u << 2, /* I-Fax reception (POP and SMTP) */
	IRS_AREA_SMB = 1u << 3,	    /* SMB file transmission */
	IRS_AREA_FTP = 1u << 4,	    /* FTP file transmission */
	IRS_AREA_NCP = 1u << 5,	    /* NetWare (NCP) file transmission */
	IRS_AREA_BOX = 1u << 6,	    /* storing into a User Inbox */
};
#define IRS_AREA_ALL 0x7fu

/*
 * What a job engine may do about a code; a hint, not a rule: a caller that
 * knows more (a 4xx reply versus a 5xx one) decides for itself.
 */
enum irs_err_kind {
	IRS_ERR_SUCCESS,   /* the job is done (#899) */
	IRS_ERR_CANCELLED, /* an operator's decision: never retried */
	IRS_ERR_TEMPORARY, /* may succeed later unchanged: retry with backoff */
	IRS_ERR_SETTINGS,  /* needs a setting, an address or a server fixed first */
	IRS_ERR_DATA,	   /* the document itself is the problem */
	IRS_ERR_REPORT,	   /* learnt after the fact (DSN, MDN, reception): nothing to retry */
};

struct irs_errcode {
	unsigned int code;  /* 22 ... 995 */
	unsigned int areas; /* IRS_AREA_* bits */
	enum irs_err_kind kind;
	const char *name;    /* stable identifier for scripts: "box-full" */
	const char *message; /* one line for an operator */
	const char *cause;   /* what happened, in every area the code covers */
	const char *remedy;  /* what to check or do */
};

/* The entry of code, or NULL when there is none. */
const struct irs_errcode *errcode_find(unsigned int code);

/* Iteration in ascending code order: errcode_at(i) for i < errcode_count(). */
size_t errcode_count(void);
const struct irs_errcode *errcode_at(size_t i);

/*
 * "#711", "711", "#022", "22": 0 with *code set; -1 for anything else
 * (whether such a code exists is errcode_find()'s business).
 */
int errcode_parse(const char *text, unsigned int *code);

/* "#022" for 22, in buf (at least ERRCODE_STR_MAX bytes); returns buf. */
#define ERRCODE_STR_MAX 8
const char *errcode_str(unsigned int code, char buf[ERRCODE_STR_MAX]);

/* "email", "ifax-tx", ... for one IRS_AREA_* bit; NULL otherwise. */
const char *errcode_area_name(unsigned int area);

/* The IRS_AREA_* bit of a name from errcode_area_name(), or 0. */
unsigned int errcode_area_by_name(const char *name);

/* "success", "cancelled", "temporary", "settings", "data", "report". */
const char *errcode_kind_name(enum irs_err_kind kind);

#endif
