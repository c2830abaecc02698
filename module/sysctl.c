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

/*
 * net.tcpalt.congestion_control, as net.ipv4.tcp_congestion_control: the algorithm new sockets
 * of the namespace start with; a name tcpalt does not know is refused with ENOENT.
 */
static int tcpalt_proc_cc(struct ctl_table *ctl, int write, void *buffer, size_t *lenp,
			  loff_t *ppos)
{
	const struct tcpalt_cc_ops **def = ctl->data;
	const struct tcpalt_cc_ops *ops;
	char val[TCP_CA_NAME_MAX];
	struct ctl_table tbl = {
		.data = val,
		.maxlen = TCP_CA_NAME_MAX,
	};
	int ret;

	strscpy(val, READ_ONCE(*def)->name, sizeof(val));
	ret = proc_dostring(&tbl, write, buffer, lenp, ppos);
	if (!write || ret)
		return ret;
	ops = tcpalt_cc_find(val);
	if (!ops)
		return -ENOENT;
	WRITE_ONCE(*def, ops);
	return 0;
}

/* net.tcpalt.available_congestion_control: read-only, "reno cubic". */
static int tcpalt_proc_cc_available(struct ctl_table *ctl, int write, void *buffer,
				    size_t *lenp, loff_t *ppos)
{
	char val[4 * TCP_CA_NAME_MAX];	/* room for tcpalt's few names (not TCP_CA_BUF_MAX) */
	struct ctl_table tbl = {
		.data = val,
		.maxlen = sizeof(val),
	};

	tcpalt_cc_available(val, sizeof(val));
	return proc_dostring(&tbl, write, buffer, lenp, ppos);
}

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
	{
		.procname	= "congestion_control",
		.maxlen		= TCP_CA_NAME_MAX,
		.mode		= 0644,
		.proc_handler	= tcpalt_proc_cc,
	},
	{
		.procname	= "available_congestion_control",
		.maxlen		= 4 * TCP_CA_NAME_MAX,
		.mode		= 0444,
		.proc_handler	= tcpalt_proc_cc_available,
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
	tn->cc_default = &tcpalt_cubic;	/* as Linux's CONFIG_DEFAULT_TCP_CONG */
	t = kmemdup(tcpalt_sysctl_template, sizeof(tcpalt_sysctl_template), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t[0].data = &tn->msl_ms;
	t[1].data = &tn->fin_timeout_ms;
	t[2].data = &tn->syn_retries;
	t[3].data = &tn->synack_retries;
	t[4].data = &tn->max_orphans;
	t[5].data = &tn->cc_default;
	tn->sysctl_hdr = register_net_sysctl(net, "net/tcpalt", t);
	if (!tn->sysctl_hdr) {
		kfree(t);
		return -ENOMEM;
	}
	return 0;
}

/**
 * tcpalt_cc_default() - the algorithm a new socket of @net starts with.
 * @net: the socket's namespace
 *
 * Return: the ops net.tcpalt.congestion_control names (CUBIC unless changed).
 */
const struct tcpalt_cc_ops *tcpalt_cc_default(struct net *net)
{
	return READ_ONCE(tcpalt_pernet(net)->cc_default);
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
