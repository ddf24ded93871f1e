/*
 * The error-code catalogue. The texts are written for this project: a
 * message short enough for a status line, a cause that covers every area
 * the code is used in, and a remedy an operator can act on.
 */
#include "errcodes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define EM IRS_AREA_EMAIL
#define IT IRS_AREA_IFAX_TX
#define IR IRS_AREA_IFAX_RX
#define SM IRS_AREA_SMB
#define FT IRS_AREA_FTP
#define NC IRS_AREA_NCP
#define BX IRS_AREA_BOX
/* Areas that share the "any send" codes. */
#define SENDS (EM | IT | SM | FT | NC | BX)

/* Sorted by code: errcode_find() searches it by bisection. */
static const struct irs_errcode table[] = {
	{ 22, SENDS, IRS_ERR_SETTINGS, "address-gone", "Destination no longer valid",
	  "A destination of the job was deleted or changed in the address book while the job "
	  "waited, or a group address holds no destination this kind of job can reach.",
	  "Check the address book entries (and the members of group addresses) the job used, "
	  "then send the document again." },
	{ 99, SENDS, IRS_ERR_CANCELLED, "cancelled-sending", "Stopped by an operator",
	  "An operator cancelled the job while it was being sent; the destination may hold "
	  "nothing or an incomplete copy that the server discarded.",
	  "Start the job again if the document is still wanted." },
	{ 702, EM | IT | IR | SM | FT | NC, IRS_ERR_TEMPORARY, "work-area-full",
	  "Too many jobs waiting: disk work area full",
	  "The part of the data disk that holds jobs in progress ran out of space, usually "
	  "because many large jobs are queued or being received at once.",
	  "Wait for queued jobs to finish and try again; spreading large broadcasts over time "
	  "helps." },
	{ 703, EM | IT | IR | SM | FT | NC, IRS_ERR_TEMPORARY, "image-area-full",
	  "Too many jobs and box documents: disk image area full",
	  "The space for page images on the data disk is used up by queued jobs together with "
	  "the documents kept in boxes.",
	  "Delete documents that are no longer needed from the boxes, let queued jobs finish, "
	  "then try again." },
	{ 704, EM | IT | SM | FT | NC, IRS_ERR_SETTINGS, "addrbook-lookup",
	  "Destination not found in the address book",
	  "Reading the destination from the address book failed, for example because the "
	  "entry was removed after the pages were scanned.",
	  "Check the address book entry and choose the destination again." },
	{ 705, EM | IT, IRS_ERR_DATA, "too-big", "Message larger than the size limit",
	  "The encoded document, or a single page of it, is larger than the maximum message "
	  "size set for sending.",
	  "Send fewer pages or use a lower resolution, or raise the size limit in the mail "
	  "settings if the server accepts larger messages." },
	{ 706, EM | IT | SM | FT | NC | BX, IRS_ERR_TEMPORARY, "addrbook-busy",
	  "Address book in use elsewhere",
	  "The address book was locked because it was being imported, exported or edited, or "
	  "another sending job held it.",
	  "Finish the other address book work, wait a moment and try again." },
	{ 711, BX, IRS_ERR_SETTINGS, "box-full", "User Inbox storage full",
	  "The disk space set aside for User Inbox documents is used up.",
	  "Delete or export documents from the boxes to make room, then store the document "
	  "again." },
	{ 712, BX, IRS_ERR_SETTINGS, "box-doc-limit", "Box holds its maximum number of documents",
	  "The target box already contains as many documents as one box may hold.",
	  "Delete documents from that box, or store into another box." },
	{ 713, EM, IRS_ERR_DATA, "url-doc-gone", "Document for the URL notice was deleted",
	  "A box document was removed before the e-mail announcing its URL could be sent.",
	  "Keep box documents until their URL notices have gone out, and send the document "
	  "again." },
	{ 751, SM | FT | NC, IRS_ERR_TEMPORARY, "no-response", "File server not responding",
	  "The file server did not answer or the connection broke during the transfer (server "
	  "down, network cut, NetWare tree name missing), or the agent stopped the job after an "
	  "internal failure such as a restart in the middle of it.",
	  "Check that the server is running and reachable and that the destination settings "
	  "are complete; send again if the job was ended by a restart." },
	{ 752, EM | IT, IRS_ERR_TEMPORARY, "connect", "Cannot connect to the mail server",
	  "No connection could be opened to the SMTP server: it refused or did not answer on "
	  "the configured address and port.",
	  "Check the mail server name, the SMTP port (smtp.port or SMTPTXPN), the DNS settings "
	  "and that the server is running." },
	{ 753, EM | IT, IRS_ERR_TEMPORARY, "network", "Network error during sending",
	  "Reading from or writing to the connection failed after it was opened, for example "
	  "because the link went down or the peer reset it.",
	  "Check the network cable, links and switches between the device and the server, then "
	  "try again." },
	{ 755, EM | IT | SM | FT, IRS_ERR_TEMPORARY, "tcpip", "No working TCP/IP configuration",
	  "The device has no usable IP address (DHCP or another address source gave none, or "
	  "the address is 0.0.0.0) or the network stack ran out of resources after several "
	  "attempts.",
	  "Give the device a valid address or fix the DHCP service, and restart the network "
	  "interface if the problem stays." },
	{ 756, NC, IRS_ERR_SETTINGS, "netware-off", "NetWare is switched off",
	  "A NetWare (NCP) destination was used while NetWare support is disabled.",
	  "Enable NetWare in the network settings, or use an SMB or FTP destination instead." },
	{ 801, EM | IT | IR | SM | FT | NC, IRS_ERR_TEMPORARY, "server", "Server reported an error",
	  "The server refused a command or did not answer in time: an SMTP error reply or "
	  "command timeout; a file server that is full, refuses the login or write access, or "
	  "holds a write-protected file of the same name; or received data that slowed below "
	  "1 KB in 10 seconds.",
	  "Check the server's state, logs and free space, the account's rights and the network "
	  "load, then try again." },
	{ 802, EM | IT | IR | SM | FT, IRS_ERR_TEMPORARY, "dns", "Server name not found",
	  "The server's host name could not be resolved: no DNS server is configured, it did "
	  "not answer, or it does not know the name.",
	  "Check the server name and the DNS server settings, and that the DNS server "
	  "works." },
	{ 804, SM | FT | NC, IRS_ERR_SETTINGS, "no-directory", "Destination folder not found",
	  "The folder named in the destination does not exist on the server, or the account "
	  "may not enter it.",
	  "Correct the folder path of the destination, or give the account access to it." },
	{ 806, EM | IT | SM | FT | NC, IRS_ERR_SETTINGS, "bad-address",
	  "Destination address or login refused",
	  "The mail server rejected a recipient address, or the file server rejected the user "
	  "name or password (or, for NetWare, the host name) of the destination.",
	  "Check the recipient's address, or the user name and password stored for the "
	  "destination." },
	{ 807, SM | FT | NC, IRS_ERR_SETTINGS, "no-permission", "No write permission on the folder",
	  "The server accepted the login but the account may not create files in the "
	  "destination folder.",
	  "Grant the account write access to the folder on the server, or choose another "
	  "folder." },
	{ 810, EM | IT | IR, IRS_ERR_TEMPORARY, "pop-connect", "Cannot reach the POP server",
	  "No connection could be made to the POP server (for POP before SMTP or for "
	  "reception), or data from it slowed below 1 KB in 10 seconds.",
	  "Check the POP server name and port (pop.port or POP3N), the DNS settings, the "
	  "server's state and the network load." },
	{ 813, EM | IT, IRS_ERR_SETTINGS, "pop-login", "POP login refused",
	  "The POP server refused the user name or password used for POP before SMTP or for "
	  "reception.",
	  "Check the POP user name and password and that the account exists on the "
	  "server." },
	{ 815, FT | NC, IRS_ERR_TEMPORARY, "ncp-busy", "NetWare server busy with this device",
	  "A new NetWare login was tried while the device was already logged in to that server "
	  "as a print server that is printing.",
	  "Wait and try again, send to another NetWare server, or stop the print server "
	  "login." },
	{ 818, IR, IRS_ERR_DATA, "rx-unprintable", "Received attachment cannot be output",
	  "A received attachment is in a format the device cannot print or store as a fax "
	  "document.",
	  "Ask the sender to send TIFF images suitable for Internet fax." },
	{ 819, IR, IRS_ERR_DATA, "rx-mime", "Received message has a broken MIME structure",
	  "The headers or part boundaries of a received message could not be parsed.",
	  "Ask the sender to check their sending software; the reception error report shows "
	  "details." },
	{ 820, IR, IRS_ERR_DATA, "rx-encoding", "Received attachment is badly encoded",
	  "The base64 or uuencoded data of a received attachment is malformed or cut short.",
	  "Ask the sender to send the document again; the reception error report shows "
	  "details." },
	{ 821, IR, IRS_ERR_DATA, "rx-tiff", "Received TIFF file is invalid",
	  "A received TIFF file has a structure that could not be read.",
	  "Ask the sender to check the TIFF file and send it again; the reception error report "
	  "shows details." },
	{ 822, IR, IRS_ERR_DATA, "rx-image", "Received image cannot be decoded",
	  "The compressed image data inside a received TIFF file is corrupt or uses coding the "
	  "device does not decode.",
	  "Ask the sender to send the document again with MH, MR or MMR coding." },
	{ 827, IR, IRS_ERR_DATA, "rx-unsupported-mime", "Received content type not supported",
	  "A received message carries a MIME type that the device does not accept.",
	  "Ask the sender to send only Internet fax content (text and TIFF)." },
	{ 828, IR, IRS_ERR_DATA, "rx-html", "Received attachment is HTML",
	  "A received message carries an HTML file, which the device does not accept.",
	  "Ask the sender to send plain text or TIFF instead of HTML." },
	{ 829, IR, IRS_ERR_DATA, "rx-too-many-pages", "Received document has over 1000 pages",
	  "A received document has more pages than the 1000 one reception may hold.",
	  "Ask the sender to split the document into parts of at most 999 pages." },
	{ 830, EM | IT, IRS_ERR_REPORT, "dsn-failure", "Delivery failure reported by a DSN",
	  "A delivery status notification came back for a sent message: a recipient address "
	  "was wrong, the receiver could not handle the message, or it exceeded a server's "
	  "size limit.",
	  "Check the recipient's address and the server's size limit, and match the document "
	  "format to what the receiver accepts." },
	{ 831, IR, IRS_ERR_REPORT, "rx-ip-blocked", "SMTP connection refused by the IP allow-list",
	  "An SMTP client connected from an address that the reception IP allow-list does not "
	  "permit, and the connection was closed.",
	  "Add the sender's address or network to the reception allow-list if it should be "
	  "accepted." },
	{ 832, IR, IRS_ERR_REPORT, "dsn-send", "Could not send a delivery notification (DSN)",
	  "A delivery status notification requested by a sender could not be sent because "
	  "this device's sending settings or servers did not work.",
	  "Check the SMTP and DNS servers, the device's host name, domain and e-mail address, "
	  "and its IP settings." },
	{ 833, IR, IRS_ERR_REPORT, "mdn-send", "Could not send a processing notification (MDN)",
	  "A message disposition notification for a received full-mode Internet fax could not "
	  "be sent because this device's sending settings or servers did not work.",
	  "Make sure this device can send e-mail: its SMTP server, DNS server, host name, "
	  "domain, e-mail address and IP settings." },
	{ 834, EM | IT, IRS_ERR_REPORT, "mdn-failure",
	  "Receiver reported a processing failure (MDN)",
	  "The receiving machine of a full-mode Internet fax answered with a disposition "
	  "notification saying it could not process the document (memory full, image it could "
	  "not decode, settings it does not support).",
	  "Match the document settings to the receiver's capabilities and ask its operator to "
	  "free memory or check the failure." },
	{ 835, IR, IRS_ERR_DATA, "rx-too-many-lines", "Received text exceeds the line limit",
	  "The text of a received message has more lines than the output limit (service mode "
	  "IFAX-LIM); the rest was not output.",
	  "Ask the sender to shorten the text, or raise IFAX-LIM (0 removes the limit)." },
	{ 839, EM | IT, IRS_ERR_SETTINGS, "smtp-auth", "SMTP server refused the login",
	  "The SMTP server rejected the user name or password given for SMTP authentication.",
	  "Check the SMTP user name and password and that the account may send through the "
	  "server." },
	{ 841, EM | IT, IRS_ERR_SETTINGS, "tls-handshake", "Encrypted connection failed",
	  "TLS was required but could not be set up: the server offers no STARTTLS, shares no "
	  "protocol version or cipher with the device, or the handshake or certificate check "
	  "failed. Nothing was sent in plaintext.",
	  "Enable a modern TLS configuration on the server (or install its certificate on the "
	  "device), or turn TLS for sending off if the network allows it." },
	{ 842, EM | IT, IRS_ERR_SETTINGS, "tls-client-cert", "Server requires a client certificate",
	  "The mail server asked the device for a client certificate during the TLS handshake, "
	  "which the device does not provide.",
	  "Configure the server not to request client certificates from this device, or turn "
	  "TLS for sending off." },
	{ 843, EM | IT, IRS_ERR_SETTINGS, "gssapi-clock-skew", "Kerberos login failed: clock skew",
	  "GSSAPI (Kerberos) authentication failed because the device's clock and the KDC's "
	  "clock differ by more than Kerberos allows (usually 5 minutes).",
	  "Set the device's date, time and time zone correctly (NTP is best) and check the "
	  "KDC's clock." },
	{ 844, EM | IT, IRS_ERR_SETTINGS, "pop-tls", "Encrypted POP connection failed",
	  "For POP before SMTP or reception, the encrypted (STLS) connection to the POP server "
	  "could not be set up, so the POP login did not happen (\"SSL Error (POP)\").",
	  "Check TLS on the POP server, or turn TLS for POP off, or stop using POP before "
	  "SMTP." },
	{ 845, EM | IT, IRS_ERR_SETTINGS, "pop-auth", "POP AUTH login failed",
	  "For POP before SMTP or reception, login with a SASL mechanism (POP AUTH) failed: the "
	  "server refused the credentials or has no mechanism in common with the device (\"POP "
	  "AUTH Encryption Error\").",
	  "Check the POP user name and password and the server's SASL settings, or choose "
	  "another POP login method, or stop using POP before SMTP." },
	{ 846, EM | IT, IRS_ERR_SETTINGS, "apop", "APOP login failed",
	  "For POP before SMTP or reception, the APOP login failed: the server does not offer "
	  "APOP or rejected the digest of the password (\"APOP Authentication Error\").",
	  "Check the POP user name and password and that the server supports APOP, or choose "
	  "another POP login method, or stop using POP before SMTP." },
	{ 899, EM | IT, IRS_ERR_SUCCESS, "sent", "Sent to the server",
	  "The job finished: the server accepted the message. Whether it reached the "
	  "recipient is not known unless a DSN or (full-mode Internet fax) an MDN comes back.",
	  "Nothing to do. A failed delivery later shows up as #830 or #834." },
	{ 995, SENDS, IRS_ERR_CANCELLED, "cancelled", "Job cancelled",
	  "The job was cancelled before it finished, while it waited in the queue or as the "
	  "agent shut down on request.",
	  "Send the document again if it is still needed." },
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

const struct irs_errcode *errcode_find(unsigned int code)
{
	size_t lo = 0, hi = TABLE_LEN;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (table[mid].code == code)
			return &table[mid];
		if (table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t errcode_count(void)
{
	return TABLE_LEN;
}

const struct irs_errcode *errcode_at(size_t i)
{
	return i < TABLE_LEN ? &table[i] : NULL;
}

int errcode_parse(const char *text, unsigned int *code)
{
	unsigned int v = 0;
	size_t n = 0;

	if (*text == '#')
		text++;
	/* Three digits at most: the codes are three-digit numbers, "#022" included. */
	for (; text[n]; n++) {
		if (n == 3 || text[n] < '0' || text[n] > '9')
			return -1;
		v = v * 10 + (unsigned int)(text[n] - '0');
	}
	if (!n)
		return -1;
	*code = v;
	return 0;
}

const char *errcode_str(unsigned int code, char buf[ERRCODE_STR_MAX])
{
	snprintf(buf, ERRCODE_STR_MAX, "#%03u", code % 1000);
	return buf;
}

static const struct {
	unsigned int area;
	const char *name;
} area_names[] = {
	{ IRS_AREA_EMAIL, "email" },	 { IRS_AREA_IFAX_TX, "ifax-tx" },
	{ IRS_AREA_IFAX_RX, "ifax-rx" }, { IRS_AREA_SMB, "smb" },
	{ IRS_AREA_FTP, "ftp" },	 { IRS_AREA_NCP, "ncp" },
	{ IRS_AREA_BOX, "box" },
};

const char *errcode_area_name(unsigned int area)
{
	for (size_t i = 0; i < sizeof(area_names) / sizeof(area_names[0]); i++) {
		if (area_names[i].area == area)
			return area_names[i].name;
	}
	return NULL;
}

unsigned int errcode_area_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(area_names) / sizeof(area_names[0]); i++) {
		if (!strcasecmp(area_names[i].name, name))
			return area_names[i].area;
	}
	return 0;
}

const char *errcode_kind_name(enum irs_err_kind kind)
{
	switch (kind) {
	case IRS_ERR_SUCCESS:
		return "success";
	case IRS_ERR_CANCELLED:
		return "cancelled";
	case IRS_ERR_TEMPORARY:
		return "temporary";
	case IRS_ERR_SETTINGS:
		return "settings";
	case IRS_ERR_DATA:
		return "data";
	case IRS_ERR_REPORT:
		return "report";
	}
	return "unknown";
}
