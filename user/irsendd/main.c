/* irsendd: the irsend agent. */
#include <stdio.h>

int main(void)
{
	fputs("irsendd: not yet\n", stderr);
	return 1;
}
