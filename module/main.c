// SPDX-License-Identifier: GPL-2.0
/*
 * tcpalt: module init and exit only.  Registration order and its unwind live here.
 *
 * Lifetime (DESIGN D10): every socket pins the module (struct proto .owner), so rmmod is
 * refused with EBUSY while any tcpalt socket exists, orphans on their way out included.
 * TIME-WAIT entries do not pin it: unloading ends them (unregister_pernet_subsys() runs the
 * namespace exit, which ends them, for every namespace).
 */
#include <linux/module.h>
#include <linux/net.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "tcpalt.h"

int tcpalt_family = AF_TCPALT;
module_param_named(family, tcpalt_family, int, 0444);
MODULE_PARM_DESC(family, "protocol family number to register (default 22; must be free and below AF_MAX)");

unsigned int tcpalt_net_id __read_mostly;

static int __net_init tcpalt_net_init(struct net *net)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);
	int err;

	spin_lock_init(&tn->all_lock);
	INIT_LIST_HEAD(&tn->all);
	tcpalt_fastopen_net_init(net);
	tn->mib = alloc_percpu(struct tcpalt_mib);
	if (!tn->mib)
		return -ENOMEM;
	err = tcpalt_sysctl_net_init(net);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	free_percpu(tn->mib);
	tn->mib = NULL;
	return err;
}

static void __net_exit tcpalt_net_exit(struct net *net)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);

	tcpalt_tw_purge(net);
	/* Sockets hold the namespace and /proc readers hold it too: only TIME-WAIT was left. */
	WARN_ON_ONCE(!list_empty(&tn->all));
	tcpalt_port_flush();
	tcpalt_sysctl_net_exit(net);
	free_percpu(tn->mib);
	tn->mib = NULL;
}

static struct pernet_operations tcpalt_net_ops = {
	.init	= tcpalt_net_init,
	.exit	= tcpalt_net_exit,
	.id	= &tcpalt_net_id,
	.size	= sizeof(struct tcpalt_net),
};

static int __init tcpalt_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct tcpalt_skb_cb) > sizeof_field(struct sk_buff, cb));
	if (tcpalt_family <= AF_UNSPEC || tcpalt_family >= NPROTO) {
		pr_err("family=%d is out of range: it must be between 1 and %d\n",
		       tcpalt_family, NPROTO - 1);
		return -EINVAL;
	}

	tcpalt_cookie_init();
	tcpalt_fastopen_init();
	err = tcpalt_isn_init();
	if (err)
		return err;
	err = tcpalt_hash_init();
	if (err)
		return err;
	err = tcpalt_port_init();
	if (err)
		goto err_port;
	err = proto_register(&tcpalt_prot, 1);
	if (err)
		goto err_proto;
	err = register_pernet_subsys(&tcpalt_net_ops);
	if (err)
		goto err_pernet;
	err = tcpalt_input_init();
	if (err) {
		pr_err("cannot take the IPv4 TCP protocol handler (no TCP, or another module has it)\n");
		goto err_input;
	}
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
	tcpalt_input_exit();
err_input:
	unregister_pernet_subsys(&tcpalt_net_ops);
err_pernet:
	proto_unregister(&tcpalt_prot);
err_proto:
	tcpalt_port_exit();
err_port:
	tcpalt_hash_exit();
	return err;
}

static void __exit tcpalt_exit(void)
{
	tcpalt_af_exit();
	tcpalt_input_exit();	/* no segment reaches tcpalt after this */
	tcpalt_proc_exit();
	unregister_pernet_subsys(&tcpalt_net_ops);	/* ends every TIME-WAIT entry */
	rcu_barrier();	/* sockets (SOCK_RCU_FREE) and TIME-WAIT entries are RCU-freed */
	proto_unregister(&tcpalt_prot);
	tcpalt_port_exit();
	tcpalt_hash_exit();
}

module_init(tcpalt_init);
module_exit(tcpalt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpalt: an alternative TCP implementation as the AF_TCPALT protocol family");
MODULE_ALIAS_NETPROTO(AF_TCPALT);
