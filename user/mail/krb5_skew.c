// SPDX-License-Identifier: GPL-2.0
/* The KDC clock offset of the default credentials cache (see krb5_skew.h). */
#include <krb5.h>

#include "krb5_skew.h"

int irs_krb5_clock_skewed(long *offset)
{
	krb5_context ctx;
	krb5_ccache cc = NULL;
	krb5_principal p = NULL;
	krb5_int32 sec = 0, usec = 0;
	int skewed = 0;

	if (krb5_init_context(&ctx))
		return 0;
	/* Reading the cache's principal loads its header, and with it the offset, into ctx. */
	if (!krb5_cc_default(ctx, &cc) && !krb5_cc_get_principal(ctx, cc, &p) &&
	    !krb5_get_time_offsets(ctx, &sec, &usec)) {
		skewed = sec > IRS_KRB5_SKEW_MAX || sec < -IRS_KRB5_SKEW_MAX;
		if (offset)
			*offset = sec;
	}
	if (p)
		krb5_free_principal(ctx, p);
	if (cc)
		krb5_cc_close(ctx, cc);
	krb5_free_context(ctx);
	return skewed;
}
