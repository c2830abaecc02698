// SPDX-License-Identifier: GPL-2.0
/*
 * net.tcpalt.* sysctls, one set per network namespace (/proc/sys/net/tcpalt/).
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "tcpalt.h"

static int tcpalt_one = 1;
static int tcpalt_msl_max = 3600 * 1000;
static int tcpalt_retries_max = 127;

static const struct ctl_table tcpalt_sysctl_template[] = {
	{
		.procname	= "msl_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &tcpalt_one,
		.extra2		= &tcpalt_msl_max,
	},
	{
		.procname	= "fin_timeout_ms",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &tcpalt_one,
		.extra2		= &tcpalt_msl_max,
	},
	{
		.procname	= "syn_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &tcpalt_one,
		.extra2		= &tcpalt_retries_max,
	},
	{
		.procname	= "synack_retries",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &tcpalt_one,
		.extra2		= &tcpalt_retries_max,
	},
	{
		.procname	= "max_orphans",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
	},
	{ }
};

/**
 * tcpalt_sysctl_net_init() - defaults and /proc/sys/net/tcpalt for a new namespace.
 * @net: the namespace
 *
 * Return: 0 or -ENOMEM.
 */
int tcpalt_sysctl_net_init(struct net *net)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);
	struct ctl_table *t;

	tn->msl_ms = 30000;
	tn->fin_timeout_ms = 60000;
	tn->syn_retries = 6;
	tn->synack_retries = 5;
	tn->max_orphans = 8192;	/* as Linux's tcp_max_orphans on a small machine */
	t = kmemdup(tcpalt_sysctl_template, sizeof(tcpalt_sysctl_template), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t[0].data = &tn->msl_ms;
	t[1].data = &tn->fin_timeout_ms;
	t[2].data = &tn->syn_retries;
	t[3].data = &tn->synack_retries;
	t[4].data = &tn->max_orphans;
	tn->sysctl_hdr = register_net_sysctl(net, "net/tcpalt", t);
	if (!tn->sysctl_hdr) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

/**
 * tcpalt_sysctl_net_exit() - remove the namespace's sysctls.
 * @net: the namespace
 */
void tcpalt_sysctl_net_exit(struct net *net)
{
	struct tcpalt_net *tn = tcpalt_pernet(net);
	struct ctl_table *t = tn->sysctl_hdr->ctl_table_arg;

	unregister_net_sysctl_table(tn->sysctl_hdr);
	kfree(t);
}
