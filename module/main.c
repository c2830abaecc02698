// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt: module init and exit only.  Registration order and its unwind live here.
 */
#include <linux/module.h>
#include <linux/net.h>
#include <net/sock.h>

#include "tcpalt.h"

int tcpalt_family = AF_TCPALT;
module_param_named(family, tcpalt_family, int, 0444);
MODULE_PARM_DESC(family, "protocol family number to register (default 22; must be free and below AF_MAX)");

static int __init tcpalt_init(void)
{
	int err;

	if (tcpalt_family <= AF_UNSPEC || tcpalt_family >= NPROTO) {
		pr_err("family=%d is out of range: it must be between 1 and %d\n",
		       tcpalt_family, NPROTO - 1);
		return -EINVAL;
	}

	err = proto_register(&tcpalt_prot, 1);
	if (err)
		goto err_proto;
	err = tcpalt_proc_init();
	if (err)
		goto err_proc;
	err = tcpalt_af_init();
	if (err) {
		if (err == -EEXIST)
			pr_err("family %d is already registered by another protocol; load with family=N for a free N\n",
			       tcpalt_family);
		goto err_af;
	}
	pr_info("loaded: protocol family %d\n", tcpalt_family);
	return 0;

err_af:
	tcpalt_proc_exit();
err_proc:
	proto_unregister(&tcpalt_prot);
err_proto:
	return err;
}

static void __exit tcpalt_exit(void)
{
	tcpalt_af_exit();
	tcpalt_proc_exit();
	proto_unregister(&tcpalt_prot);
}

module_init(tcpalt_init);
module_exit(tcpalt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpalt: an alternative TCP implementation as the AF_TCPALT protocol family");
MODULE_ALIAS_NETPROTO(AF_TCPALT);
