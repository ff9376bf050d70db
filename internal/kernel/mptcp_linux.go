package kernel

// MPTCPInfo is the MPTCP_INFO socket option (linux/mptcp.h, level
// SOL_MPTCP), which golang.org/x/sys does not define.
const MPTCPInfo = 1
