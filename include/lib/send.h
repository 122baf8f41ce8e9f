/* What one attempt to hand a message to a provider came to: the shared
 * answer of every channel's client (push_fcm, push_apns, push_jpush,
 * mail_smtp, sms_aliyun, chat_robot), which the delivery worker turns into
 * sent, retry later, retire the device, or dead. */
#ifndef FT_SEND_H
#define FT_SEND_H

enum send_outcome {
	SEND_OK = 0,   /* the provider accepted it (provider_ref names it there) */
	SEND_RETRY,    /* transient: timeout, connection, 5xx, rate limited */
	SEND_GONE,     /* the address is no longer valid (a push token): retire it */
	SEND_REJECTED, /* permanent: the provider refuses this message; dead now */
};

struct send_result {
	enum send_outcome outcome;
	int http_status;        /* 0 when no answer was read */
	int retry_after_s;      /* provider's hint for SEND_RETRY; 0 = none */
	char provider_ref[128]; /* the provider's id for the accepted message */
	char error[256];        /* provider's error code and text; never a credential */
};

/* What a push says: no customer personal data ever goes in here. */
struct push_message {
	const char *title;
	const char *body;
	const char *link;      /* deep link, "fieldtrace://tickets/42" */
	const char *kind;      /* "ticket.assigned", ... */
	const char *collapse;  /* later pushes with this key replace earlier ones; may be NULL */
	long long ticket_id;   /* 0 = none */
	int high_priority;     /* P1/P2 and escalations */
	const char *ack_token; /* escalations: the reply action's token; NULL = none */
};

#endif
