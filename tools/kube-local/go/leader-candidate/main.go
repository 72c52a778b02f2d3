// Command leader-candidate is one client-go leader-election candidate for kw's mixed-fleet e2e
// test (packages/leaderelection/test/e2e): client-go's own elector on a coordination.k8s.io/v1
// Lease, speaking the same JSON-lines protocol as the kw candidate (test/e2e/candidate.ts).
//
//	leader-candidate <kubeconfig> <namespace> <lease> <identity>
//
// Prints {"event","identity","t"} lines (t = Unix ms) for ready, started, stopped, leader (with
// "leader") and exit. SIGTERM stops gracefully and releases the Lease (ReleaseOnCancel).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

var (
	mu       sync.Mutex
	identity string
)

func emit(event string, extra map[string]any) {
	line := map[string]any{"event": event, "identity": identity, "t": time.Now().UnixMilli()}
	for k, v := range extra {
		line[k] = v
	}
	data, _ := json.Marshal(line)
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintln(os.Stdout, string(data))
}

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: leader-candidate <kubeconfig> <namespace> <lease> <identity>")
		os.Exit(2)
	}
	kubeconfig, namespace, name := os.Args[1], os.Args[2], os.Args[3]
	identity = os.Args[4]

	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	client := kubernetes.NewForConfigOrDie(config)
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Name: name, Namespace: namespace},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}

	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		cancel()
	}()

	emit("ready", nil)
	leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   3 * time.Second,
		RenewDeadline:   2 * time.Second,
		RetryPeriod:     500 * time.Millisecond,
		ReleaseOnCancel: true,
		Name:            name,
		Callbacks: leaderelection.LeaderCallbacks{
			// The term ends when client-go cancels the leader's context: that is when leader-only
			// work must stop, before the Lease is released.
			OnStartedLeading: func(term context.Context) {
				emit("started", nil)
				<-term.Done()
				emit("stopped", nil)
			},
			OnStoppedLeading: func() {},
			OnNewLeader: func(leader string) {
				emit("leader", map[string]any{"leader": leader})
			},
		},
	})
	emit("exit", nil)
}
