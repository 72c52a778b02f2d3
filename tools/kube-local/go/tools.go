//go:build tools

// Package tools records the Go main packages kube-local builds, so that go.mod and
// go.sum pin them. It is never compiled into anything.
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
