/** Kubernetes version of the kube-apiserver that kube-local builds (must match go/go.mod). */
export const K8S_VERSION = 'v1.37.2';

/** etcd version that kube-local builds (must match go/go.mod). */
export const ETCD_VERSION = 'v3.7.0';

/** Name of the binary cache folder; changes whenever a pinned version changes. */
export const BIN_TAG = `k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}`;
