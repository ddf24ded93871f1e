/* E-mail and I-Fax delivery, run in a delivery thread (see deliver_task.h). */
#include <stdio.h>

#include "deliver_task.h"
#include "errcodes.h"

void deliver_mail(struct deliver_task *t)
{
	/* The SMTP client lands with issue 7; until then the destination is refused. */
	t->code = IRS_E_SERVER;
	t->temporary = false;
	snprintf(t->reply, sizeof(t->reply), "e-mail delivery is not available in this build");
}
